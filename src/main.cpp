// venomd: parse settings, set up logging and signals, run the daemon until SIGTERM/SIGINT.
#include <signal.h>

#include <iostream>

#include "daemon/daemon.hpp"
#include "venom/config.hpp"
#include "venom/logging.hpp"

int main(int argc, char** argv) {
    venom::CommandLine command_line;
    try {
        command_line = venom::load_config({argv + 1, argv + argc}, venom::process_environment());
    } catch (const venom::ConfigError& e) {
        std::cerr << "venomd: " << e.what() << "\n";
        return 2;
    }
    if (command_line.help) {
        std::cout << venom::usage_text();
        return 0;
    }
    if (command_line.version) {
        std::cout << "venomd " << venom::venom_version() << "\n";
        return 0;
    }

    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l [%n] %v", spdlog::pattern_time_type::utc);
    venom::set_log_level(spdlog::level::from_str(command_line.config.log_level));

    // Block the stop signals in every thread (threads inherit the mask) so only sigwait below
    // sees them: shutdown then runs on this thread, not inside a signal handler.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    venom::Daemon daemon(command_line.config);
    if (auto started = daemon.start(); !started) {
        venom::logger("daemon")->critical("{}", started.error().message);
        std::cerr << "venomd: " << started.error().message << "\n";
        return 1;
    }
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    venom::logger("daemon")->info("signal={} received", signal_number);
    daemon.stop();
    return 0;
}
