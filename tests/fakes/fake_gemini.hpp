#pragma once

// A fake Google Gemini API (Generative Language API, upstream-protocols.md §6) on 127.0.0.1, for
// tests of the Gemini provider: the paged model list, one model, generateContent and
// streamGenerateContent (SSE or the incremental JSON array), API-key auth and Google's RPC error
// envelopes, plus switches for what clients must survive (quota 429 with RetryInfo, overload,
// a blocked prompt, a MAX_TOKENS answer without text, a stalled or reset connection).
//
// Wire details copied from the real service because clients trip over them: list entries are
// named "models/…" while URLs take the bare id; the list mixes in embedding and image models
// without generateContent; a wrong key is 400 (not 401) and no key 403; a blocked prompt is a
// 200 without candidates; totalTokenCount includes thoughtsTokenCount; SSE frames end in
// "\r\n\r\n" and the stream has no terminator; whole-body JSON is pretty-printed; an unknown URL
// gets an HTML page, not JSON.
//
// Thread-safety: every member may be called from any thread while requests are being served.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/fake_http_server.hpp"

namespace venom::testing {

// One entry of GET /v1beta/models.
struct FakeGeminiModel {
    std::string name;  // "models/gemini-2.5-flash"
    std::string version;
    std::string display_name;
    std::string description;
    std::int64_t input_token_limit = 0;
    std::int64_t output_token_limit = 0;
    std::vector<std::string> supported_generation_methods;
    // Sampling defaults; generative models have them, embedding models do not (omitted when
    // unset, as the real list omits them).
    std::optional<double> temperature;
    std::optional<double> max_temperature;
    std::optional<double> top_p;
    std::optional<int> top_k;
    // A thinking model: listed with "thinking": true, and its answers spend thoughts tokens.
    bool thinking = false;
};

// Answered instead of the next response (see fail_next()).
enum class GeminiFault {
    rate_limited,              // 429 RESOURCE_EXHAUSTED, QuotaFailure + RetryInfo retryDelay
    unavailable,               // 503 UNAVAILABLE "The model is overloaded."
    internal,                  // 500 INTERNAL
    blocked_prompt,            // 200, promptFeedback.blockReason "SAFETY", no candidates
    max_tokens_without_parts,  // 200, one MAX_TOKENS candidate whose content has only a role
};

// How the next successful response is cut short (see cut_next()).
enum class GeminiCut {
    stall,  // stop sending, keep the connection open and silent
    reset,  // abort the connection with a TCP RST
};

// Where the key of a request came from.
struct FakeGeminiKey {
    std::string value;
    bool from_query = false;  // `?key=` (it then shows up in URLs and logs) vs x-goog-api-key
};

class FakeGemini {
public:
    static constexpr std::string_view kDefaultApiKey = "AIzaSyFakeKey0123456789abcdefghijklmn";

    // Starts serving on 127.0.0.1 at an ephemeral port, with default_models() and requiring
    // kDefaultApiKey.
    FakeGemini();
    // Stops the server (closing stalled streams) before the state it reads goes away.
    ~FakeGemini();

    FakeGemini(const FakeGemini&) = delete;
    FakeGemini& operator=(const FakeGemini&) = delete;

    // "http://127.0.0.1:PORT", no trailing slash: what GEMINI_BASE_URL should be set to (the
    // client appends "/v1beta/…"). Only v1beta is served.
    std::string base_url() const;
    // The request log (requests(), wait_for_requests()) and stop(), which makes the service "go
    // down": later connections are refused.
    FakeHttpServer& server();

    // gemini-2.5-flash, gemini-2.5-pro (both thinking), gemini-2.0-flash, gemini-2.5-flash-lite
    // (thinking), text-embedding-004 and gemini-embedding-001 (embedContent only),
    // imagen-3.0-generate-002 (predict only), in that order.
    static std::vector<FakeGeminiModel> default_models();
    // Replaces the list. Names must carry the "models/" prefix.
    void set_models(std::vector<FakeGeminiModel> models);
    // pageSize used when a list request gives none (or 0); the real default is 50. Values above
    // 1000 are clamped to 1000 like the real service.
    void set_default_page_size(std::size_t size);

