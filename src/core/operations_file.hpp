#pragma once
// <data>/operations.json, the operation history on disk: a format of its own with a version,
// not the API's answer, so the API can change without making a history unreadable, and a
// history written by a newer venomd is refused by name instead of misread.
//
//   {"format": "venomd-operations", "version": 1, "operations": [<record>, ...]}
//   record: operation_id, model_name, provider, runtime, operation_type, status, progress,
//           message, error|null, bytes_total|null, bytes_done, started_at, updated_at,
//           completed_at|null
//
// Version 0 is a file without "format" and "version" (venomd before issue 14 wrote the API's
// shape): its records have the same fields and are read as version 1's.

#include <string>
#include <string_view>
#include <vector>

#include "venom/operation.hpp"

namespace venom::operations_file {

inline constexpr int kVersion = 1;

// The file's text for `operations`, oldest first. Pure.
std::string serialize(const std::vector<const Operation*>& operations);

// The operations of a file's text, oldest first. Throws std::invalid_argument naming what is
// wrong: not JSON, another format, a version newer than kVersion, a record without its fields.
std::vector<Operation> parse(std::string_view text);

}  // namespace venom::operations_file
