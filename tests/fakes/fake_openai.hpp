#pragma once

// A fake OpenAI API (upstream-protocols.md §5.1) on 127.0.0.1, for tests of the OpenAI provider:
// the model list, chat completions (whole and SSE-streamed), bearer-key auth and the real error
// envelopes, plus switches for the failures clients must survive (rate limits, exhausted quota,
// 5xx, a stalled or reset connection, an error event mid-stream).
//
// Wire details copied from the real service because clients trip over them: the model list holds
// non-chat models (embeddings) that /chat/completions refuses; responses name a dated snapshot
// ("gpt-4o-mini-2024-07-18"), not the id asked for; 429 means either "slow down" (retry) or
// "out of money" (insufficient_quota, do not retry); a wrong key is echoed back masked; streams
// open with a role-only chunk, close with an empty-delta finish chunk, an optional usage chunk
// whose choices are empty, and `data: [DONE]`.
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
#include <utility>
#include <vector>

#include "fakes/fake_http_server.hpp"

namespace venom::testing {

// One entry of GET /v1/models.
struct FakeOpenAiModel {
    std::string id;            // "gpt-4o-mini"
    std::int64_t created = 0;  // unix seconds
    std::string owned_by = "system";
    // What chat responses report as "model"; empty: the id itself (as vLLM does).
    std::string snapshot;
    // False for embedding/image models: /v1/chat/completions answers 404 "not a chat model".
    bool chat = true;
};

// A whole-response failure, answered instead of the next response (see fail_next()).
enum class OpenAiFault {
    rate_limited,        // 429 rate_limit_exceeded (type "tokens"), retry-after headers
    insufficient_quota,  // 429 insufficient_quota: billing, a client must not retry it
    server_error,        // 500 server_error
    overloaded,          // 503 "The engine is currently overloaded"
};

// How the next successful response is cut short (see cut_next()).
enum class OpenAiCut {
    stall,        // stop sending, keep the connection open and silent
    reset,        // abort the connection with a TCP RST
    error_event,  // streams only: `data: {"error":{…server_error…}}`, then end without [DONE]
};

class FakeOpenAi {
public:
    static constexpr std::string_view kDefaultApiKey = "sk-proj-fakeKey0123456789abcdefWXYZ";

    // Starts serving on 127.0.0.1 at an ephemeral port, with default_models() and requiring
    // `Authorization: Bearer kDefaultApiKey`.
    FakeOpenAi();
    // Stops the server (closing stalled streams) before the state it reads goes away.
    ~FakeOpenAi();

    FakeOpenAi(const FakeOpenAi&) = delete;
    FakeOpenAi& operator=(const FakeOpenAi&) = delete;

    // "http://127.0.0.1:PORT", no trailing slash and no "/v1".
    std::string base_url() const;
    // base_url() + "/v1": what OPENAI_BASE_URL should be set to.
    std::string api_url() const;
    // The request log (requests(), wait_for_requests()) and stop(), which makes the service "go
    // down": later connections are refused.
    FakeHttpServer& server();

    // gpt-4o, gpt-4o-mini, gpt-4.1-mini, gpt-3.5-turbo (owned_by "openai"),
    // text-embedding-3-small (not a chat model), in that order.
    static std::vector<FakeOpenAiModel> default_models();
    // Replaces the list /v1/models serves and chat accepts. An empty list serves `"data":[]`.
    void set_models(std::vector<FakeOpenAiModel> models);

    // The key every /v1 request must carry as `Authorization: Bearer <key>`. nullopt: no auth at
    // all, any or no header is accepted (a vLLM started without --api-key).
    void set_api_key(std::optional<std::string> key);

    // The assistant's text for every later completion. nullopt (the default): "Echo: " followed
    // by the text of the last user message, or a fixed greeting when there is none. Streams send
    // it one word (with its trailing spaces) per content chunk. Usage counts one token per
    // whitespace-separated word: prompt over every message's text, completion over the reply;
    // max_completion_tokens (or legacy max_tokens) cuts the reply to that many words and makes
    // finish_reason "length".
    void set_reply(std::optional<std::string> text);
    // Pause before each SSE event after the first, so a test can cancel mid-stream. Default 0.
    void set_stream_delay(std::chrono::milliseconds delay);
    // Waited before each whole-body (stream:false) chat answer: a model's generation time, for
    // benchmarks of how calls overlap. Default 0.
    void set_reply_delay(std::chrono::milliseconds delay);
    // The pause suggested by rate_limited faults: in the message ("try again in 698ms"),
    // `retry-after-ms`, and `retry-after` in whole seconds rounded up. Default 698 ms.
    void set_retry_after(std::chrono::milliseconds delay);

    // The next `count` authenticated /v1 requests (any route) get `fault` instead of an answer.
    // Calls queue up: fail_next(rate_limited, 2) then fail_next(server_error) gives 429, 429, 500.
    // Requests failing auth get their 401 and do not consume a fault.
    void fail_next(OpenAiFault fault, std::size_t count = 1);
    // The next 200 response of any route is cut. Streams: headers and the first `after_events`
    // whole SSE events go out first (the role chunk is event 1). Whole-body responses:
    // `after_events` 0 cuts right after the headers, anything else in the middle of the JSON.
    // error_event on a whole-body response behaves like reset.
    void cut_next(OpenAiCut cut, std::size_t after_events = 0);

    // Requests received for `path` (query excluded), e.g. "/v1/chat/completions".
    std::size_t request_count(std::string_view path) const;
    // The Authorization header of the most recent request to any path, nullopt when that request
    // had none: lets a test assert the key went where it should and nowhere else.
    std::optional<std::string> last_authorization() const;
    // Bodies of POST /v1/chat/completions as received, in arrival order (a body that is not JSON
    // is recorded as a JSON string holding the raw text), including refused ones.
    std::vector<nlohmann::json> chat_requests() const;
    // The usage the whole-body chat answers reported, summed: {prompt_tokens,
    // completion_tokens}, so a test can check a client counted exactly what it was told.
    std::pair<std::size_t, std::size_t> usage_reported() const;

private:
    struct PendingCut {
        OpenAiCut cut;
        std::size_t after_events;
    };

    // The 401/fault answer due for this request, if any; consumes a queued fault.
    std::optional<FakeResponse> gate(const FakeRequest& request, std::string_view model);
    FakeResponse handle_models(const FakeRequest& request);
    FakeResponse handle_model(const FakeRequest& request);
    FakeResponse handle_chat(const FakeRequest& request);
    // Stamps the headers every answer carries; applies a pending cut to a 200.
    FakeResponse finish(FakeResponse response, bool streamed);

    mutable std::mutex mutex_;
    std::vector<FakeOpenAiModel> models_;
    std::optional<std::string> api_key_;
    std::optional<std::string> reply_;
    std::chrono::milliseconds stream_delay_{0};
    std::chrono::milliseconds reply_delay_{0};
    std::chrono::milliseconds retry_after_{698};
    std::deque<OpenAiFault> faults_;
    std::optional<PendingCut> cut_;
    std::vector<nlohmann::json> chat_requests_;
    std::pair<std::size_t, std::size_t> usage_reported_{0, 0};
    std::uint64_t next_id_ = 1;

    // Last member: destroyed first, so no handler runs against destroyed state.
    FakeHttpServer server_;
};

}  // namespace venom::testing