    // The key every request must carry (x-goog-api-key header, else ?key=; the header wins when
    // both are present). nullopt: no auth at all.
    void set_api_key(std::optional<std::string> key);

    // The model's text for every later answer. nullopt (the default): "Echo: " followed by the
    // text of the last user turn, or a fixed greeting. Streams send one word (with its trailing
    // spaces) per frame. Token counts are whitespace-separated words: prompt over every turn and
    // the system instruction, candidates over the reply; generationConfig.maxOutputTokens cuts
    // the reply to that many words with finishReason "MAX_TOKENS".
    void set_reply(std::optional<std::string> text);
    // thoughtsTokenCount of answers from thinking models (default 17), unless the request sets
    // thinkingConfig.thinkingBudget 0. Counted into totalTokenCount like the real service.
    void set_thoughts_tokens(std::size_t tokens);
    // Pause before each stream frame after the first. Default 0.
    void set_stream_delay(std::chrono::milliseconds delay);
    // RetryInfo.retryDelay of rate_limited faults, e.g. "19s" (default) or "0.5s" or "52345s".
    void set_retry_delay(std::string delay);

    // Queues `count` faults. HTTP faults (429/503/500) hit the next authenticated request of any
    // route; blocked_prompt and max_tokens_without_parts only the next generate request, and a
    // list or get request passes them by without consuming them. Requests failing auth get their
    // 400/403 and consume nothing.
    void fail_next(GeminiFault fault, std::size_t count = 1);
    // The next 200 response of any route is cut. Streams: headers and the first `after_events`
    // whole frames (SSE) or elements (JSON array) go out first. Whole-body responses:
    // `after_events` 0 cuts right after the headers, anything else in the middle of the JSON.
    void cut_next(GeminiCut cut, std::size_t after_events = 0);

    // Requests received for `path` (query excluded), e.g.
    // "/v1beta/models/gemini-2.5-flash:generateContent".
    std::size_t request_count(std::string_view path) const;
    // The key carried by the most recent request to any path, nullopt when it carried none.
    std::optional<FakeGeminiKey> last_api_key() const;
    // Bodies of generate/streamGenerate requests as received, in arrival order (a body that is
    // not JSON is recorded as a JSON string holding the raw text), including refused ones.
    std::vector<nlohmann::json> generate_requests() const;

private:
    struct PendingCut {
        GeminiCut cut;
        std::size_t after_events;
    };

    // The auth refusal or HTTP fault due for this request, if any; consumes a queued HTTP fault.
    std::optional<FakeResponse> gate(const FakeRequest& request, std::string_view model);
    // Pops a queued blocked_prompt/max_tokens_without_parts if one is at the front.
    std::optional<GeminiFault> take_content_fault();
    std::optional<FakeGeminiModel> find_model(std::string_view id) const;
    FakeResponse handle_list(const FakeRequest& request);
    FakeResponse handle_get(const FakeRequest& request);
    FakeResponse handle_post(const FakeRequest& request);
    FakeResponse handle_generate(const FakeRequest& request, const std::string& model_id,
                                 bool stream);
    // Applies a pending cut to a 200.
    FakeResponse finish(FakeResponse response, bool streamed);

    mutable std::mutex mutex_;
    std::vector<FakeGeminiModel> models_;
    std::size_t default_page_size_ = 50;
    std::optional<std::string> api_key_;
    std::optional<std::string> reply_;
    std::size_t thoughts_tokens_ = 17;
    std::chrono::milliseconds stream_delay_{0};
    std::string retry_delay_ = "19s";
    std::deque<GeminiFault> faults_;
    std::optional<PendingCut> cut_;
    std::vector<nlohmann::json> generate_requests_;
    std::uint64_t next_id_ = 1;

    // Last member: destroyed first, so no handler runs against destroyed state.
    FakeHttpServer server_;
};

}  // namespace venom::testing
