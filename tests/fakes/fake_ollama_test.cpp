// Tests of FakeOllama and FakeOllamaLibrary through a real HTTP client: each pins down a protocol
// detail the Ollama provider's tests rely on, so a drift in the fakes shows up here first.

#include "fakes/fake_ollama.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/fake_ollama_library.hpp"
#include "support/http_get.hpp"

namespace venom::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Whether the raw header block holds exactly `line` (as "Name: value"), CRLF-terminated.
bool has_header(const HttpReply& reply, const std::string& line) {
    return reply.raw_headers.find(line + "\r\n") != std::string::npos;
}

HttpReply send_json(const std::string& method, const std::string& url, const json& body) {
    return http_call({.method = method,
                      .url = url,
                      .headers = {"Content-Type: application/json"},
                      .body = body.dump()});
}

// Every line of an NDJSON body, parsed; a line that is not JSON fails the test.
std::vector<json> ndjson_lines(const std::string& body) {
    std::vector<json> lines;
    std::size_t start = 0;
    while (start < body.size()) {
        const auto end = body.find('\n', start);
        EXPECT_NE(end, std::string::npos) << "unterminated last line in: " << body;
        if (end == std::string::npos) break;
        lines.push_back(json::parse(body.substr(start, end - start)));
        start = end + 1;
    }
    return lines;
}

std::vector<std::string> statuses(const std::vector<json>& lines) {
    std::vector<std::string> out;
    for (const json& line : lines) {
        out.push_back(line.contains("status") ? line["status"].get<std::string>()
                                              : "error: " + line.value("error", "?"));
    }
    return out;
}

// Values of `attribute="..."` following each occurrence of `marker` in document order.
std::vector<std::string> attribute_after(const std::string& html, const std::string& marker,
                                         const std::string& attribute) {
    std::vector<std::string> values;
    for (auto at = html.find(marker); at != std::string::npos; at = html.find(marker, at + 1)) {
        const auto start = html.find(attribute + "=\"", at) + attribute.size() + 2;
        values.push_back(html.substr(start, html.find('"', start) - start));
    }
    return values;
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

// Whether `text` follows `shape`, where 'd' stands for a digit, 'x' for a lowercase hex digit and
// any other character for itself. (std::regex would do, but trips GCC 12 warnings at -O2.)
bool has_shape(const std::string& text, std::string_view shape) {
    if (text.size() != shape.size()) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool digit = c >= '0' && c <= '9';
        const bool ok = shape[i] == 'd'   ? digit
                        : shape[i] == 'x' ? digit || (c >= 'a' && c <= 'f')
                                          : c == shape[i];
        if (!ok) return false;
    }
    return true;
}

// RFC 3339 in the fake server's local zone with 9 fractional digits, as Ollama writes them.
constexpr std::string_view kLocalTimestamp = "dddd-dd-ddTdd:dd:dd.ddddddddd-07:00";

// A fast script for tests that care about the lines, not the pace.
PullScript quick_script() {
    PullScript script;
    script.tick_delay = 1ms;
    script.ticks_per_layer = 3;
    return script;
}

class FakeOllamaTest : public ::testing::Test {
protected:
    std::string url(const std::string& path) const { return ollama_.base_url() + path; }

    FakeOllama ollama_;
};

// ---- liveness ---------------------------------------------------------------------------------

TEST_F(FakeOllamaTest, RootSaysRunningAsPlainTextAndVersionIsJson) {
    const HttpReply root = http_get(url("/"));
    const HttpReply version = http_get(url("/api/version"));
    const HttpReply unknown = http_get(url("/api/nope"));

    ASSERT_EQ(root.code, CURLE_OK) << root.error;
    EXPECT_EQ(root.status, 200);
    EXPECT_EQ(root.body, "Ollama is running");
    EXPECT_TRUE(has_header(root, "Content-Type: text/plain; charset=utf-8")) << root.raw_headers;
    EXPECT_EQ(version.status, 200);
    EXPECT_EQ(json::parse(version.body), json({{"version", "0.12.3"}}));
    // gin's plain-text 404, not JSON: a client must not assume every error body parses.
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.body, "404 page not found");
}

// ---- /api/tags --------------------------------------------------------------------------------

TEST_F(FakeOllamaTest, TagsIsAnEmptyArrayWhenNothingIsInstalled) {
    const HttpReply reply = http_get(url("/api/tags"));

    ASSERT_EQ(reply.code, CURLE_OK) << reply.error;
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, R"({"models":[]})");
    EXPECT_TRUE(has_header(reply, "Content-Type: application/json; charset=utf-8"));
}

