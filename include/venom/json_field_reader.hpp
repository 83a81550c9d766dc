#pragma once
// Reading an upstream's JSON with the types we expect. nlohmann's value()/get() throw
// type_error on a surprise (a size sent as a string), which escaped the pool and hung the
// request (issue 9, finding 5). This reader never throws: a field of another type is recorded
// as an error naming it ("Hub answer: field 'siblings[3].size' is a string, expected a number")
// and the fallback is used; the caller checks ok() once and answers 502 bad_upstream_response.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "venom/result.hpp"

namespace venom {

// A JSON number as a count or size, never through undefined behaviour: a float from an upstream
// can be 1e300 or -1, and casting that to an integer is UB (the fuzzer found a 55-digit `total`
// in an Ollama pull line). Integers >= 0 as they are; floats only when finite and in range
// (truncated); anything else nullopt.
std::optional<std::uint64_t> as_unsigned(const nlohmann::json& value);
// The same for a signed integer.
std::optional<std::int64_t> as_signed(const nlohmann::json& value);

class JsonFieldReader {
public:
    // `source` starts every message: "Hub answer", "Gemini model list".
    explicit JsonFieldReader(std::string source) : source_(std::move(source)) {}

    // Field `key` of `object` (found at `path`, "" for the top level, "siblings[3]" inside).
    // Absent or null: the fallback, no error. Another type: the fallback and a recorded error.
    // `object` that is not an object is itself recorded.
    std::string string(const nlohmann::json& object, std::string_view key,
                       std::string fallback = {}, std::string_view path = {});
    // A non-negative integer (sizes, counts); a float or negative number is an error.
    std::uint64_t unsigned_integer(const nlohmann::json& object, std::string_view key,
                                   std::uint64_t fallback, std::string_view path = {});
    // An integer; a float is truncated, a float out of int64's range is an error.
    std::optional<std::int64_t> integer(const nlohmann::json& object, std::string_view key,
                                        std::string_view path = {});
    std::optional<double> number(const nlohmann::json& object, std::string_view key,
                                 std::string_view path = {});
    // The array or object at `key`; null when absent (or null), or of another type (recorded).
    const nlohmann::json* array(const nlohmann::json& object, std::string_view key,
                                std::string_view path = {});
    const nlohmann::json* object(const nlohmann::json& object, std::string_view key,
                                 std::string_view path = {});

    // True when `value` (found at `path`) is an object; records an error otherwise.
    bool expect_object(const nlohmann::json& value, std::string_view path);

    bool ok() const { return !error_; }
    // The first problem found: 502 bad_upstream_response naming the field. Only when !ok().
    Error error() const { return *error_; }

    // "a string", "a number", "an array", ... for messages.
    static std::string type_name(const nlohmann::json& value);
    // "siblings[3]" + "size" -> "siblings[3].size"; "" + "sha" -> "sha".
    static std::string join(std::string_view path, std::string_view key);

private:
    const nlohmann::json* find(const nlohmann::json& object, std::string_view key,
                               std::string_view path);
    void record(std::string_view field, const nlohmann::json& value, const char* expected);

    std::string source_;
    std::optional<Error> error_;
};

}  // namespace venom
