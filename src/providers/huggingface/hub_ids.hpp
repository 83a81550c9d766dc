#pragma once
// Identifiers a Hub (or any upstream) sends that venomd turns into paths: a commit becomes
// snapshots/<commit>, a blob id or LFS sha256 becomes blobs/<etag>, a file name becomes
// snapshots/<commit>/<rfilename>. The upstream is not trusted (issue 9, findings 2-4): every
// one of them is checked here before it is used, so "../../x" can never leave the cache.

#include <string>
#include <string_view>

#include "venom/result.hpp"

namespace venom::providers {

// 40 lowercase hex digits (a git commit or blob sha1).
bool is_git_sha1(std::string_view id);
// 64 lowercase hex digits.
bool is_sha256_hex(std::string_view id);

// A file name inside a repository: relative, '/'-separated, no empty, "." or ".." segment, no
// backslash, no NUL or other control character, at most 1024 bytes. Pure.
bool is_safe_repo_path(std::string_view path);

// 502 upstream_error naming `field` and `what` ("model org/name") when `value` breaks the rule;
// the value is quoted with control characters escaped so a log line stays one line.
Error invalid_upstream_id(std::string_view field, std::string_view value, std::string_view what);

}  // namespace venom::providers
