#include "venom/json_field_reader.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace venom {
namespace {

using nlohmann::json;

TEST(JsonFieldReaderTest, ReadsExpectedTypesAndFallsBackOnAbsentOrNull) {
    JsonFieldReader r("Hub answer");
    const json doc = {{"id", "org/m"}, {"size", 12}, {"ratio", 1.5}, {"gone", nullptr}};
    EXPECT_EQ(r.string(doc, "id"), "org/m");
    EXPECT_EQ(r.unsigned_integer(doc, "size", 0), 12u);
    EXPECT_EQ(r.number(doc, "ratio"), 1.5);
    EXPECT_EQ(r.string(doc, "gone", "x"), "x");
    EXPECT_EQ(r.array(doc, "missing"), nullptr);
    EXPECT_TRUE(r.ok());
}

TEST(JsonFieldReaderTest, AWrongTypeIsAnErrorNamingTheFieldNotAnException) {
    // Issue 9, finding 5: nlohmann's value() threw type_error here and hung the request.
    const json doc = json::parse(R"({"siblings": [{}, {}, {}, {"rfilename": "a", "size": "12"}]})");
    JsonFieldReader r("Hub answer");
    const json* siblings = r.array(doc, "siblings");
    ASSERT_NE(siblings, nullptr);
    EXPECT_EQ(r.unsigned_integer((*siblings)[3], "size", 7, "siblings[3]"), 7u);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().http_status, 502);
    EXPECT_EQ(r.error().code, "bad_upstream_response");
    EXPECT_EQ(r.error().message,
              "Hub answer: field 'siblings[3].size' is a string, expected a number");
}

TEST(JsonFieldReaderTest, KeepsTheFirstProblemAndChecksContainers) {
    JsonFieldReader r("Gemini model list");
    const json doc = {{"models", "none"}, {"nextPageToken", 5}};
    EXPECT_EQ(r.array(doc, "models"), nullptr);
    EXPECT_EQ(r.string(doc, "nextPageToken"), "");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message,
              "Gemini model list: field 'models' is a string, expected an array");

    JsonFieldReader top("Hub answer");
    EXPECT_EQ(top.string(json::array(), "sha"), "");
    EXPECT_EQ(top.error().message,
              "Hub answer: field 'the top level' is an array, expected an object");

    JsonFieldReader negative("Hub answer");
    negative.unsigned_integer(json{{"size", -1}}, "size", 0);
    EXPECT_EQ(negative.error().message,
              "Hub answer: field 'size' is a number, expected a non-negative integer");
}

TEST(JsonFieldReaderTest, NumbersOutOfRangeAreRefusedNotCast) {
    // The fuzzer sent an Ollama pull line with a 55-digit total: nlohmann keeps it as a double
    // and get<uint64_t>() on it is undefined behaviour (UBSan: float-cast-overflow).
    const json huge = json::parse("4661211424444444444444444444444444444444444444444444444");
    ASSERT_TRUE(huge.is_number_float());
    EXPECT_FALSE(as_unsigned(huge));
    EXPECT_FALSE(as_signed(huge));
    EXPECT_FALSE(as_unsigned(json(-1)));
    EXPECT_FALSE(as_unsigned(json(-0.5)));
    EXPECT_FALSE(as_unsigned(json(std::numeric_limits<double>::quiet_NaN())));
    EXPECT_FALSE(as_signed(json(std::numeric_limits<std::uint64_t>::max())));
    EXPECT_FALSE(as_unsigned(json("12")));
    EXPECT_EQ(as_unsigned(json(std::numeric_limits<std::uint64_t>::max())),
              std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(as_unsigned(json(2019377376.0)), 2019377376u);
    EXPECT_EQ(as_signed(json(-3)), -3);

    JsonFieldReader r("Ollama answer");
    EXPECT_FALSE(r.integer(json{{"n", huge}}, "n"));
    EXPECT_EQ(r.error().message,
              "Ollama answer: field 'n' is a number, expected an integer in range");
}

}  // namespace
}  // namespace venom
