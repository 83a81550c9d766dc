#include "api/json_response.hpp"

#include <nlohmann/json.hpp>

namespace venom::api {

HttpResponse json_response(int status, const nlohmann::json& body) {
    HttpResponse response;
    response.status = status;
    // Replace invalid UTF-8 rather than throw: a name echoed back must never turn into a 500.
    response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return response;
}

HttpResponse error_response(const Error& error) {
    return json_response(error.http_status,
                         {{"success", false}, {"detail", error.message}, {"code", error.code}});
}

HttpResponse error_response(int status, std::string code, std::string detail) {
    return error_response(make_error(status, std::move(code), std::move(detail)));
}

HttpResponse error_response(const Error& error, const std::string& request_id) {
    return json_response(error.http_status, {{"success", false},
                                             {"detail", error.message},
                                             {"code", error.code},
                                             {"request_id", request_id}});
}

}  // namespace venom::api