TEST_F(FakeOllamaTest, TagsListsModelsWithOllamaFieldShapesAndNullFamilies) {
    ollama_.add_model(FakeOllamaModel::llama3());
    ollama_.add_model(FakeOllamaModel::gemma2());
    FakeOllamaModel bare = FakeOllamaModel::qwen_tools();
    bare.name = "Custom/Bare";  // no tag: stored as :latest
    bare.capabilities.clear();
    bare.modified_at = "2024-01-01T00:00:00.000000001-07:00";
    ollama_.add_model(bare);

    const HttpReply reply = http_get(url("/api/tags"));
    const HttpReply head = http_call({.method = "HEAD", .url = url("/api/tags")});

    ASSERT_EQ(reply.status, 200) << reply.body;
    const json models = json::parse(reply.body)["models"];
    ASSERT_EQ(models.size(), 3u);
    // Most recently modified first, as the real list is sorted.
    EXPECT_EQ(models[0]["name"], "llama3:latest");
    EXPECT_EQ(models[1]["name"], "gemma2:latest");
    EXPECT_EQ(models[2]["name"], "Custom/Bare:latest");

    const json& llama = models[0];
    EXPECT_EQ(llama["model"], "llama3:latest");
    EXPECT_EQ(llama["size"], 4661224676);
    EXPECT_TRUE(has_shape(llama["digest"], std::string(64, 'x'))) << llama["digest"];
    EXPECT_TRUE(has_shape(llama["modified_at"], kLocalTimestamp)) << llama["modified_at"];
    EXPECT_EQ(llama["details"], json::parse(R"({"parent_model":"","format":"gguf",
        "family":"llama","families":["llama"],"parameter_size":"8.0B",
        "quantization_level":"Q4_0"})"));
    EXPECT_EQ(llama["capabilities"], json({"completion"}));

    ASSERT_TRUE(models[1]["details"].contains("families"));
    EXPECT_TRUE(models[1]["details"]["families"].is_null());
    EXPECT_FALSE(models[2].contains("capabilities")) << "omitempty";

    EXPECT_EQ(head.code, CURLE_OK) << head.error;
    EXPECT_EQ(head.status, 200);
    EXPECT_TRUE(head.body.empty());
}

// ---- /api/show --------------------------------------------------------------------------------

TEST_F(FakeOllamaTest, ShowGivesContextLengthUnderArchitectureKeyAndTheTemplate) {
    ollama_.add_model(FakeOllamaModel::llama3());

    // No tag: the :latest default applies.
    const HttpReply reply = send_json("POST", url("/api/show"), {{"model", "llama3"}});

    ASSERT_EQ(reply.status, 200) << reply.body;
    // Go escapes <, > and & in JSON strings; the template is where a client meets it.
    EXPECT_NE(reply.body.find(R"(\u003c|start_header_id|\u003esystem)"), std::string::npos);
    const json show = json::parse(reply.body);
    const json& info = show["model_info"];
    const std::string arch = info["general.architecture"];
    EXPECT_EQ(arch, "llama");
    EXPECT_EQ(info[arch + ".context_length"], 8192);
    EXPECT_EQ(info[arch + ".embedding_length"], 4096);
    EXPECT_EQ(info["general.parameter_count"], 8030261248);
    EXPECT_EQ(info["tokenizer.ggml.tokens"], json::array());
    EXPECT_EQ(info["tokenizer.ggml.merges"], json::array());
    EXPECT_EQ(show["details"]["quantization_level"], "Q4_0");
    EXPECT_NE(show["template"].get<std::string>().find(
                  "{{ if .System }}<|start_header_id|>system<|end_header_id|>"),
              std::string::npos);
    EXPECT_EQ(show["capabilities"], json({"completion"}));
    EXPECT_EQ(show["parameters"].get<std::string>().substr(0, 33),
              "num_keep                       24");
    EXPECT_EQ(
        show["modelfile"].get<std::string>().rfind("# Modelfile generated by \"ollama show\"", 0),
        0u);
    EXPECT_NE(show["license"].get<std::string>().find("META LLAMA 3"), std::string::npos);
    EXPECT_FALSE(show["tensors"].empty());
    EXPECT_TRUE(show.contains("modified_at"));
}

TEST_F(FakeOllamaTest, ShowFindsNamesCaseInsensitivelyByLegacyFieldAndCoversPresets) {
    ollama_.add_model(FakeOllamaModel::gemma2());
    ollama_.add_model(FakeOllamaModel::qwen_tools());

    const HttpReply gemma = send_json("POST", url("/api/show"), {{"name", "GEMMA2:Latest"}});
    const HttpReply qwen = send_json("POST", url("/api/show"), {{"model", "library/qwen2.5:7b"}});

    ASSERT_EQ(gemma.status, 200) << gemma.body;
    const json gemma_show = json::parse(gemma.body);
    EXPECT_EQ(gemma_show["model_info"]["gemma2.context_length"], 8192);
    const std::string gemma_template = gemma_show["template"];
    EXPECT_NE(gemma_template.find("<start_of_turn>user"), std::string::npos);
    EXPECT_NE(gemma_template.find("<start_of_turn>model"), std::string::npos);
    EXPECT_EQ(gemma_template.find("System"), std::string::npos);
    EXPECT_EQ(gemma_template.find("system"), std::string::npos);

    ASSERT_EQ(qwen.status, 200) << qwen.body;
    const json qwen_show = json::parse(qwen.body);
    EXPECT_EQ(qwen_show["model_info"]["qwen2.context_length"], 32768);
    EXPECT_EQ(qwen_show["capabilities"], json({"completion", "tools"}));
    EXPECT_NE(qwen_show["template"].get<std::string>().find("{{- if .System }}<|im_start|>system"),
              std::string::npos);
}

