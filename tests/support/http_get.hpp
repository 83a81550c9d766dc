#pragma once
// A small blocking libcurl client for tests that talk to fake upstreams directly: one call in,
// status, headers and body out. Fake self-tests use it instead of each growing its own copy.
// Header-only because tests/CMakeLists.txt globs only .cpp files under integration/ and fakes/.
//
// Thread-safety: http_call() may run on several threads at once; each call owns its handle.

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace venom::testing {

namespace http_call_detail {

inline bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

}  // namespace http_call_detail

struct HttpReply {
    CURLcode code = CURLE_OK;  // transport outcome; CURLE_OK even for a 4xx/5xx status
    long status = 0;           // 0 when no status line arrived
    // Headers of the final response only (an interim "100 Continue" is dropped), arrival order.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string error;  // curl's error buffer, for assertion messages

    // Case-insensitive; the first occurrence wins. std::nullopt when absent.
    std::optional<std::string> header(std::string_view name) const {
        for (const auto& [key, value] : headers) {
            if (http_call_detail::iequals(key, name)) return value;
        }
        return std::nullopt;
    }
};

struct HttpCall {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;  // "Name: value" lines, sent as given
    std::optional<std::string> body;
    // Give up once no body byte has arrived for this long (zero: never), the way a client's stall
    // detection would. curl's LOW_SPEED_* options average over whole seconds, too slow for tests.
    // curl checks at least once a second while idle, so detection may take up to ~1 s more.
    std::chrono::milliseconds abort_when_silent_for{0};
};

namespace http_call_detail {

struct Sink {
    HttpReply* reply = nullptr;
    std::chrono::milliseconds silence_limit{0};
    curl_off_t last_bytes = -1;
    std::chrono::steady_clock::time_point last_change = std::chrono::steady_clock::now();
};

inline std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<Sink*>(user)->reply->body.append(data, size * count);
    return size * count;
}

inline std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto& headers = static_cast<Sink*>(user)->reply->headers;
    std::string_view line(data, size * count);
    // Each status line starts a new response: keep only the last one's headers.
    if (line.starts_with("HTTP/")) {
        headers.clear();
        return size * count;
    }
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    return size * count;
}

inline int on_progress(void* user, curl_off_t, curl_off_t received, curl_off_t, curl_off_t) {
    auto* sink = static_cast<Sink*>(user);
    const auto now = std::chrono::steady_clock::now();
    if (received != sink->last_bytes) {
        sink->last_bytes = received;
        sink->last_change = now;
        return 0;
    }
    return now - sink->last_change > sink->silence_limit ? 1 : 0;
}

}  // namespace http_call_detail

// Performs one request; throws std::runtime_error only when curl cannot make a handle. Transport
// failures (refused, reset, aborted) come back in HttpReply::code with whatever body arrived.
inline HttpReply http_call(const HttpCall& call) {
    // curl_global_init is reference-counted, so this coexists with test files that init it too.
    [[maybe_unused]] static const CURLcode global_init = curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL* curl = curl_easy_init();
    if (curl == nullptr) throw std::runtime_error("curl_easy_init failed");
    curl_slist* header_list = nullptr;
    for (const std::string& line : call.headers) {
        header_list = curl_slist_append(header_list, line.c_str());
    }
    HttpReply reply;
    http_call_detail::Sink sink{&reply, call.abort_when_silent_for};
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl, CURLOPT_URL, call.url.c_str());
    if (call.method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (call.method != "GET") {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    }
    if (call.body || call.method == "POST") {
        const std::string& body = call.body ? *call.body : std::string();
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
        curl_easy_setopt(curl, CURLOPT_COPYPOSTFIELDS, body.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
    // Loopback only: a developer's proxy variables must not reroute it.
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    // Backstop so a broken fake fails the test instead of hanging the suite.
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &http_call_detail::on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &http_call_detail::on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    if (call.abort_when_silent_for.count() > 0) {
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &http_call_detail::on_progress);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &sink);
    }
    reply.code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(header_list);
    reply.error = error;
    return reply;
}

inline HttpReply http_get(std::string url, std::vector<std::string> headers = {}) {
    return http_call(HttpCall{"GET", std::move(url), std::move(headers), std::nullopt, {}});
}

// POSTs `body` as application/json (the header is added unless `headers` sets a Content-Type).
inline HttpReply http_post_json(std::string url, std::string body,
                                std::vector<std::string> headers = {}) {
    const bool has_type = std::any_of(headers.begin(), headers.end(), [](const std::string& h) {
        return http_call_detail::iequals(std::string_view(h).substr(0, 13), "content-type:");
    });
    if (!has_type) headers.emplace_back("Content-Type: application/json");
    return http_call(HttpCall{"POST", std::move(url), std::move(headers), std::move(body), {}});
}

}  // namespace venom::testing
