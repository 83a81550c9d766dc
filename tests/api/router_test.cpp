#include "api/router.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "api/api_fixture.hpp"
#include "api/json_response.hpp"

namespace venom::api {
namespace {

using nlohmann::json;

// Routes that echo what the router decoded, to see exactly what a handler receives.
HttpResponse echo(const ApiRequest& request, Services&) {
    json params = json::object();
    for (const auto& [k, v] : request.params) params[k] = v;
    json query = json::object();
    for (const auto& [k, v] : request.query) query[k] = v;
    return json_response(200, {{"params", params}, {"query", query}});
}

class RouterTest : public testing::ApiFixture {
protected:
    Router make(std::optional<std::string> token = std::nullopt) {
        return Router(
            {
                {"GET", "/api/v1/models/operations", echo, Access::open},
                {"GET", "/api/v1/models/{name}/capabilities", echo, Access::open},
                {"DELETE", "/api/v1/models/registry/{name}", echo, Access::token},
                {"GET", "/api/v1/models/registry/{name}", echo, Access::open},
                {"GET", "/api/v1/later",
                 AsyncHandler([](const ApiRequest& request, Services&, Respond respond) {
                     std::string name = request.query_value("name").value_or("");
                     std::thread([respond, name] {
                         respond(json_response(200, {{"name", name}}));
                     }).detach();
                 }),
                 Access::open},
                {"GET", "/api/v1/boom",
                 [](const ApiRequest&, Services&) -> HttpResponse {
                     throw std::runtime_error("unexpected");
                 },
                 Access::open},
            },
            std::move(token));
    }
    HttpResponse send(const Router& router, const std::string& method, const std::string& target,
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
        return router.dispatch_and_wait(HttpRequest{method, target, std::move(headers), ""},
                                        services_);
    }
};

TEST_F(RouterTest, EncodedSlashStaysOneSegmentAndIsDecodedAfterMatching) {
    auto r = send(make(), "GET", "/api/v1/models/google%2Fgemma-2b-it/capabilities");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(body_of(r)["params"]["name"], "google/gemma-2b-it");
    // A literal slash makes two segments: no route has that shape.
    EXPECT_EQ(send(make(), "GET", "/api/v1/models/google/gemma-2b-it/capabilities").status, 404);
}

TEST_F(RouterTest, EncodedColonAndPlusInPath) {
    auto colon = send(make(), "GET", "/api/v1/models/qwen2.5%3A0.5b/capabilities");
    EXPECT_EQ(body_of(colon)["params"]["name"], "qwen2.5:0.5b");
    auto raw_colon = send(make(), "GET", "/api/v1/models/llama3:latest/capabilities");
    EXPECT_EQ(body_of(raw_colon)["params"]["name"], "llama3:latest");
    // In a path "+" is a plus sign; only query strings use it for a space.
    auto plus = send(make(), "GET", "/api/v1/models/a+b/capabilities");
    EXPECT_EQ(body_of(plus)["params"]["name"], "a+b");
}

TEST_F(RouterTest, QueryStringsDecodePlusAsSpace) {
    auto r = send(make(), "GET", "/api/v1/models/operations?limit=5&query=llama+3%2B1&flag");
    ASSERT_EQ(r.status, 200);
    json q = body_of(r)["query"];
    EXPECT_EQ(q["limit"], "5");
    EXPECT_EQ(q["query"], "llama 3+1");
    EXPECT_EQ(q["flag"], "");
}

TEST_F(RouterTest, MalformedEncodingIs400) {
    for (const char* target :
         {"/api/v1/models/bad%2/capabilities", "/api/v1/models/bad%zz/capabilities",
          "/api/v1/models/nul%00/capabilities", "/api/v1/models/operations?limit=%"}) {
        auto r = send(make(), "GET", target);
        EXPECT_EQ(r.status, 400) << target;
        EXPECT_EQ(body_of(r)["code"], "bad_encoding") << target;
    }
}

TEST_F(RouterTest, UnknownRouteIs404AndWrongMethodIs405WithAllow) {
    auto missing = send(make(), "GET", "/api/v1/nothing");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(body_of(missing)["code"], "not_found");

    auto wrong = send(make(), "POST", "/api/v1/models/registry/x");
    EXPECT_EQ(wrong.status, 405);
    ASSERT_EQ(wrong.headers.size(), 1u);
    EXPECT_EQ(wrong.headers[0].first, "Allow");
    EXPECT_EQ(wrong.headers[0].second, "DELETE, GET");
}

TEST_F(RouterTest, ErrorShapeIsTheContracts) {
    auto r = send(make(), "GET", "/api/v1/nothing");
    EXPECT_EQ(r.content_type, "application/json");
    json body = body_of(r);
    EXPECT_EQ(body.size(), 3u);
    EXPECT_EQ(body["success"], false);
    EXPECT_TRUE(body["detail"].is_string());
    EXPECT_TRUE(body["code"].is_string());
}

TEST_F(RouterTest, AsyncHandlerAnswersLaterFromAnotherThread) {
    auto r = send(make(), "GET", "/api/v1/later?name=x");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(body_of(r)["name"], "x");
}

TEST_F(RouterTest, HandlerThatThrowsBecomesA500WithoutDetailsLeaking) {
    auto r = send(make(), "GET", "/api/v1/boom");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(body_of(r)["code"], "internal_error");
    EXPECT_EQ(r.body.find("unexpected"), std::string::npos);
}

TEST_F(RouterTest, TokenGuardsMutatingRoutesOnly) {
    Router router = make("s3cret-token");
    auto none = send(router, "DELETE", "/api/v1/models/registry/x");
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(body_of(none)["code"], "unauthorized");
    EXPECT_EQ(none.body.find("s3cret"), std::string::npos);
    EXPECT_EQ(send(router, "DELETE", "/api/v1/models/registry/x",
                   {{"Authorization", "Bearer wrong-token!"}})
                  .status,
              401);
    EXPECT_EQ(send(router, "DELETE", "/api/v1/models/registry/x",
                   {{"authorization", "Bearer s3cret-token"}})
                  .status,
              200);
    EXPECT_EQ(send(router, "GET", "/api/v1/models/registry/x").status, 200);
}

TEST(PercentDecodeTest, DecodesAndRejects) {
    EXPECT_EQ(*percent_decode("a%2Fb%3ac", false), "a/b:c");
    EXPECT_EQ(*percent_decode("a+b", false), "a+b");
    EXPECT_EQ(*percent_decode("a+b", true), "a b");
    EXPECT_FALSE(percent_decode("%", false).ok());
    EXPECT_FALSE(percent_decode("%4", false).ok());
    EXPECT_FALSE(percent_decode("%G1", false).ok());
    EXPECT_FALSE(percent_decode("%00", false).ok());
}

// The Host/Origin/Content-Type rules against DNS rebinding and cross-site requests.
class RouterPolicyTest : public testing::ApiFixture {
protected:
    Router make(RequestPolicy policy = {}) {
        return Router(
            {
                {"GET", "/api/v1/health", echo, Access::open},
                {"DELETE", "/api/v1/models/registry/{name}", echo, Access::token},
                {"POST", "/api/v1/models/registry/install", echo, Access::token, Body::json},
                {"POST", "/api/v1/system/llm-servers/{server}/{action}", echo, Access::token},
            },
            std::nullopt, std::move(policy));
    }
    HttpResponse send(const Router& router, const std::string& method, const std::string& target,
                      std::vector<std::pair<std::string, std::string>> headers,
                      std::string body = "") {
        return router.dispatch_and_wait(HttpRequest{method, target, std::move(headers), body},
                                        services_);
    }
    static std::string header(const HttpResponse& r, const std::string& name) {
        for (const auto& [k, v] : r.headers) {
            if (k == name) return v;
        }
        return "";
    }
};

TEST_F(RouterPolicyTest, ForeignHostIs403AndLoopbackOrAddressesAreServed) {
    const Router router = make();
    for (const std::string host : {"evil.example", "evil.example:8000", "attacker.localhost.evil",
                                   "127.0.0.1.evil.example", "bad host"}) {
        auto r = send(router, "GET", "/api/v1/health", {{"Host", host}});
        EXPECT_EQ(r.status, 403) << host;
        EXPECT_EQ(body_of(r)["code"], "host_not_allowed") << host;
    }
    for (const std::string host : {"127.0.0.1:8000", "localhost", "LOCALHOST:1234", "[::1]:8000",
                                   "127.0.0.1", "192.168.1.20:8000", "[fe80::1]"}) {
        EXPECT_EQ(send(router, "GET", "/api/v1/health", {{"Host", host}}).status, 200) << host;
    }
    EXPECT_EQ(send(router, "GET", "/api/v1/health", {}).status, 200);  // no Host at all
}

TEST_F(RouterPolicyTest, ConfiguredHostNamesAreServed) {
    const Router router = make(RequestPolicy{{"venom.lan"}, {}});
    EXPECT_EQ(send(router, "GET", "/api/v1/health", {{"Host", "Venom.LAN:8000"}}).status, 200);
    EXPECT_EQ(send(router, "GET", "/api/v1/health", {{"Host", "other.lan"}}).status, 403);
    const Router any = make(RequestPolicy{{"*"}, {}});
    EXPECT_EQ(send(any, "GET", "/api/v1/health", {{"Host", "other.lan"}}).status, 200);
}

TEST_F(RouterPolicyTest, StateChangingRequestFromAForeignOriginIs403) {
    const Router router = make();
    const std::vector<std::pair<std::string, std::string>> base = {{"Host", "127.0.0.1:8000"}};
    for (const std::string origin :
         {"http://evil.example", "null", "https://127.0.0.1.evil.example", "http://6.6.6.6",
          "file://", "http://localhost@evil.example"}) {
        auto headers = base;
        headers.emplace_back("Origin", origin);
        auto r = send(router, "DELETE", "/api/v1/models/registry/x", headers);
        EXPECT_EQ(r.status, 403) << origin;
        EXPECT_EQ(body_of(r)["code"], "origin_not_allowed") << origin;
        EXPECT_EQ(send(router, "POST", "/api/v1/system/llm-servers/ollama/stop", headers).status,
                  403)
            << origin;
        // Reading is not refused (the browser withholds the answer: no CORS header).
        auto read = send(router, "GET", "/api/v1/health", headers);
        EXPECT_EQ(read.status, 200);
        EXPECT_EQ(header(read, "Access-Control-Allow-Origin"), "");
    }
    for (const std::string origin : {"http://localhost:3000", "http://127.0.0.1:3100",
                                     "http://[::1]:3000", "http://127.0.0.1:8000"}) {
        auto headers = base;
        headers.emplace_back("Origin", origin);
        EXPECT_EQ(send(router, "DELETE", "/api/v1/models/registry/x", headers).status, 200)
            << origin;
    }
    // Same origin as the request's own Host, and no Origin at all (curl).
    EXPECT_EQ(send(router, "DELETE", "/api/v1/models/registry/x",
                   {{"Host", "10.0.0.5:8000"}, {"Origin", "http://10.0.0.5:8000"}})
                  .status,
              200);
    EXPECT_EQ(send(router, "DELETE", "/api/v1/models/registry/x", base).status, 200);
}

TEST_F(RouterPolicyTest, JsonRoutesNeedAJsonContentType) {
    const Router router = make();
    for (const std::string type : {"text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", "", "application/jsonp"}) {
        std::vector<std::pair<std::string, std::string>> headers;
        if (!type.empty()) headers.emplace_back("Content-Type", type);
        auto r = send(router, "POST", "/api/v1/models/registry/install", headers, "{}");
        EXPECT_EQ(r.status, 415) << type;
        EXPECT_EQ(body_of(r)["code"], "unsupported_media_type") << type;
    }
    for (const std::string type : {"application/json", "Application/JSON; charset=utf-8"}) {
        EXPECT_EQ(
            send(router, "POST", "/api/v1/models/registry/install", {{"Content-Type", type}}, "{}")
                .status,
            200)
            << type;
    }
    // Routes without a body do not care.
    EXPECT_EQ(send(router, "POST", "/api/v1/system/llm-servers/ollama/stop", {}).status, 200);
    EXPECT_EQ(send(router, "DELETE", "/api/v1/models/registry/x", {}).status, 200);
}

TEST_F(RouterPolicyTest, NoCorsHeadersUnlessTheOriginIsConfigured) {
    const Router router = make();
    auto r = send(router, "GET", "/api/v1/health", {{"Origin", "http://localhost:3000"}});
    EXPECT_EQ(header(r, "Access-Control-Allow-Origin"), "");
    auto preflight =
        send(router, "OPTIONS", "/api/v1/models/registry/install",
             {{"Origin", "http://panel.lan:3000"}, {"Access-Control-Request-Method", "POST"}});
    EXPECT_EQ(preflight.status, 403);
    EXPECT_EQ(header(preflight, "Access-Control-Allow-Origin"), "");
}

TEST_F(RouterPolicyTest, ConfiguredCorsOriginGetsPreflightAndItsOriginEchoed) {
    const Router router = make(RequestPolicy{{}, {"http://panel.lan:3000"}});
    auto preflight = send(router, "OPTIONS", "/api/v1/models/registry/install",
                          {{"Origin", "http://panel.lan:3000"},
                           {"Access-Control-Request-Method", "POST"},
                           {"Access-Control-Request-Headers", "content-type"}});
    EXPECT_EQ(preflight.status, 204);
    EXPECT_EQ(header(preflight, "Access-Control-Allow-Origin"), "http://panel.lan:3000");
    EXPECT_NE(header(preflight, "Access-Control-Allow-Methods").find("POST"), std::string::npos);
    EXPECT_NE(header(preflight, "Access-Control-Allow-Headers").find("Content-Type"),
              std::string::npos);

    auto post =
        send(router, "POST", "/api/v1/models/registry/install",
             {{"Origin", "http://panel.lan:3000"}, {"Content-Type", "application/json"}}, "{}");
    EXPECT_EQ(post.status, 200);
    EXPECT_EQ(header(post, "Access-Control-Allow-Origin"), "http://panel.lan:3000");
    EXPECT_EQ(header(post, "Vary"), "Origin");

    auto other =
        send(router, "POST", "/api/v1/models/registry/install",
             {{"Origin", "http://other.lan:3000"}, {"Content-Type", "application/json"}}, "{}");
    EXPECT_EQ(other.status, 403);
    EXPECT_EQ(header(other, "Access-Control-Allow-Origin"), "");
}

}  // namespace
}  // namespace venom::api
