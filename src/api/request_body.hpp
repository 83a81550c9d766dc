#pragma once
// Reading JSON request bodies and typed fields with the contract's status codes: 400 for a body
// that is not JSON, 422 for a missing or ill-typed field.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/router.hpp"
#include "venom/result.hpp"

namespace venom::api {

// The body as a JSON object. 400 malformed_json; 422 invalid_body when it is not an object.
Result<nlohmann::json> parse_json_object(const HttpRequest& request);

// A required string field: 422 missing_field / invalid_field.
Result<std::string> required_string(const nlohmann::json& body, const std::string& key);
// An optional string field (absent or null: nullopt); 422 invalid_field when not a string.
Result<std::optional<std::string>> optional_string(const nlohmann::json& body,
                                                   const std::string& key);

// An optional list of strings (absent or null: empty); 422 invalid_field otherwise.
Result<std::vector<std::string>> optional_string_list(const nlohmann::json& body,
                                                      const std::string& key);

// An integer query parameter within [lo, hi], `fallback` when absent. 422 when not an integer,
// 400 when out of range.
Result<long> query_int(const ApiRequest& request, const std::string& key, long fallback, long lo,
                       long hi);

}  // namespace venom::api
