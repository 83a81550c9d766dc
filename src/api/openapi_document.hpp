#pragma once
// The OpenAPI 3.1 document of the REST API: docs/openapi.json, compiled into the binary by
// cmake/embed_text.cmake (its definition is generated in the build tree), so serving it reads
// no file at run time.

#include <string_view>

namespace venom::api {

// The bytes of docs/openapi.json as they were at build time. Static storage; thread-safe.
std::string_view openapi_document_json();

}  // namespace venom::api