TEST_F(FakeOllamaTest, ShowErrorsAreTheRealOnes) {
    const HttpReply missing = send_json("POST", url("/api/show"), {{"model", "nope"}});
    const HttpReply no_model = send_json("POST", url("/api/show"), json::object());
    const HttpReply no_body = http_call({.method = "POST", .url = url("/api/show"), .body = ""});

    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.body, R"({"error":"model 'nope' not found"})");
    EXPECT_EQ(no_model.status, 400);
    EXPECT_EQ(no_model.body, R"({"error":"model is required"})");
    EXPECT_EQ(no_body.status, 400);
    EXPECT_EQ(no_body.body, R"({"error":"missing request body"})");
}

// ---- /api/generate and /api/ps ----------------------------------------------------------------

TEST_F(FakeOllamaTest, GenerateWithEmptyPromptLoadsAndKeepAliveZeroUnloads) {
    ollama_.add_model(FakeOllamaModel::llama3());
    EXPECT_EQ(http_get(url("/api/ps")).body, R"({"models":[]})");

    const HttpReply load = send_json("POST", url("/api/generate"),
                                     {{"model", "llama3"}, {"prompt", ""}, {"keep_alive", "10m"}});
    const HttpReply ps_loaded = http_get(url("/api/ps"));
    const std::vector<std::string> loaded_after_load = ollama_.loaded();
    const HttpReply unload =
        send_json("POST", url("/api/generate"), {{"model", "llama3"}, {"keep_alive", 0}});
    const HttpReply ps_unloaded = http_get(url("/api/ps"));

    ASSERT_EQ(load.status, 200) << load.body;
    const json load_body = json::parse(load.body);
    EXPECT_EQ(load_body["done"], true);
    EXPECT_EQ(load_body["done_reason"], "load");
    EXPECT_EQ(load_body["response"], "");
    EXPECT_EQ(loaded_after_load, std::vector<std::string>{"llama3:latest"});
    const json ps = json::parse(ps_loaded.body)["models"];
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_EQ(ps[0]["name"], "llama3:latest");
    EXPECT_EQ(ps[0]["size_vram"], ps[0]["size"]);
    EXPECT_EQ(ps[0]["context_length"], 4096);
    EXPECT_TRUE(has_shape(ps[0]["expires_at"], kLocalTimestamp)) << ps[0]["expires_at"];

    ASSERT_EQ(unload.status, 200) << unload.body;
    EXPECT_EQ(json::parse(unload.body)["done_reason"], "unload");
    EXPECT_EQ(ps_unloaded.body, R"({"models":[]})");
    EXPECT_TRUE(ollama_.loaded().empty());

    const std::vector<json> recorded = ollama_.generate_requests();
    ASSERT_EQ(recorded.size(), 2u);
    EXPECT_EQ(recorded[0]["keep_alive"], "10m");
    EXPECT_EQ(recorded[1]["keep_alive"], 0);
}

TEST_F(FakeOllamaTest, GenerateForMissingModelIs404TryPulling) {
    const HttpReply reply = send_json("POST", url("/api/generate"), {{"model", "ghost"}});

    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.body, R"({"error":"model \"ghost\" not found, try pulling it first"})");
    EXPECT_EQ(ollama_.generate_requests().size(), 1u);
}

TEST_F(FakeOllamaTest, SetLoadedShowsInPsAndRejectsUnknownModels) {
    ollama_.add_model(FakeOllamaModel::gemma2());
    ollama_.add_model(FakeOllamaModel::qwen_tools());

    ollama_.set_loaded({"gemma2", "qwen2.5:7b"});
    const json ps = json::parse(http_get(url("/api/ps")).body)["models"];

    ASSERT_EQ(ps.size(), 2u);
    EXPECT_EQ(ps[0]["name"], "gemma2:latest");
    EXPECT_EQ(ps[1]["name"], "qwen2.5:7b");
    EXPECT_TRUE(ps[0]["details"]["families"].is_null());
    EXPECT_THROW(ollama_.set_loaded({"ghost"}), std::invalid_argument);
}

// ---- /api/delete ------------------------------------------------------------------------------

