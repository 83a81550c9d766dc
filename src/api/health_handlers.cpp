#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json_response.hpp"

namespace venom::api {

HttpResponse get_health(const ApiRequest&, Services& services) {
    // The start-up warnings are fixed once serving starts; missing files change the registry's
    // version.
    return services.health_answer.answer({services.registry.version(), 0}, [&] {
        nlohmann::json body = {{"status", "ok"}, {"version", services.version}};
        std::vector<std::string> warnings = services.warnings;
        for (const auto& name : services.registry.models_with_missing_files()) {
            warnings.push_back(
                "Model " + name +
                " is in the manifest but its files are missing; reinstall or remove it");
        }
        if (!warnings.empty()) body["warnings"] = std::move(warnings);
        return body;
    });
}

}  // namespace venom::api
