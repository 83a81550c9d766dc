#include "venom/json_field_reader.hpp"

#include <cmath>

namespace venom {

using nlohmann::json;

std::optional<std::uint64_t> as_unsigned(const json& value) {
    if (value.is_number_unsigned()) return value.get<std::uint64_t>();
    if (value.is_number_integer()) {
        const auto v = value.get<std::int64_t>();
        if (v >= 0) return static_cast<std::uint64_t>(v);
        return std::nullopt;
    }
    if (value.is_number_float()) {
        const double v = value.get<double>();
        if (std::isfinite(v) && v >= 0 && v < 18446744073709551616.0) {  // 2^64
            return static_cast<std::uint64_t>(v);
        }
    }
    return std::nullopt;
}

std::optional<std::int64_t> as_signed(const json& value) {
    if (value.is_number_unsigned()) {
        const auto v = value.get<std::uint64_t>();
        if (v <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(v);
        return std::nullopt;
    }
    if (value.is_number_integer()) return value.get<std::int64_t>();
    if (value.is_number_float()) {
        const double v = value.get<double>();
        if (std::isfinite(v) && v >= -9223372036854775808.0 && v < 9223372036854775808.0) {
            return static_cast<std::int64_t>(v);  // within [-2^63, 2^63)
        }
    }
    return std::nullopt;
}

std::string JsonFieldReader::type_name(const json& value) {
    switch (value.type()) {
        case json::value_t::null:
            return "null";
        case json::value_t::object:
            return "an object";
        case json::value_t::array:
            return "an array";
        case json::value_t::string:
            return "a string";
        case json::value_t::boolean:
            return "a boolean";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
        case json::value_t::number_float:
            return "a number";
        default:
            return "not a JSON value";
    }
}

std::string JsonFieldReader::join(std::string_view path, std::string_view key) {
    if (path.empty()) return std::string(key);
    return std::string(path) + "." + std::string(key);
}

void JsonFieldReader::record(std::string_view field, const json& value, const char* expected) {
    if (error_) return;  // the first problem is the one worth reporting
    const std::string name = field.empty() ? std::string("the top level") : std::string(field);
    error_ = make_error(
        502, "bad_upstream_response",
        source_ + ": field '" + name + "' is " + type_name(value) + ", expected " + expected);
}

bool JsonFieldReader::expect_object(const json& value, std::string_view path) {
    if (value.is_object()) return true;
    record(path, value, "an object");
    return false;
}

const json* JsonFieldReader::find(const json& object, std::string_view key, std::string_view path) {
    if (!expect_object(object, path)) return nullptr;
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return nullptr;
    return &*it;
}

std::string JsonFieldReader::string(const json& object, std::string_view key, std::string fallback,
                                    std::string_view path) {
    const json* value = find(object, key, path);
    if (!value) return fallback;
    if (!value->is_string()) {
        record(join(path, key), *value, "a string");
        return fallback;
    }
    return value->get<std::string>();
}

std::uint64_t JsonFieldReader::unsigned_integer(const json& object, std::string_view key,
                                                std::uint64_t fallback, std::string_view path) {
    const json* value = find(object, key, path);
    if (!value) return fallback;
    if (!value->is_number_float()) {
        if (auto v = as_unsigned(*value)) return *v;
    }
    if (value->is_number()) {
        record(join(path, key), *value, "a non-negative integer");
        return fallback;
    }
    record(join(path, key), *value, "a number");
    return fallback;
}

std::optional<std::int64_t> JsonFieldReader::integer(const json& object, std::string_view key,
                                                     std::string_view path) {
    const json* value = find(object, key, path);
    if (!value) return std::nullopt;
    if (auto v = as_signed(*value)) return *v;
    if (value->is_number()) {
        record(join(path, key), *value, "an integer in range");
        return std::nullopt;
    }
    record(join(path, key), *value, "a number");
    return std::nullopt;
}

std::optional<double> JsonFieldReader::number(const json& object, std::string_view key,
                                              std::string_view path) {
    const json* value = find(object, key, path);
    if (!value) return std::nullopt;
    if (value->is_number()) return value->get<double>();
    record(join(path, key), *value, "a number");
    return std::nullopt;
}

const json* JsonFieldReader::array(const json& object, std::string_view key,
                                   std::string_view path) {
    const json* value = find(object, key, path);
    if (!value) return nullptr;
    if (!value->is_array()) {
        record(join(path, key), *value, "an array");
        return nullptr;
    }
    return value;
}

const json* JsonFieldReader::object(const json& object, std::string_view key,
                                    std::string_view path) {
    const json* value = find(object, key, path);
    if (!value) return nullptr;
    if (!value->is_object()) {
        record(join(path, key), *value, "an object");
        return nullptr;
    }
    return value;
}

}  // namespace venom
