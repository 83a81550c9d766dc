#include "venom/http_client.hpp"

#include <curl/curl.h>

#include <cstdio>
#include <mutex>
#include <regex>

#include "venom/blocking_pool.hpp"

namespace venom::net {
namespace {

using steady = std::chrono::steady_clock;

struct Transfer {
    const HttpCall& call;
    CURL* curl = nullptr;
    HttpReply reply;
    bool body_started = false;
    steady::time_point last_byte = steady::now();
    bool stalled = false;
    bool aborted = false;
    bool too_large = false;
    bool shutting_down = false;
};

// "16 MiB", "1.5 KiB": the cap as a person reads it.
std::string human_bytes(std::uint64_t bytes) {
    const char* units[] = {"bytes", "KiB", "MiB", "GiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 3) {
        value /= 1024;
        ++unit;
    }
    char text[32];
    std::snprintf(
        text, sizeof text,
        value == static_cast<double>(static_cast<std::uint64_t>(value)) ? "%.0f %s" : "%.1f %s",
        value, units[unit]);
    return text;
}

// A stopping pool gives up its transfers, so a shutdown does not wait out an upstream.
bool shutdown_requested(Transfer& t) {
    if (!BlockingPool::current_task_cancelled()) return false;
    t.shutting_down = true;
    return true;
}

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto& t = *static_cast<Transfer*>(user);
    const std::size_t n = size * count;
    t.last_byte = steady::now();
    if (shutdown_requested(t)) return 0;
    if (t.call.cancelled && t.call.cancelled()) {
        t.aborted = true;
        return 0;
    }
    if (!t.body_started) {
        t.body_started = true;
        if (t.call.on_response) {
            long status = 0;
            curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &status);
            if (!t.call.on_response(status, t.reply.headers)) {
                t.aborted = true;
                return 0;
            }
        }
    }
    if (t.call.on_data) {
        if (!t.call.on_data(std::string_view(data, n))) {
            t.aborted = true;
            return 0;  // makes curl fail with CURLE_WRITE_ERROR
        }
    } else {
        if (t.call.max_body_bytes > 0 && t.reply.body.size() + n > t.call.max_body_bytes) {
            t.too_large = true;
            return 0;
        }
        t.reply.body.append(data, n);
    }
    return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto& t = *static_cast<Transfer*>(user);
    std::string_view line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a redirect or a 100)
        t.reply.headers.clear();
        t.body_started = false;
    }
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
        std::string name(line.substr(0, colon));
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
            value.remove_prefix(1);
        }
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) {
            value.remove_suffix(1);
        }
        // Repeated headers are kept (the Hub may send one RateLimit per policy, servers two
        // Links): joined as RFC 9110 §5.3 allows for list-valued fields.
        auto [it, inserted] = t.reply.headers.try_emplace(name, value);
        if (!inserted) it->second.append(", ").append(value);
    }
    return size * count;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto& t = *static_cast<Transfer*>(user);
    if (shutdown_requested(t)) return 1;
    if (t.call.cancelled && t.call.cancelled()) {
        t.aborted = true;
        return 1;
    }
    if (t.call.stall_timeout.count() > 0 && steady::now() - t.last_byte > t.call.stall_timeout) {
        t.stalled = true;
        return 1;
    }
    return 0;
}

// Where the URL points, without any query (which may carry a token) for error messages.
std::string where(const std::string& url) {
    return url.substr(0, url.find('?'));
}

}  // namespace

Result<HttpReply> perform(const HttpCall& call) {
    global_init();
    CURL* curl = curl_easy_init();
    if (!curl) return make_error(502, "upstream_unreachable", "could not create an HTTP client");
    Transfer t{call, curl, {}};
    curl_slist* headers = nullptr;
    for (const auto& h : call.headers) headers = curl_slist_append(headers, h.c_str());

    curl_easy_setopt(curl, CURLOPT_URL, call.url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    if (call.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    if (!call.body.empty()) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(call.body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM in threads
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(call.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(call.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, call.follow_redirects ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // whatever curl can decode
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "venomd");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    if (call.buffer_size > 0) curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, call.buffer_size);

    const CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &t.reply.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);

    if (rc == CURLE_OK) return std::move(t.reply);
    const std::string target = where(call.url);
    if (t.too_large) {
        return make_error(
            502, "upstream_too_large",
            "upstream answer larger than " + human_bytes(call.max_body_bytes) + " from " + target);
    }
    if (t.shutting_down) {
        return make_error(503, "shutting_down",
                          "request to " + target + " given up: venomd is shutting down");
    }
    if (t.aborted) return make_error(499, "cancelled", "request to " + target + " was cancelled");
    if (t.stalled) {
        return make_error(
            504, "upstream_timeout",
            target + " stalled: no data for " + std::to_string(call.stall_timeout.count()) + " ms");
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        return make_error(504, "upstream_timeout",
                          target + " did not answer in time (" + curl_easy_strerror(rc) + ")");
    }
    return make_error(502, "upstream_unreachable",
                      "cannot reach " + target + ": " + curl_easy_strerror(rc));
}

std::string url_encode(std::string_view text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

std::string url_origin(const std::string& url) {
    static const std::regex origin(R"(^([a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]+))");
    std::smatch m;
    if (!std::regex_search(url, m, origin)) return "";
    std::string o = m[1].str();
    for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
}

std::string resolve_location(const std::string& location, const std::string& current) {
    auto has_scheme = [](const std::string& url) {
        const auto colon = url.find("://");
        return colon != std::string::npos && colon > 0 && url.find_first_of("/?#") > colon;
    };
    if (has_scheme(location)) return location;
    if (location.rfind("//", 0) == 0) return current.substr(0, current.find("://") + 1) + location;
    const std::string origin = url_origin(current);
    if (location.rfind("/", 0) == 0) return origin + location;
    std::string path = current.substr(0, current.find_first_of("?#"));
    const auto after_origin = path.find('/', path.find("://") + 3);
    path = after_origin == std::string::npos ? "/" : path.substr(after_origin);
    return origin + path.substr(0, path.rfind('/') + 1) + location;
}

}  // namespace venom::net
