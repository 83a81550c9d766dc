// GET /api/v1/openapi.json against the route table. The Python predecessor's openapi.json went
// stale as routes were added (venom-python.md, bug 25); here a route missing from
// docs/openapi.json, or an operation there that no route serves, fails the build's tests, each
// failure naming the route.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "api/api_fixture.hpp"
#include "daemon/version.hpp"

namespace venom::api {
namespace {

using nlohmann::json;

// The contract's error shape (docs/API.md "Conventions"), which every error response uses.
constexpr const char* kErrorRef = "#/components/schemas/Error";

const std::vector<std::string> kHttpMethods = {"get",     "put",  "post",  "delete",
                                               "options", "head", "patch", "trace"};

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::string upper(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return text;
}

// "GET /api/v1/models/{name}/capabilities": how every failure names a route.
std::string name_of(const Route& route) {
    return route.method + " " + route.pattern;
}

// The {placeholders} of a path template, in order.
std::vector<std::string> placeholders(const std::string& pattern) {
    std::vector<std::string> names;
    for (std::size_t open = pattern.find('{'); open != std::string::npos;
         open = pattern.find('{', open + 1)) {
        const std::size_t close = pattern.find('}', open);
        if (close == std::string::npos) break;
        names.push_back(pattern.substr(open + 1, close - open - 1));
    }
    return names;
}

// The "$ref" of a node, "" when it has none.
std::string ref_of(const json& node) {
    if (!node.is_object() || !node.contains("$ref") || !node["$ref"].is_string()) return "";
    return node["$ref"].get<std::string>();
}

// `key` as one JSON-pointer token ("/api/v1/health" -> "~1api~1v1~1health"), so a failure
// gives a location jq and json_pointer can follow.
std::string pointer_token(const std::string& key) {
    std::string out;
    for (char c : key) {
        if (c == '~') {
            out += "~0";
        } else if (c == '/') {
            out += "~1";
        } else {
            out += c;
        }
    }
    return out;
}

bool is_async(const Route& route) {
    return std::holds_alternative<AsyncHandler>(route.handler);
}

class OpenApiDocumentTest : public testing::ApiFixture {
protected:
    OpenApiDocumentTest() {
        served_ = call("GET", "/api/v1/openapi.json");
        doc_ = json::parse(served_.body, nullptr, false);
    }

    void SetUp() override {
        ASSERT_EQ(served_.status, 200) << served_.body.substr(0, 300);
        ASSERT_FALSE(doc_.is_discarded()) << "the served document is not JSON";
        ASSERT_TRUE(doc_.contains("paths") && doc_["paths"].is_object()) << "no paths object";
    }

    // The operation the document gives for a route, or null when it has none.
    const json* operation(const Route& route) const {
        const json& paths = doc_["paths"];
        auto item = paths.find(route.pattern);
        if (item == paths.end() || !item->is_object()) return nullptr;
        auto op = item->find(lower(route.method));
        return op == item->end() ? nullptr : &*op;
    }

    // Every operation the document names, as ("POST /api/v1/translate", operation).
    std::vector<std::pair<std::string, const json*>> documented_operations() const {
        std::vector<std::pair<std::string, const json*>> out;
        for (const auto& [path, item] : doc_["paths"].items()) {
            if (!item.is_object()) continue;
            for (const auto& [key, op] : item.items()) {
                // Skip the path item's summary, description, parameters and servers.
                if (std::find(kHttpMethods.begin(), kHttpMethods.end(), key) ==
                    kHttpMethods.end()) {
                    continue;
                }
                out.push_back({upper(key) + " " + path, &op});
            }
        }
        return out;
    }