TEST_F(FakeOllamaTest, DeleteTakesAJsonBodyRemovesTheModelAndItsLoad) {
    ollama_.add_model(FakeOllamaModel::llama3());
    ollama_.add_model(FakeOllamaModel::gemma2());
    ollama_.set_loaded({"llama3"});

    const HttpReply deleted = send_json("DELETE", url("/api/delete"), {{"model", "llama3:latest"}});
    const HttpReply again = send_json("DELETE", url("/api/delete"), {{"model", "llama3:latest"}});
    const HttpReply no_body = http_call({.method = "DELETE", .url = url("/api/delete")});

    ASSERT_EQ(deleted.code, CURLE_OK) << deleted.error;
    EXPECT_EQ(deleted.status, 200);
    EXPECT_EQ(deleted.body, "");
    EXPECT_FALSE(ollama_.has_model("llama3"));
    EXPECT_TRUE(ollama_.has_model("gemma2"));
    EXPECT_TRUE(ollama_.loaded().empty());
    EXPECT_EQ(json::parse(http_get(url("/api/tags")).body)["models"].size(), 1u);
    EXPECT_EQ(again.status, 404);
    EXPECT_EQ(again.body, R"({"error":"model 'llama3:latest' not found"})");
    EXPECT_EQ(no_body.status, 400);
    EXPECT_EQ(no_body.body, R"({"error":"missing request body"})");

    const std::vector<json> recorded = ollama_.delete_requests();
    ASSERT_EQ(recorded.size(), 3u);
    EXPECT_EQ(recorded[0], json({{"model", "llama3:latest"}}));
    EXPECT_EQ(recorded[2], json(""));
    // The body really travelled on the DELETE.
    const std::vector<FakeRequest> requests = ollama_.server().requests();
    ASSERT_FALSE(requests.empty());
    EXPECT_EQ(requests[0].method, "DELETE");
    EXPECT_EQ(requests[0].body, R"({"model":"llama3:latest"})");
}

// ---- /api/pull --------------------------------------------------------------------------------

TEST_F(FakeOllamaTest, PullStreamsChunkedNdjsonLayerByLayerOverAboutASecond) {
    PullScript script;
    script.model = FakeOllamaModel::llama3();
    ASSERT_GE(script.layers.size(), 3u);
    ASSERT_GE(script.duration(), 800ms);
    ASSERT_LE(script.duration(), 1500ms);
    ollama_.script_pull("llama3", script);

    // Steady-clock arrival time of each complete '\n'-terminated body line, for stream timing.
    std::vector<std::chrono::steady_clock::time_point> line_arrivals;
    std::size_t scanned = 0;
    const HttpReply reply = http_call({.method = "POST",
                                       .url = url("/api/pull"),
                                       .headers = {"Content-Type: application/json"},
                                       .body = json({{"model", "llama3"}, {"stream", true}}).dump(),
                                       .on_body = [&](const std::string& body) {
                                           const auto now = std::chrono::steady_clock::now();
                                           for (; scanned < body.size(); ++scanned) {
                                               if (body[scanned] == '\n') {
                                                   line_arrivals.push_back(now);
                                               }
                                           }
                                       }});

    ASSERT_EQ(reply.code, CURLE_OK) << reply.error;
    EXPECT_EQ(reply.status, 200);
    EXPECT_TRUE(has_header(reply, "Content-Type: application/x-ndjson")) << reply.raw_headers;
    EXPECT_TRUE(has_header(reply, "Transfer-Encoding: chunked")) << reply.raw_headers;
    const std::vector<json> lines = ndjson_lines(reply.body);
    const std::size_t per_layer = 1 + static_cast<std::size_t>(script.ticks_per_layer);
    ASSERT_EQ(lines.size(), 1 + script.layers.size() * per_layer + 3);

    EXPECT_EQ(lines.front(), json({{"status", "pulling manifest"}}));
    std::size_t at = 1;
    for (const PullLayer& layer : script.layers) {
        const json& first = lines[at];
        EXPECT_EQ(first["status"], "pulling " + layer.digest.substr(0, 12));
        EXPECT_EQ(first["digest"], "sha256:" + layer.digest);
        EXPECT_EQ(first["total"], layer.total);
        EXPECT_FALSE(first.contains("completed")) << first;  // zero is omitted, not 0
        std::int64_t previous = 0;
        for (std::size_t tick = 1; tick < per_layer; ++tick) {
            const json& line = lines[at + tick];
            EXPECT_EQ(line["digest"], "sha256:" + layer.digest);
            EXPECT_GT(line["completed"].get<std::int64_t>(), previous);
            previous = line["completed"];
        }
        EXPECT_EQ(previous, layer.total);
        at += per_layer;
    }
    EXPECT_EQ(statuses(std::vector<json>(lines.end() - 3, lines.end())),
              (std::vector<std::string>{"verifying sha256 digest", "writing manifest", "success"}));

    // Lines arrive spread over the scripted time, not in one burst at the end.
    ASSERT_EQ(line_arrivals.size(), lines.size());
    EXPECT_GE(line_arrivals.back() - line_arrivals.front(), script.duration() / 2);

    // Reading "success" means the model is in the store.
    EXPECT_TRUE(ollama_.has_model("llama3:latest"));
    const json tags = json::parse(http_get(url("/api/tags")).body)["models"];
    ASSERT_EQ(tags.size(), 1u);
    EXPECT_EQ(tags[0]["name"], "llama3:latest");
    EXPECT_EQ(ollama_.pull_count("LLAMA3"), 1u);
    EXPECT_EQ(ollama_.pull_requests().at(0), json({{"model", "llama3"}, {"stream", true}}));
}

