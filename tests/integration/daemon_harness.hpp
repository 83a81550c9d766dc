#pragma once
// Starting the real daemon for tests, in-process on 127.0.0.1:0 (TestDaemon) or as the venomd
// binary in a child process (ChildDaemon), and a small libcurl client to talk to it.

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "daemon/daemon.hpp"
#include "support/temp_dir.hpp"

namespace venom::testing {

struct HttpResult {
    long status = 0;  // 0: transport failure, see `error`
    std::string body;
    std::map<std::string, std::string> headers;  // lower-cased names
    std::string error;
    nlohmann::json json() const { return nlohmann::json::parse(body); }
};

// One request on a fresh connection, 10 s overall bound.
HttpResult http_request(const std::string& method, const std::string& url,
                        const std::string& body = "", const std::vector<std::string>& headers = {});

class TestDaemon {
public:
    // `configure` adjusts the config (data dir and port 0 are already set).
    explicit TestDaemon(std::function<void(Config&)> configure = {}, Daemon::Ports ports = {},
                        std::optional<std::filesystem::path> data_dir = std::nullopt);
    ~TestDaemon();

    void start();  // fails the test when the daemon does not start
    void stop();
    std::string url(const std::string& path) const;
    HttpResult get(const std::string& path) const { return http_request("GET", url(path)); }
    HttpResult post(const std::string& path, const std::string& body) const {
        return http_request("POST", url(path), body, {"Content-Type: application/json"});
    }
    HttpResult del(const std::string& path) const { return http_request("DELETE", url(path)); }

    // GET /api/v1/models/operations/{id}'s "operation" object.
    nlohmann::json operation(const std::string& id) const;
    // Polls the operation until it has completed_at (any final status), at most `bound`; fails
    // the test when the bound passes. Returns the last object seen.
    nlohmann::json wait_finished(const std::string& id,
                                 std::chrono::milliseconds bound = std::chrono::seconds(20)) const;

    Daemon& daemon() { return *daemon_; }
    const std::filesystem::path& data_dir() const { return data_dir_; }

private:
    std::unique_ptr<TempDir> own_dir_;
    std::filesystem::path data_dir_;
    std::unique_ptr<Daemon> daemon_;
};

// The venomd binary as a child: stdout/stderr captured, port read from its "listening" line.
class ChildDaemon {
public:
    // `open_files_limit`: when not 0, the child's RLIMIT_NOFILE (soft and hard), set before exec.
    ChildDaemon(std::vector<std::string> args, std::map<std::string, std::string> env = {},
                unsigned long open_files_limit = 0);
    ~ChildDaemon();

    // Waits (bounded) for the "listening ... port=N" log line; 0 when the child exited first.
    int wait_for_port();
    // Runs the child to completion (bounded) and returns its exit code; -1 on timeout.
    int wait_exit(std::chrono::milliseconds bound = std::chrono::seconds(10));
    void signal(int sig);
    std::string output();  // everything it printed so far (stdout and stderr)
    // Reads what the child prints during `window` (so a chatty child never blocks on the pipe).
    void collect_output(std::chrono::milliseconds window);

private:
    void drain(std::chrono::milliseconds wait);
    pid_t pid_ = -1;
    int out_fd_ = -1;
    std::string output_;
    int exit_code_ = -1;
    bool exited_ = false;
};

}  // namespace venom::testing