    // `node` itself, or what its "$ref" points to inside the document (null when it points
    // nowhere).
    const json* resolve(const json& node) const {
        if (!node.is_object() || !node.contains("$ref")) return &node;
        const json& ref = node["$ref"];
        if (!ref.is_string()) return nullptr;
        const std::string text = ref.get<std::string>();
        if (text.rfind("#/", 0) != 0) return nullptr;
        try {
            const json::json_pointer pointer(text.substr(1));
            return doc_.contains(pointer) ? &doc_.at(pointer) : nullptr;
        } catch (const json::exception&) {
            return nullptr;
        }
    }

    // The parameters of an operation: those of its path item and its own (which win).
    std::vector<json> parameters(const Route& route, const json& op) const {
        std::vector<json> out;
        auto add = [&](const json& owner) {
            if (!owner.contains("parameters") || !owner["parameters"].is_array()) return;
            for (const json& p : owner["parameters"]) {
                if (const json* resolved = resolve(p)) out.push_back(*resolved);
            }
        };
        add(doc_["paths"][route.pattern]);
        add(op);
        return out;
    }

    // The response for `status`, $ref resolved; null when the operation has none.
    const json* response(const json& op, const std::string& status) const {
        if (!op.contains("responses") || !op["responses"].contains(status)) return nullptr;
        return resolve(op["responses"][status]);
    }

