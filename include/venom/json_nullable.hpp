#pragma once
// An optional value as JSON: the value, or null. Answers and state files write an absent value
// as null rather than leaving the field out (clients read every field they were promised).

#include <nlohmann/json.hpp>

namespace venom {

template <typename Optional>
nlohmann::json nullable(const Optional& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace venom
