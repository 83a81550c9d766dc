#pragma once
// Building responses in the contract's shapes: JSON bodies, and errors as
// {"success": false, "detail": "...", "code": "..."} (DESIGN.md "HTTP conventions").

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "api/http_types.hpp"
#include "venom/result.hpp"

namespace venom::api {

HttpResponse json_response(int status, const nlohmann::json& body);
HttpResponse error_response(const Error& error);
HttpResponse error_response(int status, std::string code, std::string detail);
// The same shape plus "request_id", the id the matching log line names (500s, deadlines).
HttpResponse error_response(const Error& error, const std::string& request_id);

// `value` rounded to `digits` decimals, for figures a person reads (percentages, dollars).
double round_to(double value, int digits);

}  // namespace venom::api
