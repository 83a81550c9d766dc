#pragma once
// venomctl's HTTP client for venomd's public REST API (docs/API.md) and its Server-Sent Events
// stream, on libcurl. It knows venomd's conventions (JSON bodies, the error shape, the bearer
// token) and nothing of the daemon's code, so venomctl works against a remote venomd.
//
// Thread-safety: one ApiClient per thread; calls are blocking.

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace venom::cli {

struct ApiResponse {
    long status = 0;              // 0: venomd was not reached (see transport_error)
    std::string body;             // the answer as sent, for --json
    std::string transport_error;  // curl's words when status is 0

    bool reached() const { return status != 0; }
    bool ok() const { return status >= 200 && status < 300; }
    // The body as JSON; a discarded value when it is not JSON.
    nlohmann::json json() const;
};

// How a Server-Sent Events stream ended.
enum class StreamEnd {
    finished,     // the callback said it saw enough, or venomd closed the stream
    interrupted,  // `interrupted()` turned true (Ctrl-C)
    broken,       // transport failure or a status other than 200 (see ApiResponse)
};

class ApiClient {
public:
    // `base_url`: "http://host:port" (a trailing slash is dropped). `token`: sent as
    // `Authorization: Bearer`, never printed.
    ApiClient(std::string base_url, std::optional<std::string> token);
    ~ApiClient();
    ApiClient(const ApiClient&) = delete;
    ApiClient& operator=(const ApiClient&) = delete;

    // `path` starts with "/api/v1/…" and is already percent-encoded. `timeout` bounds the whole
    // exchange (a runtime switch waits for a runtime to start, so its callers pass minutes).
    ApiResponse get(const std::string& path,
                    std::chrono::seconds timeout = std::chrono::seconds(30));
    ApiResponse post(const std::string& path, const nlohmann::json& body,
                     std::chrono::seconds timeout = std::chrono::seconds(30));
    ApiResponse del(const std::string& path,
                    std::chrono::seconds timeout = std::chrono::seconds(30));

    // Reads the SSE stream at `path`, calling `on_event(type, data)` for each event (`data` is
    // the JSON of the `data:` lines) until it returns false or venomd closes the stream.
    // `interrupted` is asked at least once a second, even while the stream is idle. `response`
    // gets the status and, for a status other than 200, the body.
    StreamEnd stream_events(
        const std::string& path,
        const std::function<bool(const std::string& type, const nlohmann::json& data)>& on_event,
        const std::function<bool()>& interrupted, ApiResponse& response);

    const std::string& base_url() const { return base_url_; }

private:
    ApiResponse request(const std::string& method, const std::string& path, const std::string* body,
                        std::chrono::seconds timeout);
    void* handle_;  // CURL*, kept across calls for keep-alive
    std::string base_url_;
    std::optional<std::string> token_;
    bool loopback_ = false;
};

// Percent-encodes everything but RFC 3986's unreserved characters, for one path segment or
// query value: "google/gemma-2b-it" → "google%2Fgemma-2b-it", "qwen2.5:0.5b" → "qwen2.5%3A0.5b".
std::string percent_encode(const std::string& text);

}  // namespace venom::cli
