#include "integration/daemon_harness.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <string_view>

#include "support/eventually.hpp"

extern char** environ;

namespace venom::testing {
namespace {

// Port 9 (discard) on loopback: connections are refused at once.
constexpr const char* kNowhere = "http://127.0.0.1:9";

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

std::size_t append_header(char* data, std::size_t size, std::size_t count, void* out) {
    std::string line(data, size * count);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        value.erase(value.find_last_not_of("\r\n") + 1);
        (*static_cast<std::map<std::string, std::string>*>(out))[name] = value;
    }
    return size * count;
}

}  // namespace

HttpResult http_request(const std::string& method, const std::string& url, const std::string& body,
                        const std::vector<std::string>& headers) {
    HttpResult result;
    CURL* curl = curl_easy_init();
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    if (!body.empty()) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, append_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.headers);
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
    } else {
        result.error = curl_easy_strerror(rc);
    }
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    return result;
}

TestDaemon::TestDaemon(std::function<void(Config&)> configure, Daemon::Ports ports,
                       std::optional<std::filesystem::path> data_dir) {
    if (data_dir) {
        data_dir_ = *data_dir;
    } else {
        own_dir_ = std::make_unique<TempDir>();
        data_dir_ = own_dir_->path();
    }
    Config config;
    config.port = 0;
    config.data_dir = data_dir_;
    config.models_dir = data_dir_ / "models";
    config.log_level = "warn";
    // Tests never leave loopback: every upstream points at a closed local port unless the test
    // points it at a fake.
    config.ollama_host = kNowhere;
    config.ollama_library_url = kNowhere;
    config.hf_endpoint = kNowhere;
    config.vllm_endpoint = kNowhere;
    config.openai_base_url = kNowhere;
    config.gemini_base_url = kNowhere;
    if (configure) configure(config);
    daemon_ = std::make_unique<Daemon>(config, std::move(ports));
}

TestDaemon::~TestDaemon() {
    stop();
}

void TestDaemon::start() {
    auto started = daemon_->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
}

void TestDaemon::stop() {
    daemon_->stop();
}

std::string TestDaemon::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(daemon_->port()) + path;
}

nlohmann::json TestDaemon::operation(const std::string& id) const {
    return get("/api/v1/models/operations/" + id).json()["operation"];
}

nlohmann::json TestDaemon::wait_finished(const std::string& id,
                                         std::chrono::milliseconds bound) const {
    nlohmann::json op;
    EXPECT_TRUE(eventually(
        [&] {
            op = operation(id);
            return op["completed_at"].is_string();
        },
        bound))
        << op.dump();
    return op;
}

ChildDaemon::ChildDaemon(std::vector<std::string> args, std::map<std::string, std::string> env,
                         unsigned long open_files_limit) {
    for (const char* upstream : {"OLLAMA_HOST", "OLLAMA_LIBRARY_URL", "HF_ENDPOINT",
                                 "VLLM_ENDPOINT", "OPENAI_BASE_URL", "GEMINI_BASE_URL"}) {
        env.emplace(upstream, kNowhere);  // keeps what the test set
    }
    // argv and the environment are built before fork(): the child of a threaded process may
    // only make async-signal-safe calls until it execs (another thread may hold the allocator's
    // lock at the fork; ASan's allocator has no fork handler to release it).
    std::string binary = VENOMD_BINARY;
    std::vector<char*> argv{binary.data()};
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> environment;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        if (!env.contains(std::string(text.substr(0, text.find('='))))) {
            environment.emplace_back(text);
        }
    }
    for (const auto& [k, v] : env) environment.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : environment) envp.push_back(e.data());
    envp.push_back(nullptr);

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) std::abort();
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(fds[1], STDOUT_FILENO);
        ::dup2(fds[1], STDERR_FILENO);
        if (open_files_limit > 0) {
            const rlimit limit{open_files_limit, open_files_limit};
            if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(126);
        }
        ::execve(binary.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(fds[1]);
    out_fd_ = fds[0];
}

ChildDaemon::~ChildDaemon() {
    if (!exited_ && pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
}

void ChildDaemon::drain(std::chrono::milliseconds wait) {
    pollfd pfd{out_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(wait.count())) <= 0) return;
    char buf[4096];
    ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n > 0) output_.append(buf, static_cast<std::size_t>(n));
}

int ChildDaemon::wait_for_port() {
    static const std::regex listening(R"(listening host=\S+ port=(\d+))");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        std::smatch m;
        if (std::regex_search(output_, m, listening)) return std::stoi(m[1]);
        int status = 0;
        if (!exited_ && ::waitpid(pid_, &status, WNOHANG) == pid_) {
            exited_ = true;
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (exited_) {
            drain(std::chrono::milliseconds(0));
            return 0;
        }
        drain(std::chrono::milliseconds(20));
    }
    return 0;
}

int ChildDaemon::wait_exit(std::chrono::milliseconds bound) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (!exited_ && std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            exited_ = true;
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        } else {
            drain(std::chrono::milliseconds(20));
        }
    }
    for (int i = 0; i < 100; ++i) {
        std::size_t before = output_.size();
        drain(std::chrono::milliseconds(0));
        if (output_.size() == before) break;
    }
    return exited_ ? exit_code_ : -1;
}

void ChildDaemon::signal(int sig) {
    ::kill(pid_, sig);
}

void ChildDaemon::collect_output(std::chrono::milliseconds window) {
    const auto deadline = std::chrono::steady_clock::now() + window;
    while (std::chrono::steady_clock::now() < deadline) drain(std::chrono::milliseconds(10));
}

std::string ChildDaemon::output() {
    drain(std::chrono::milliseconds(0));
    return output_;
}

}  // namespace venom::testing