TEST_F(FakeOllamaTest, PulledModelWithoutScriptedModelIsNamedAsRequestedAndSizedByLayers) {
    PullScript script = quick_script();
    script.layers = {{std::string(64, 'a'), 1000, false}, {std::string(64, 'b'), 24, false}};
    ollama_.script_pull("tinyllama", script);

    const HttpReply reply = send_json("POST", url("/api/pull"), {{"name", "tinyllama"}});

    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(statuses(ndjson_lines(reply.body)).back(), "success");
    const std::vector<FakeOllamaModel> models = ollama_.models();
    ASSERT_EQ(models.size(), 1u);
    EXPECT_EQ(models[0].name, "tinyllama:latest");
    EXPECT_EQ(models[0].size, 1024);
    EXPECT_EQ(models[0].digest.size(), 64u);
    EXPECT_EQ(ollama_.pull_count("tinyllama:latest"), 1u);
}

TEST_F(FakeOllamaTest, PulledNamesAreListedInOllamasShortestForm) {
    // types/model/name.go DisplayShortest: default host and namespace dropped, ":latest" added.
    for (const char* name : {"library/qwen3", "registry.ollama.ai/library/qwen3:latest",
                             "registry.ollama.ai/jmorgan/tiny", "localhost:5000/team/tiny",
                             "hf.co/org/repo-GGUF:Q4_K_M"}) {
        ollama_.script_pull(name, quick_script());
        ASSERT_EQ(send_json("POST", url("/api/pull"), {{"model", name}}).status, 200) << name;
    }
    std::vector<std::string> names;
    for (const auto& m : ollama_.models()) names.push_back(m.name);
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"hf.co/org/repo-GGUF:Q4_K_M", "jmorgan/tiny:latest",
                                               "localhost:5000/team/tiny:latest", "qwen3:latest"}));
    ollama_.set_loaded({"library/qwen3"});
    EXPECT_EQ(ollama_.loaded(), std::vector<std::string>{"qwen3:latest"});
}

TEST_F(FakeOllamaTest, VerificationIsSilentForTheScriptedTime) {
    PullScript script = quick_script();
    script.verify_silence = 300ms;
    ollama_.script_pull("big", script);
    EXPECT_GE(script.duration(), 300ms);
    const auto start = std::chrono::steady_clock::now();
    const HttpReply reply = send_json("POST", url("/api/pull"), {{"model", "big"}});
    EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
    const std::vector<std::string> seen = statuses(ndjson_lines(reply.body));
    ASSERT_GE(seen.size(), 3u);
    EXPECT_EQ(seen[seen.size() - 3], "verifying sha256 digest");
    EXPECT_EQ(seen.back(), "success");
}

TEST_F(FakeOllamaTest, CloudStubsCarryRemoteFieldsAndEmbeddingModelsCannotGenerate) {
    ollama_.add_model(FakeOllamaModel::cloud_stub());
    ollama_.add_model(FakeOllamaModel::embedding());
    const json tags = json::parse(http_call({.method = "GET", .url = url("/api/tags")}).body);
    bool stub_seen = false;
    for (const auto& m : tags["models"]) {
        if (m["name"] == "gpt-oss:120b-cloud") {
            stub_seen = true;
            EXPECT_EQ(m["remote_host"], "https://ollama.com:443");
            EXPECT_EQ(m["remote_model"], "gpt-oss:120b");
        } else {
            EXPECT_FALSE(m.contains("remote_host")) << m.dump();
        }
    }
    EXPECT_TRUE(stub_seen);
    const json show =
        json::parse(send_json("POST", url("/api/show"), {{"model", "embeddinggemma"}}).body);
    EXPECT_EQ(show["capabilities"], json({"embedding"}));
    const HttpReply generate =
        send_json("POST", url("/api/generate"), {{"model", "embeddinggemma"}, {"prompt", ""}});
    EXPECT_EQ(generate.status, 400);
    EXPECT_EQ(generate.body, R"({"error":"\"embeddinggemma\" does not support generate"})");
}

