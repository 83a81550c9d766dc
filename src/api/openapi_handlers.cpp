// GET /api/v1/openapi.json: the OpenAPI document of every route, so clients and tools can
// import the API. It is compiled in (api/openapi_document.hpp) and answered as it is, with no
// file read and no JSON built per request; tests/api/openapi_document_test.cpp keeps it true
// to the route table.
#include "api/handlers.hpp"
#include "api/openapi_document.hpp"

namespace venom::api {

HttpResponse get_openapi_document(const ApiRequest&, Services&) {
    HttpResponse response;
    response.body = openapi_document_json();  // one copy of the bytes the binary holds
    return response;
}

}  // namespace venom::api
