#include "runtime/service_monitor.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "venom/http_client.hpp"
#include "venom/text.hpp"

namespace venom::runtime {
namespace {

namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;

struct ProcStat {
    char state = '?';
    std::uint64_t cpu_ticks = 0;    // utime + stime
    std::uint64_t start_ticks = 0;  // since boot
};

// /proc/<pid>/stat: comm (field 2) may hold spaces and parentheses, so fields are counted after
// the last ')' (proc(5): state is field 3, utime 14, stime 15, starttime 22).
std::optional<ProcStat> read_stat(const fs::path& proc, long pid) {
    std::ifstream in(proc / std::to_string(pid) / "stat");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    const auto close = text.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream rest(text.substr(close + 1));
    std::vector<std::string> f;
    for (std::string field; rest >> field;) f.push_back(field);
    if (f.size() < 20) return std::nullopt;
    ProcStat s;
    s.state = f[0].empty() ? '?' : f[0][0];
    s.cpu_ticks = std::stoull(f[11]) + std::stoull(f[12]);
    s.start_ticks = std::stoull(f[19]);
    return s;
}

std::optional<double> system_uptime(const fs::path& proc) {
    std::ifstream in(proc / "uptime");
    double seconds = 0;
    if (in >> seconds) return seconds;
    return std::nullopt;
}

std::optional<double> resident_mb(const fs::path& proc, long pid) {
    std::ifstream in(proc / std::to_string(pid) / "statm");
    std::uint64_t size = 0, resident = 0;
    if (!(in >> size >> resident)) return std::nullopt;
    return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) /
           (1024.0 * 1024.0);
}

double round1(double v) {
    return std::round(v * 10.0) / 10.0;
}

// The last non-empty line of a log, reading at most its last 8 KiB.
std::optional<std::string> last_line(const fs::path& log) {
    std::ifstream in(log, std::ios::binary);
    if (!in) return std::nullopt;
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    const std::streamoff from = std::max<std::streamoff>(0, size - 8192);
    in.seekg(from);
    std::string tail((std::istreambuf_iterator<char>(in)), {});
    std::istringstream lines(tail);
    std::string line, last;
    while (std::getline(lines, line)) {
        line = trim(line);
        if (!line.empty()) last = line;
    }
    if (last.empty()) return std::nullopt;
    if (last.size() > 500) last = last.substr(0, 500) + "...";
    return last;
}

// The port in "scheme://host:port/path", or the scheme's default.
std::optional<int> url_port(const std::string& url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) return std::nullopt;
    const std::string authority =
        url.substr(scheme_end + 3, url.find('/', scheme_end + 3) - (scheme_end + 3));
    const auto colon = authority.rfind(':');
    if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
        try {
            return std::stoi(authority.substr(colon + 1));
        } catch (...) {
            return std::nullopt;
        }
    }
    return url.compare(0, 5, "https") == 0 ? 443 : 80;
}

// A runtime's row before anything is measured: what its configuration says.
ServiceStatus configured_row(const ServerInfo& server) {
    ServiceStatus s;
    s.name = server.name;
    s.service_type = "llm_" + server.name;
    s.port = url_port(server.endpoint);
    s.actionable = server.scripted;
    return s;
}

}  // namespace

ServiceMonitor::ServiceMonitor(Options options, LlmServerController& controller)
    : options_(std::move(options)),
      controller_(controller),
      task_(options_.interval, [this] { refresh(); }) {
    for (const auto& server : controller_.servers()) latest_.push_back(configured_row(server));
    ServiceStatus own;
    own.name = "venomd";
    own.service_type = "backend";
    own.status = "running";
    own.pid = static_cast<long>(::getpid());
    own.runtime_version = options_.own_version;
    latest_.push_back(own);
}

ServiceMonitor::~ServiceMonitor() {
    stop();
}

void ServiceMonitor::start() {
    task_.start();
}

void ServiceMonitor::stop() {
    task_.stop();
}

void ServiceMonitor::set_own_port(int port) {
    std::lock_guard lock(mutex_);
    own_port_ = port;
    for (auto& s : latest_) {
        if (s.name == "venomd") s.port = port;
    }
}

std::vector<ServiceStatus> ServiceMonitor::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