TEST_F(FakeOllamaTest, LayerAlreadyOnDiskIsOneCompleteLine) {
    PullScript script = quick_script();
    script.layers = {{std::string(64, 'c'), 500, true}, {std::string(64, 'd'), 90, false}};
    ollama_.script_pull("cached", script);

    const std::vector<json> lines =
        ndjson_lines(send_json("POST", url("/api/pull"), {{"model", "cached"}}).body);

    ASSERT_GE(lines.size(), 3u);
    EXPECT_EQ(lines[1], json::parse(R"({"status":"pulling cccccccccccc","digest":"sha256:)" +
                                    std::string(64, 'c') + R"(","total":500,"completed":500})"));
    EXPECT_EQ(lines[2]["digest"], "sha256:" + std::string(64, 'd'));
    EXPECT_FALSE(lines[2].contains("completed"));
}

TEST_F(FakeOllamaTest, UnscriptedPullIsManifestNotFoundInsideA200Stream) {
    const HttpReply streamed = send_json("POST", url("/api/pull"), {{"model", "nosuch:7b"}});
    const HttpReply buffered =
        send_json("POST", url("/api/pull"), {{"model", "nosuch:7b"}, {"stream", false}});

    ASSERT_EQ(streamed.code, CURLE_OK) << streamed.error;
    EXPECT_EQ(streamed.status, 200);
    EXPECT_EQ(streamed.body,
              "{\"status\":\"pulling manifest\"}\n"
              "{\"error\":\"pull model manifest: file does not exist\"}\n");
    EXPECT_EQ(buffered.status, 500);
    EXPECT_EQ(buffered.body, R"({"error":"pull model manifest: file does not exist"})");
    EXPECT_FALSE(ollama_.has_model("nosuch:7b"));
    EXPECT_EQ(ollama_.pull_count("nosuch:7b"), 2u);
}

TEST_F(FakeOllamaTest, ErrorLineMidStreamKeepsStatus200AndAddsNothing) {
    PullScript script = quick_script();
    script.error_after_layer = PullErrorLine{1, "max retries exceeded: unexpected EOF"};
    ollama_.script_pull("llama3", script);

    const HttpReply reply = send_json("POST", url("/api/pull"), {{"model", "llama3"}});

    ASSERT_EQ(reply.code, CURLE_OK) << reply.error;
    EXPECT_EQ(reply.status, 200);
    const std::vector<json> lines = ndjson_lines(reply.body);
    // Manifest, the first layer's lines, then the error as the last line; no success.
    ASSERT_EQ(lines.size(), 1u + 1u + 3u + 1u);
    EXPECT_EQ(lines[1]["digest"], "sha256:" + script.layers[0].digest);
    EXPECT_EQ(lines.back(), json({{"error", "max retries exceeded: unexpected EOF"}}));
    EXPECT_FALSE(ollama_.has_model("llama3"));
}

TEST_F(FakeOllamaTest, StatusBeforeStreamIsAPlainJsonError) {
    PullScript script = quick_script();
    script.status_before_stream = PullHttpError{404, "model 'llama9' not found"};
    ollama_.script_pull("llama9", script);

    const HttpReply reply = send_json("POST", url("/api/pull"), {{"model", "llama9"}});

    EXPECT_EQ(reply.status, 404);
    EXPECT_TRUE(has_header(reply, "Content-Type: application/json; charset=utf-8"));
    EXPECT_FALSE(has_header(reply, "Transfer-Encoding: chunked"));
    EXPECT_EQ(reply.body, R"({"error":"model 'llama9' not found"})");
}

TEST_F(FakeOllamaTest, StallAfterLayerKeepsTheConnectionOpenAndSilent) {
    PullScript script = quick_script();
    script.stall_after_layer = 1;
    ollama_.script_pull("llama3", script);

    // The client's own stall detection is what ends this request: it gives up after 300 ms
    // without a body byte. (curl's LOW_SPEED_* averages over seconds and would take ~7 s.)
    const HttpReply reply = http_call({.method = "POST",
                                       .url = url("/api/pull"),
                                       .body = R"({"model":"llama3"})",
                                       .abort_when_silent_for = 300ms});

    EXPECT_EQ(reply.code, CURLE_ABORTED_BY_CALLBACK) << reply.error;
    EXPECT_EQ(reply.status, 200);
    const std::vector<json> lines = ndjson_lines(reply.body);
    ASSERT_EQ(lines.size(), 1u + 1u + 3u);
    EXPECT_EQ(lines.back()["completed"], script.layers[0].total);
    EXPECT_FALSE(ollama_.has_model("llama3"));
}

