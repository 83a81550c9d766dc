#pragma once
// A small blocking libcurl client for tests that talk to fake upstreams directly: one call in,
// status, headers and body out. Fake self-tests use it instead of each growing its own copy.
// Header-only because tests/CMakeLists.txt globs only .cpp files under integration/ and fakes/.
//
// Thread-safety: http_call() may run on several threads at once; each call owns its handle. An
// HttpSession is for one thread at a time.

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <functional>
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
    // Every header line exactly as received, CRLFs and status lines included, of every response
    // (redirects and interim ones too): for tests that pin a fake's wire format.
    std::string raw_headers;
    std::string body;
    std::string error;          // curl's error buffer, for assertion messages
    std::string effective_url;  // the last URL asked for, after any redirects followed
    long port = 0;              // remote port of the last connection used

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
    // The {} defaults keep -Wmissing-field-initializers quiet when a designated initializer
    // leaves a member out.
    std::string url{};
    std::vector<std::string> headers{};  // "Name: value" lines, sent as given
    std::optional<std::string> body{};
    // Give up once no body byte has arrived for this long (zero: never), the way a client's stall
    // detection would. curl's LOW_SPEED_* options average over whole seconds, too slow for tests.
    // curl checks at least once a second while idle, so detection may take up to ~1 s more.
    std::chrono::milliseconds abort_when_silent_for{0};
    bool follow_redirects = false;
    // Called on the calling thread after each piece of body that arrives, with the body so far:
    // lets a test time a stream or act while the transfer is still running.
    std::function<void(const std::string& body_so_far)> on_body{};
    // Runs last, just before the transfer, for a curl option only one test needs (say
    // CURLOPT_LOW_SPEED_*). It must leave the write and header callbacks alone.
    std::function<void(CURL*)> curl_setup{};
};

namespace http_call_detail {

struct Sink {
    HttpReply* reply = nullptr;
    const HttpCall* call = nullptr;
    std::chrono::milliseconds silence_limit{0};
    curl_off_t last_bytes = -1;
    std::chrono::steady_clock::time_point last_change = std::chrono::steady_clock::now();
};

inline std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* sink = static_cast<Sink*>(user);
    sink->reply->body.append(data, size * count);
    if (sink->call->on_body) sink->call->on_body(sink->reply->body);
    return size * count;
}

inline std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    HttpReply& reply = *static_cast<Sink*>(user)->reply;
    auto& headers = reply.headers;
    std::string_view line(data, size * count);
    reply.raw_headers.append(line);
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

// Performs one request on `curl`, then resets the handle (which keeps its connection cache).
inline HttpReply perform(CURL* curl, const HttpCall& call) {
    curl_slist* header_list = nullptr;
    for (const std::string& line : call.headers) {
        header_list = curl_slist_append(header_list, line.c_str());
    }
    HttpReply reply;
    Sink sink{&reply, &call, call.abort_when_silent_for};
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
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, call.follow_redirects ? 1L : 0L);
    // Loopback only: a developer's proxy variables must not reroute it.
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    // Backstop so a broken fake fails the test instead of hanging the suite.
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    if (call.abort_when_silent_for.count() > 0) {
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &on_progress);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &sink);
    }
    if (call.curl_setup) call.curl_setup(curl);
    reply.code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    char* effective_url = nullptr;
    curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective_url);
    if (effective_url != nullptr) reply.effective_url = effective_url;
    curl_easy_getinfo(curl, CURLINFO_PRIMARY_PORT, &reply.port);
    // Drops the handle's pointers into this frame (error buffer, sink, header list).
    curl_easy_reset(curl);
    curl_slist_free_all(header_list);
    reply.error = error;
    return reply;
}

}  // namespace http_call_detail

// One curl handle for several calls, so that successive requests may reuse a keep-alive
// connection. Throws std::runtime_error only when curl cannot be initialised or make a handle.
class HttpSession {
public:
    HttpSession() {
        // Reference-counted, so this coexists with src/net/http_client.cpp's own init. Checked
        // on every construction, so a failed init fails each test that makes a call.
        static const CURLcode global_init = curl_global_init(CURL_GLOBAL_DEFAULT);
        if (global_init != CURLE_OK) throw std::runtime_error("curl_global_init failed");
        handle_ = curl_easy_init();
        if (handle_ == nullptr) throw std::runtime_error("curl_easy_init failed");
    }
    ~HttpSession() { curl_easy_cleanup(handle_); }
    HttpSession(const HttpSession&) = delete;
    HttpSession& operator=(const HttpSession&) = delete;

    // Transport failures (refused, reset, aborted, timed out) come back in HttpReply::code with
    // whatever arrived before them.
    HttpReply call(const HttpCall& request) { return http_call_detail::perform(handle_, request); }

private:
    CURL* handle_ = nullptr;
};

// One request on a fresh handle, so on a new connection; see HttpSession::call().
inline HttpReply http_call(const HttpCall& call) {
    return HttpSession().call(call);
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