// The PID the service script recorded ("<pid> <start ticks>", scripts/llm/service_common.sh),
// when that process still runs: a PID reused by another process is not taken for the runtime.
// `stale` says a PID file names a process that is gone (the runtime died without a stop).
std::optional<long> ServiceMonitor::recorded_pid(const std::string& name, bool& stale) const {
    stale = false;
    std::ifstream in(options_.data_dir / "logs" / (name + ".pid"));
    if (!in) return std::nullopt;
    long pid = 0;
    std::uint64_t start = 0;
    if (!(in >> pid >> start) || pid <= 0) {
        stale = true;
        return std::nullopt;
    }
    auto stat = read_stat(options_.proc_root, pid);
    if (!stat || stat->state == 'Z' || stat->start_ticks != start) {
        stale = true;
        return std::nullopt;
    }
    return pid;
}

void ServiceMonitor::fill_process(ServiceStatus& s, long pid) {
    auto stat = read_stat(options_.proc_root, pid);
    if (!stat) return;
    s.pid = pid;
    if (auto mb = resident_mb(options_.proc_root, pid)) s.memory_mb = round1(*mb);
    const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const auto now = steady::now();
    std::optional<double> age;
    if (auto up = system_uptime(options_.proc_root)) {
        age = std::max(0.0, *up - static_cast<double>(stat->start_ticks) / tick);
        s.uptime_seconds = round1(*age);
    }
    // Since the previous sample of the same process; on the first, the average since it started.
    CpuMark& mark = cpu_[s.name];
    if (mark.pid == pid && now > mark.at && stat->cpu_ticks >= mark.ticks) {
        const double seconds = std::chrono::duration<double>(now - mark.at).count();
        s.cpu_percent =
            round1(100.0 * static_cast<double>(stat->cpu_ticks - mark.ticks) / tick / seconds);
    } else if (age && *age > 0) {
        s.cpu_percent = round1(100.0 * static_cast<double>(stat->cpu_ticks) / tick / *age);
    }
    mark = {pid, stat->cpu_ticks, now};
}

// Asked once per process (a version does not change while it runs): Ollama's GET /api/version
// (ollama/ollama server/routes.go: {"version": version.Version}) and vLLM's GET /version
// (vllm-project/vllm vllm/entrypoints/openai/api_server.py: {"version": VLLM_VERSION}).
std::optional<std::string> ServiceMonitor::version_of(const ServerInfo& server, long pid) {
    auto known = versions_.find(server.name);
    if (known != versions_.end() && known->second.pid == pid && !known->second.version.empty()) {
        return known->second.version;
    }
    net::HttpCall call;
    call.url = server.runtime == Runtime::ollama ? server.endpoint + "/api/version"
                                                 : net::url_origin(server.endpoint) + "/version";
    call.connect_timeout = call.timeout = call.stall_timeout = options_.version_timeout;
    auto reply = net::perform(call);
    if (!reply || reply->status != 200) return std::nullopt;
    auto doc = nlohmann::json::parse(reply->body, nullptr, false);
    if (!doc.is_object() || !doc.contains("version") || !doc["version"].is_string()) {
        return std::nullopt;
    }
    versions_[server.name] = {pid, doc["version"].get<std::string>()};
    return versions_[server.name].version;
}

void ServiceMonitor::refresh() {
    std::lock_guard sampling(sample_mutex_);
    std::vector<ServiceStatus> next;
    for (const auto& server : controller_.servers()) {
        ServiceStatus s = configured_row(server);
        bool stale = false;
        const std::optional<long> pid = recorded_pid(server.name, stale);
        if (pid) fill_process(s, *pid);
        const ServerHealth health = controller_.probe(server.runtime);
        if (health.status == "online") {
            s.status = "running";
        } else if (health.status == "degraded") {
            s.status = "degraded";
            s.error_message = health.error;
        } else if (health.status == "offline" && pid) {
            s.status = "degraded";  // started, not answering (yet)
            s.error_message = "pid " + std::to_string(*pid) + " runs but " + server.health_url +
                              " does not answer: " + health.error.value_or("");
        } else if (health.status == "offline" && stale) {
            s.status = "error";
            s.error_message = server.display_name +
                              " exited without being stopped (its PID file names a process "
                              "that is gone); see its log";
        } else if (health.status == "offline") {
            s.status = "stopped";
        }
        if (s.status == "running") s.runtime_version = version_of(server, pid.value_or(0));
        s.last_log = last_line(options_.data_dir / "logs" / (server.name + ".log"));
        next.push_back(std::move(s));
    }
    ServiceStatus own;
    own.name = "venomd";
    own.service_type = "backend";
    own.status = "running";
    own.runtime_version = options_.own_version;
    fill_process(own, static_cast<long>(::getpid()));
    {
        std::lock_guard lock(mutex_);
        own.port = own_port_;
        next.push_back(std::move(own));
        latest_ = std::move(next);
    }
}

}  // namespace venom::runtime