TEST_F(FakeOllamaTest, ResetAfterLayerAbortsTheConnectionAfterWholeLines) {
    PullScript script = quick_script();
    script.reset_after_layer = 2;
    ollama_.script_pull("llama3", script);

    const HttpReply reply = send_json("POST", url("/api/pull"), {{"model", "llama3"}});

    EXPECT_EQ(reply.code, CURLE_RECV_ERROR) << reply.error;
    const std::vector<json> lines = ndjson_lines(reply.body);
    ASSERT_EQ(lines.size(), 1u + 2u * 4u);
    EXPECT_EQ(lines.back()["digest"], "sha256:" + script.layers[1].digest);
    EXPECT_FALSE(ollama_.has_model("llama3"));
}

TEST_F(FakeOllamaTest, StreamCanEndAfterWritingManifestWithoutSuccess) {
    PullScript script = quick_script();
    script.end_without_success = true;
    ollama_.script_pull("llama3", script);

    const HttpReply reply = send_json("POST", url("/api/pull"), {{"model", "llama3"}});

    ASSERT_EQ(reply.code, CURLE_OK) << reply.error;
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(statuses(ndjson_lines(reply.body)).back(), "writing manifest");
    EXPECT_FALSE(ollama_.has_model("llama3"));
}

TEST_F(FakeOllamaTest, NonStreamingPullAnswersOnceWithSuccessOr500) {
    ollama_.script_pull("llama3", quick_script());
    PullScript failing = quick_script();
    failing.error_after_layer = PullErrorLine{2, "digest mismatch, file must be downloaded again"};
    ollama_.script_pull("broken", failing);

    const HttpReply ok =
        send_json("POST", url("/api/pull"), {{"model", "llama3"}, {"stream", false}});
    const HttpReply bad =
        send_json("POST", url("/api/pull"), {{"model", "broken"}, {"stream", false}});

    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body, R"({"status":"success"})");
    EXPECT_TRUE(ollama_.has_model("llama3"));
    EXPECT_EQ(bad.status, 500);
    EXPECT_EQ(bad.body, R"({"error":"digest mismatch, file must be downloaded again"})");
    EXPECT_FALSE(ollama_.has_model("broken"));
}

TEST_F(FakeOllamaTest, StoppedServerRefusesConnections) {
    ollama_.server().stop();

    const HttpReply reply = http_get(url("/api/tags"));

    EXPECT_EQ(reply.code, CURLE_COULDNT_CONNECT) << reply.error;
}

TEST_F(FakeOllamaTest, OpenAiModelListIsNullWhenEmpty) {
    EXPECT_EQ(http_get(url("/v1/models")).body, R"({"object":"list","data":null})");
    ollama_.add_model(FakeOllamaModel::llama3());
    const json listed = json::parse(http_get(url("/v1/models")).body);
    EXPECT_EQ(listed["data"][0]["id"], "llama3:latest");
    EXPECT_EQ(listed["data"][0]["owned_by"], "library");
}

// ---- FakeOllamaLibrary ------------------------------------------------------------------------

class FakeOllamaLibraryTest : public ::testing::Test {
protected:
    std::string url(const std::string& target) const { return library_.base_url() + target; }

    static std::vector<std::string> slugs(const std::string& html) {
        return attribute_after(html, "x-test-model-title", "title");
    }

    FakeOllamaLibrary library_;
};

TEST_F(FakeOllamaLibraryTest, LibraryIsAFullDocumentWithMarkerAttributes) {
    const HttpReply reply = http_get(url("/library"));

    ASSERT_EQ(reply.code, CURLE_OK) << reply.error;
    EXPECT_EQ(reply.status, 200);
    EXPECT_TRUE(has_header(reply, "Content-Type: text/html; charset=utf-8"));
    const std::string& html = reply.body;
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    for (const char* piece :
         {"<head>", "<meta charset=\"utf-8\" />", "<link href=", "<script", "hx-get=\"/search\"",
          "<svg", "<div x-test-repos id=\"repo\">", "</html>"}) {
        EXPECT_NE(html.find(piece), std::string::npos) << piece;
    }
    // Official models only, in the default order.
    std::vector<std::string> expected;
    for (const LibraryCard& card : FakeOllamaLibrary::default_cards()) {
        if (card.slug.find('/') == std::string::npos) expected.push_back(card.slug);
    }
    EXPECT_EQ(slugs(html), expected);
    EXPECT_EQ(occurrences(html, "<li x-test-model "), expected.size());
    EXPECT_NE(html.find("<a href=\"/library/llama3.1\" class=\"group w-full space-y-5\">"),
              std::string::npos);
    EXPECT_NE(html.find("<span x-test-pull-count>103.3M</span>"), std::string::npos);
    EXPECT_NE(html.find("<span x-test-tag-count>93</span>"), std::string::npos);
    EXPECT_NE(html.find("title=\"Dec 9, 2024 2:32 PM UTC\""), std::string::npos);
    EXPECT_NE(html.find("<span x-test-updated>9 months ago</span>"), std::string::npos);
    EXPECT_NE(html.find(">tools</span>"), std::string::npos);
    EXPECT_NE(html.find(">405b</span>"), std::string::npos);
    // Escaped as html/template does; a scraper must decode entities.
    EXPECT_NE(html.find("Meta&#39;s Llama 3.2"), std::string::npos);
    EXPECT_NE(html.find("3B (Mini) &amp; 14B"), std::string::npos);
}

