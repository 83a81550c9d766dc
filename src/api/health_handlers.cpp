#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json_response.hpp"

namespace venom::api {

HttpResponse get_health(const ApiRequest&, Services& services) {
    nlohmann::json body = {{"status", "ok"}, {"version", services.version}};
    std::vector<std::string> warnings = services.warnings;
    for (const auto& name : services.registry.models_with_missing_files()) {
        warnings.push_back("Model " + name +
                           " is in the manifest but its files are missing; reinstall or remove it");
    }
    if (!warnings.empty()) body["warnings"] = std::move(warnings);
    return json_response(200, body);
}

}  // namespace venom::api
