#include "api/request_body.hpp"

namespace venom::api {

using nlohmann::json;

Result<json> parse_json_object(const HttpRequest& request) {
    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) {
        return make_error(400, "malformed_json", "Request body is not valid JSON");
    }
    if (!body.is_object()) {
        return make_error(422, "invalid_body", "Request body must be a JSON object");
    }
    return body;
}

Result<std::string> required_string(const json& body, const std::string& key) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) {
        return make_error(422, "missing_field", "Field '" + key + "' is required");
    }
    if (!it->is_string()) {
        return make_error(422, "invalid_field", "Field '" + key + "' must be a string");
    }
    return it->get<std::string>();
}

Result<std::optional<std::string>> optional_string(const json& body, const std::string& key) {
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return std::optional<std::string>{};
    if (!it->is_string()) {
        return make_error(422, "invalid_field", "Field '" + key + "' must be a string");
    }
    return std::optional<std::string>{it->get<std::string>()};
}

Result<std::vector<std::string>> optional_string_list(const json& body, const std::string& key) {
    std::vector<std::string> out;
    auto it = body.find(key);
    if (it == body.end() || it->is_null()) return out;
    if (!it->is_array()) {
        return make_error(422, "invalid_field", "Field '" + key + "' must be a list of strings");
    }
    for (const auto& item : *it) {
        if (!item.is_string()) {
            return make_error(422, "invalid_field",
                              "Field '" + key + "' must be a list of strings");
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

Result<long> query_int(const ApiRequest& request, const std::string& key, long fallback, long lo,
                       long hi) {
    auto text = request.query_value(key);
    if (!text) return fallback;
    std::size_t used = 0;
    long value = 0;
    try {
        value = std::stol(*text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (text->empty() || used != text->size()) {
        return make_error(422, "invalid_parameter",
                          "Query parameter '" + key + "' must be a whole number");
    }
    if (value < lo || value > hi) {
        return make_error(400, "invalid_parameter",
                          "Query parameter '" + key + "' must be between " + std::to_string(lo) +
                              " and " + std::to_string(hi));
    }
    return value;
}

}  // namespace venom::api
