#include "api/json_response.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

namespace venom::api {

HttpResponse json_response(int status, const nlohmann::json& body) {
    HttpResponse response;
    response.status = status;
    // Replace invalid UTF-8 rather than throw: a name echoed back must never turn into a 500.
    response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return response;
}

namespace {

HttpResponse with_retry_after(HttpResponse response, const Error& error) {
    if (error.retry_after_seconds) {
        response.headers.emplace_back("Retry-After", std::to_string(*error.retry_after_seconds));
    }
    return response;
}

}  // namespace

HttpResponse error_response(const Error& error) {
    return with_retry_after(
        json_response(error.http_status,
                      {{"success", false}, {"detail", error.message}, {"code", error.code}}),
        error);
}

HttpResponse error_response(int status, std::string code, std::string detail) {
    return error_response(make_error(status, std::move(code), std::move(detail)));
}

HttpResponse error_response(const Error& error, const std::string& request_id) {
    return with_retry_after(json_response(error.http_status, {{"success", false},
                                                              {"detail", error.message},
                                                              {"code", error.code},
                                                              {"request_id", request_id}}),
                            error);
}

double round_to(double value, int digits) {
    const double scale = std::pow(10.0, digits);
    return std::round(value * scale) / scale;
}

}  // namespace venom::api