    HttpResponse served_;
    json doc_;
    const std::vector<Route> routes_ = api_routes();
};

TEST_F(OpenApiDocumentTest, ServesTheDocumentInTheTreeAsJson) {
    EXPECT_EQ(served_.content_type, "application/json");
    // The build embeds the file as it is now: an edit that did not reach the binary would show.
    std::ifstream file(std::string(VENOM_SOURCE_DIR) + "/docs/openapi.json", std::ios::binary);
    ASSERT_TRUE(file) << "docs/openapi.json cannot be read";
    std::ostringstream text;
    text << file.rdbuf();
    EXPECT_TRUE(served_.body == text.str())
        << "GET /api/v1/openapi.json differs from docs/openapi.json: rebuild";
}

TEST_F(OpenApiDocumentTest, InfoVersionIsTheVersionHealthReports) {
    const json health = body_of(call("GET", "/api/v1/health"));
    ASSERT_TRUE(doc_["info"]["version"].is_string());
    EXPECT_EQ(doc_["info"]["version"], health["version"])
        << "docs/openapi.json info.version must be the daemon's version (CMakeLists.txt project "
           "VERSION)";
    EXPECT_EQ(doc_["info"]["version"], venom_version());
}

TEST_F(OpenApiDocumentTest, EveryRouteIsInTheDocument) {
    for (const Route& route : routes_) {
        EXPECT_NE(operation(route), nullptr)
            << name_of(route) << " is a route but docs/openapi.json does not describe it";
    }
}

TEST_F(OpenApiDocumentTest, EveryOperationInTheDocumentIsARoute) {
    std::set<std::string> table;
    for (const Route& route : routes_) table.insert(name_of(route));
    for (const auto& [name, op] : documented_operations()) {
        EXPECT_TRUE(table.count(name))
            << name << " is in docs/openapi.json but api_routes() has no such route";
    }
}

TEST_F(OpenApiDocumentTest, EveryPathParameterIsDeclaredRequiredInThePath) {
    for (const Route& route : routes_) {
        const json* op = operation(route);
        if (!op) continue;  // EveryRouteIsInTheDocument names it
        const std::vector<std::string> names = placeholders(route.pattern);
        const std::vector<json> params = parameters(route, *op);
        for (const std::string& name : names) {
            auto it = std::find_if(params.begin(), params.end(), [&](const json& p) {
                return p.value("name", "") == name && p.value("in", "") == "path";
            });
            if (it == params.end()) {
                ADD_FAILURE() << name_of(route) << ": no parameter {" << name << "} in: path";
                continue;
            }
            EXPECT_EQ(it->value("required", false), true)
                << name_of(route) << ": path parameter {" << name << "} must be required: true";
            EXPECT_TRUE(it->contains("schema")) << name_of(route) << ": {" << name << "}";
        }
        for (const json& p : params) {
            if (p.value("in", "") != "path") continue;
            const std::string name = p.value("name", "");
            EXPECT_TRUE(std::find(names.begin(), names.end(), name) != names.end())
                << name_of(route) << ": path parameter '" << name << "' is not in the path";
        }
    }
}

TEST_F(OpenApiDocumentTest, TokenRoutesNeedTheBearerTokenAndOpenRoutesDoNot) {
    // A document-wide requirement would put the token on the open routes too.
    EXPECT_TRUE(!doc_.contains("security") || doc_["security"].empty());
    const json& schemes = doc_["components"]["securitySchemes"];
    ASSERT_TRUE(schemes.is_object() && !schemes.empty()) << "no components/securitySchemes";
    for (const Route& route : routes_) {
        const json* op = operation(route);
        if (!op) continue;
        const json security = op->value("security", json::array());
        if (route.access == Access::open) {
            // Absent, [] or an alternative without requirements ({}): the route stays open.
            const bool open =
                security.empty() || std::any_of(security.begin(), security.end(),
                                                [](const json& r) { return r.empty(); });
            EXPECT_TRUE(open) << name_of(route) << " is open but the document asks for a token";
            continue;
        }
        EXPECT_TRUE(security.is_array() && !security.empty())
            << name_of(route) << " needs the token but has no security in docs/openapi.json";
        for (const json& requirement : security) {
            EXPECT_FALSE(requirement.empty())
                << name_of(route) << " needs the token but its security allows none";
            for (const auto& [scheme, scopes] : requirement.items()) {
                if (!schemes.contains(scheme)) {
                    ADD_FAILURE() << name_of(route) << ": security scheme '" << scheme
                                  << "' is not in components/securitySchemes";
                    continue;
                }
                EXPECT_EQ(schemes[scheme].value("type", ""), "http") << scheme;
                EXPECT_EQ(lower(schemes[scheme].value("scheme", "")), "bearer") << scheme;
            }
        }
        EXPECT_NE(response(*op, "401"), nullptr)
            << name_of(route) << " needs the token but does not list its 401";
    }
}

TEST_F(OpenApiDocumentTest, JsonBodyRoutesDescribeTheirBodyAndTheOthersTakeNone) {
    for (const Route& route : routes_) {
        const json* op = operation(route);
        if (!op) continue;
        if (route.body == Body::none) {
            EXPECT_FALSE(op->contains("requestBody"))
                << name_of(route) << " reads no body but the document gives one";
            continue;
        }
        const json* body = op->contains("requestBody") ? resolve((*op)["requestBody"]) : nullptr;
        ASSERT_NE(body, nullptr) << name_of(route) << " reads a JSON body the document lacks";
        EXPECT_EQ(body->value("required", false), true) << name_of(route);
        EXPECT_TRUE(body->contains("content") && (*body)["content"].contains("application/json") &&
                    (*body)["content"]["application/json"].contains("schema"))
            << name_of(route) << ": the body needs an application/json schema";
        EXPECT_NE(response(*op, "415"), nullptr)
            << name_of(route) << " takes JSON only but does not list its 415";
    }
}

TEST_F(OpenApiDocumentTest, RoutesAnsweredLaterListTheHandlerDeadline) {
    for (const Route& route : routes_) {
        const json* op = operation(route);
        if (!op || !is_async(route)) continue;
        EXPECT_NE(response(*op, "504"), nullptr)
            << name_of(route) << " answers from a worker, so it can time out: list its 504";
    }
}

TEST_F(OpenApiDocumentTest, OperationsAreWellFormed) {
    ASSERT_TRUE(doc_["openapi"].is_string());
    EXPECT_EQ(doc_["openapi"].get<std::string>().rfind("3.1", 0), 0u) << doc_["openapi"];
    ASSERT_TRUE(doc_["info"].is_object());
    EXPECT_TRUE(doc_["info"]["title"].is_string() && !doc_["info"]["title"].empty());
    EXPECT_TRUE(doc_["info"]["version"].is_string() && !doc_["info"]["version"].empty());
    const json* error_schema = resolve({{"$ref", kErrorRef}});
    ASSERT_NE(error_schema, nullptr) << "no components/schemas/Error";
    EXPECT_EQ(error_schema->value("required", json()), json({"success", "detail", "code"}));

    std::set<std::string> operation_ids;
    for (const auto& [name, op] : documented_operations()) {
        if (!op->contains("operationId") || !(*op)["operationId"].is_string()) {
            ADD_FAILURE() << name << " has no operationId";
        } else {
            EXPECT_TRUE(operation_ids.insert((*op)["operationId"].get<std::string>()).second)
                << name << ": operationId " << (*op)["operationId"] << " is used twice";
        }
        if (!op->contains("responses") || !(*op)["responses"].is_object() ||
            (*op)["responses"].empty()) {
            ADD_FAILURE() << name << " has no responses";
            continue;
        }
        bool success = false;
        for (const auto& [status, raw] : (*op)["responses"].items()) {
            // The WebSocket route's success is the upgrade.
            if ((status.size() == 3 && status[0] == '2') ||
                (name == "GET /ws/events" && status == "101")) {
                success = true;
            }
            const json* r = resolve(raw);
            if (!r) {
                ADD_FAILURE() << name << " " << status << ": its $ref points nowhere";
                continue;
            }
            EXPECT_TRUE(r->contains("description") && (*r)["description"].is_string())
                << name << " " << status << " has no description";
            if (status[0] != '4' && status[0] != '5') continue;
            // Every error has the one shape: Error, or a schema built on it (allOf).
            const json schema =
                r->contains("content") && (*r)["content"].contains("application/json")
                    ? (*r)["content"]["application/json"].value("schema", json())
                    : json();
            const json* shape = resolve(schema);
            const bool is_error =
                ref_of(schema) == kErrorRef ||
                (shape && shape->is_object() && shape->contains("allOf") &&
                 std::any_of((*shape)["allOf"].begin(), (*shape)["allOf"].end(),
                             [](const json& part) { return ref_of(part) == kErrorRef; }));
            EXPECT_TRUE(is_error) << name << " " << status
                                  << ": an error response must use components/schemas/Error";
        }
        EXPECT_TRUE(success) << name << " has no success response (2xx, or 101 for /ws/events)";
    }
}

// The routes that do not answer JSON say what they answer.
TEST_F(OpenApiDocumentTest, StreamsAndMetricsNameTheirMediaTypes) {
    EXPECT_TRUE(doc_["paths"]["/api/v1/events"]["get"]["responses"]["200"]["content"].contains(
        "text/event-stream"));
    EXPECT_TRUE(doc_["paths"]["/ws/events"]["get"]["responses"].contains("101"));
    EXPECT_TRUE(
        doc_["paths"]["/metrics"]["get"]["responses"]["200"]["content"].contains("text/plain"));
}

TEST_F(OpenApiDocumentTest, EveryRefResolvesInsideTheDocument) {
    std::vector<std::pair<std::string, const json*>> stack = {{"", &doc_}};
    std::size_t refs = 0;
    while (!stack.empty()) {
        auto [where, node] = stack.back();
        stack.pop_back();
        if (node->is_object()) {
            if (node->contains("$ref")) {
                ++refs;
                EXPECT_NE(resolve(*node), nullptr)
                    << "$ref " << (*node)["$ref"] << " at " << where << " points nowhere";
            }
            for (const auto& [key, child] : node->items()) {
                stack.push_back({where + "/" + pointer_token(key), &child});
            }
        } else if (node->is_array()) {
            for (std::size_t i = 0; i < node->size(); ++i) {
                stack.push_back({where + "/" + std::to_string(i), &(*node)[i]});
            }
        }
    }
    EXPECT_GT(refs, 0u);
}

}  // namespace
}  // namespace venom::api
