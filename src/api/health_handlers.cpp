#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json_response.hpp"

namespace venom::api {

HttpResponse get_health(const ApiRequest&, Services& services) {
    nlohmann::json body = {{"status", "ok"}, {"version", services.version}};
    if (!services.warnings.empty()) body["warnings"] = services.warnings;
    return json_response(200, body);
}

}  // namespace venom::api