TEST_F(FakeOllamaLibraryTest, PopularOrderFollowsPullCountsOrTheScriptedOrder) {
    library_.set_cards({
        {"alpha", "first", {}, {"7b"}, "1.2K", 2, "1 day ago", ""},
        {"beta", "second", {"tools"}, {"8b"}, "3B", 10, "2 days ago", ""},
        {"gamma", "third", {"vision"}, {}, "55.7M", 4, "3 days ago", ""},
        {"delta", "fourth", {}, {"1b"}, "812.4K", 1, "4 days ago", ""},
    });

    const HttpReply by_default = http_get(url("/library"));
    const HttpReply by_count = http_get(url("/library?sort=popular"));
    library_.set_popular_order({"delta", "alpha"});
    const HttpReply scripted = http_get(url("/library?sort=popular"));

    EXPECT_EQ(slugs(by_default.body),
              (std::vector<std::string>{"alpha", "beta", "gamma", "delta"}));
    EXPECT_EQ(slugs(by_count.body), (std::vector<std::string>{"beta", "gamma", "delta", "alpha"}));
    EXPECT_EQ(slugs(scripted.body), (std::vector<std::string>{"delta", "alpha", "beta", "gamma"}));
    EXPECT_NE(by_count.body.find("<span x-test-pull-count>3B</span>"), std::string::npos);
}

TEST_F(FakeOllamaLibraryTest, SearchFiltersCaseInsensitivelyAndIncludesCommunityModels) {
    const HttpReply deepseek = http_get(url("/search?q=DeepSeek"));
    const HttpReply by_description = http_get(url("/search?q=smart+HOMES"));
    const HttpReply by_capability = http_get(url("/search?c=vision"));
    const HttpReply nothing = http_get(url("/search?q=zzz%20none"));

    ASSERT_EQ(deepseek.status, 200);
    EXPECT_EQ(slugs(deepseek.body),
              (std::vector<std::string>{"deepseek-r1", "huihui_ai/deepseek-r1-abliterated"}));
    EXPECT_EQ(
        attribute_after(deepseek.body, "<li x-test-model ", "href"),
        (std::vector<std::string>{"/library/deepseek-r1", "/huihui_ai/deepseek-r1-abliterated"}));
    EXPECT_EQ(slugs(by_description.body), std::vector<std::string>{"fixt/home-3b-v3"});
    EXPECT_EQ(slugs(by_capability.body), (std::vector<std::string>{"gemma3", "llava"}));
    EXPECT_EQ(nothing.status, 200);
    EXPECT_TRUE(slugs(nothing.body).empty());
}

TEST_F(FakeOllamaLibraryTest, HtmxRequestGetsOnlyTheResultFragment) {
    const HttpReply reply = http_get(url("/library?sort=popular"), {"HX-Request: true"});

    ASSERT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body.find("<html"), std::string::npos);
    EXPECT_EQ(reply.body.find("<!DOCTYPE"), std::string::npos);
    EXPECT_NE(reply.body.find("x-test-repos"), std::string::npos);
    EXPECT_EQ(slugs(reply.body).front(), "llama3.1");  // 103.3M pulls
}

TEST_F(FakeOllamaLibraryTest, FailureModeAnswersAnHtmlErrorUntilRecovered) {
    library_.fail_with(503);
    const HttpReply library = http_get(url("/library?sort=popular"));
    const HttpReply search = http_get(url("/search?q=llama"));
    library_.recover();
    const HttpReply recovered = http_get(url("/library"));

    EXPECT_EQ(library.status, 503);
    EXPECT_TRUE(has_header(library, "Content-Type: text/html; charset=utf-8"));
    EXPECT_TRUE(has_header(library, "Retry-After: 30"));
    EXPECT_NE(library.body.find("503 Service Unavailable"), std::string::npos);
    EXPECT_EQ(library.body.find("x-test-model"), std::string::npos);
    EXPECT_EQ(search.status, 503);
    EXPECT_EQ(recovered.status, 200);
    EXPECT_FALSE(slugs(recovered.body).empty());

    const std::vector<FakeRequest> requests = library_.server().requests();
    ASSERT_EQ(requests.size(), 3u);
    EXPECT_EQ(requests[0].target, "/library?sort=popular");
    EXPECT_EQ(requests[1].path, "/search");
}

}  // namespace
}  // namespace venom::testing
