#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/json/operation_json.hpp"
#include "api/json_response.hpp"
#include "api/request_body.hpp"

namespace venom::api {

HttpResponse list_operations(const ApiRequest& request, Services& services) {
    auto limit = query_int(request, "limit", 10, 1, 1000);
    if (!limit) return error_response(limit.error());
    // Spliced from cached per-operation text rather than built as a tree: this endpoint is
    // polled, and the splice keeps it near the bare server's throughput (bench/).
    HttpResponse response;
    response.body = R"({"success":true,"operations":)";
    constexpr std::size_t kTail = 32;  // ,"count":N}
    const std::size_t count = services.operations.append_list_json(
        response.body, static_cast<std::size_t>(*limit), operation_json, kTail);
    response.body += R"(,"count":)";
    response.body += std::to_string(count);
    response.body += '}';
    return response;
}

HttpResponse get_operation(const ApiRequest& request, Services& services) {
    const std::string& id = request.param("operation_id");
    auto op = services.operations.get(id);
    if (!op) return error_response(404, "operation_not_found", "Operation " + id + " not found");
    return json_response(200, {{"success", true}, {"operation", operation_json(*op)}});
}

HttpResponse cancel_operation(const ApiRequest& request, Services& services) {
    auto op = services.operations.cancel(request.param("operation_id"));
    if (!op) return error_response(op.error());
    return json_response(200, {{"success", true}, {"operation", operation_json(*op)}});
}

}  // namespace venom::api
