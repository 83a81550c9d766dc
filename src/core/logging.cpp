#include "venom/logging.hpp"

namespace venom {

std::shared_ptr<spdlog::logger> logger(const std::string& area) {
    if (auto existing = spdlog::get(area)) return existing;
    auto base = spdlog::default_logger();
    auto created =
        std::make_shared<spdlog::logger>(area, base->sinks().begin(), base->sinks().end());
    created->set_level(base->level());
    try {
        spdlog::register_logger(created);
    } catch (const spdlog::spdlog_ex&) {
        return spdlog::get(area);  // another thread registered it first
    }
    return created;
}

void set_log_level(spdlog::level::level_enum level) {
    spdlog::set_level(level);  // applies to the default and every registered logger
}

}  // namespace venom
