#include "cli/api_client.hpp"

#include <curl/curl.h>

#include <cctype>
#include <mutex>
#include <stdexcept>
#include <string_view>

namespace venom::cli {

namespace {

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

// Loopback hosts never go through a proxy: a developer's http_proxy must not reroute the daemon
// on the same machine. Remote venomds get the proxies libcurl reads from the environment.
bool is_loopback(const std::string& url) {
    std::string_view rest(url);
    const auto scheme = rest.find("://");
    if (scheme != std::string_view::npos) rest.remove_prefix(scheme + 3);
    for (std::string_view host : {"127.", "localhost", "[::1]"}) {
        if (rest.starts_with(host)) return true;
    }
    return false;
}

constexpr std::size_t kMaxPendingEventBytes = 1 << 20;

// The pieces of one SSE stream between libcurl's callbacks.
struct StreamState {
    std::string buffer;
    std::string error_body;  // a non-200 answer's body
    long status = 0;
    bool stop = false;  // the callback had enough
    bool interrupted = false;
    CURL* curl = nullptr;
    const std::function<bool(const std::string&, const nlohmann::json&)>* on_event = nullptr;
    const std::function<bool()>* interrupt = nullptr;

    // Handles each complete message ("\n\n"-terminated) in `buffer` (SSE, WHATWG HTML §9.2.6:
    // "event:" names the type, "data:" lines join with "\n", ":" lines are comments).
    void drain() {
        for (;;) {
            std::size_t end = buffer.find("\n\n");
            if (end == std::string::npos) return;
            std::string block = buffer.substr(0, end);
            buffer.erase(0, end + 2);
            std::string type = "message";
            std::string data;
            bool has_data = false;
            std::size_t pos = 0;
            while (pos <= block.size()) {
                std::size_t eol = block.find('\n', pos);
                if (eol == std::string::npos) eol = block.size();
                std::string_view line(block.data() + pos, eol - pos);
                pos = eol + 1;
                if (line.empty() || line.front() == ':') continue;
                const auto colon = line.find(':');
                std::string_view field = line.substr(0, colon);
                std::string_view value =
                    colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
                if (value.starts_with(' ')) value.remove_prefix(1);
                if (field == "event") {
                    type = value;
                } else if (field == "data") {
                    if (has_data) data += '\n';
                    data += value;
                    has_data = true;
                }
            }
            if (!has_data) continue;
            const nlohmann::json parsed = nlohmann::json::parse(data, nullptr, false);
            if (parsed.is_discarded()) continue;
            if (!(*on_event)(type, parsed)) {
                stop = true;
                return;
            }
        }
    }
};

std::size_t on_stream_data(char* data, std::size_t size, std::size_t count, void* user) {
    auto* state = static_cast<StreamState*>(user);
    if (state->status == 0) curl_easy_getinfo(state->curl, CURLINFO_RESPONSE_CODE, &state->status);
    if (state->status != 200) {
        state->error_body.append(data, size * count);
        return size * count;
    }
    for (std::size_t i = 0; i < size * count; ++i) {
        if (data[i] != '\r') state->buffer += data[i];  // CRLF and LF end lines alike
    }
    state->drain();
    // venomd's events are a few KB; a peer that never ends a message is not venomd: give up
    // the stream (the caller polls) rather than grow without bound.
    if (state->buffer.size() > kMaxPendingEventBytes) return 0;
    return state->stop ? 0 : size * count;  // 0 makes libcurl end the transfer
}

int on_stream_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* state = static_cast<StreamState*>(user);
    if ((*state->interrupt)()) {
        state->interrupted = true;
        return 1;
    }
    return 0;
}

}  // namespace

nlohmann::json ApiResponse::json() const {
    return nlohmann::json::parse(body, nullptr, false);
}

ApiClient::ApiClient(std::string base_url, std::optional<std::string> token)
    : base_url_(std::move(base_url)), token_(std::move(token)) {
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
    loopback_ = is_loopback(base_url_);
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    handle_ = curl_easy_init();
    if (handle_ == nullptr) throw std::runtime_error("curl_easy_init failed");
}

ApiClient::~ApiClient() {
    curl_easy_cleanup(static_cast<CURL*>(handle_));
}

ApiResponse ApiClient::get(const std::string& path, std::chrono::seconds timeout) {
    return request("GET", path, nullptr, timeout);
}

ApiResponse ApiClient::post(const std::string& path, const nlohmann::json& body,
                            std::chrono::seconds timeout) {
    const std::string text = body.dump();
    return request("POST", path, &text, timeout);
}

ApiResponse ApiClient::del(const std::string& path, std::chrono::seconds timeout) {
    return request("DELETE", path, nullptr, timeout);
}

ApiResponse ApiClient::request(const std::string& method, const std::string& path,
                               const std::string* body, std::chrono::seconds timeout) {
    CURL* curl = static_cast<CURL*>(handle_);
    ApiResponse response;
    char error[CURL_ERROR_SIZE] = {};
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Accept: application/json");
    if (body != nullptr) headers = curl_slist_append(headers, "Content-Type: application/json");
    std::string authorization;
    if (token_) {
        authorization = "Authorization: Bearer " + *token_;
        headers = curl_slist_append(headers, authorization.c_str());
    }
    const std::string url = base_url_ + path;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (body != nullptr) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(timeout.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (loopback_) curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &append_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    const CURLcode code = curl_easy_perform(curl);
    if (code == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    } else {
        response.transport_error = error[0] != '\0' ? error : curl_easy_strerror(code);
    }
    // Drops the pointers into this frame (headers, error buffer, body); keeps the connection.
    curl_easy_reset(curl);
    curl_slist_free_all(headers);
    return response;
}

StreamEnd ApiClient::stream_events(
    const std::string& path,
    const std::function<bool(const std::string&, const nlohmann::json&)>& on_event,
    const std::function<bool()>& interrupted, ApiResponse& response) {
    CURL* curl = static_cast<CURL*>(handle_);
    StreamState state;
    state.curl = curl;
    state.on_event = &on_event;
    state.interrupt = &interrupted;
    char error[CURL_ERROR_SIZE] = {};
    curl_slist* headers = curl_slist_append(nullptr, "Accept: text/event-stream");
    const std::string url = base_url_ + path;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    // venomd sends a keep-alive comment every 15 s (events_keepalive_ms): a minute of silence
    // means the connection is dead, and the caller falls back to polling.
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (loopback_) curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_stream_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &state);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &on_stream_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &state);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    const CURLcode code = curl_easy_perform(curl);
    if (state.status == 0) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &state.status);
    curl_easy_reset(curl);
    curl_slist_free_all(headers);
    // The stream's connection is not reused: a stop mid-stream leaves it half read.
    curl_easy_cleanup(curl);
    handle_ = curl_easy_init();
    if (handle_ == nullptr) throw std::runtime_error("curl_easy_init failed");

    response.status = state.status;
    response.body = std::move(state.error_body);
    if (state.interrupted) return StreamEnd::interrupted;
    if (state.stop) return StreamEnd::finished;
    if (code != CURLE_OK) {
        response.transport_error = error[0] != '\0' ? error : curl_easy_strerror(code);
        return StreamEnd::broken;
    }
    return state.status == 200 ? StreamEnd::finished : StreamEnd::broken;
}

std::string percent_encode(const std::string& text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    return out;
}

}  // namespace venom::cli
