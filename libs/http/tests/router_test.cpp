#include "kx/http/router.hpp"

#include <gtest/gtest.h>

#include "kx/http/error.hpp"
#include "kx/http/server.hpp"
#include "kx/json/json.hpp"

namespace kx::http {
namespace {

Response ok(Request&) {
  return Response::json(200, "{}");
}

TEST(Router, MatchesLiteralsParamsAndPrefixes) {
  Router r;
  r.add("GET", "/api/calls", ok);
  r.add("GET", "/api/calls/{id}", ok);
  r.add("*", "/api/auth/*", ok);
  auto m = r.match("GET", "/api/calls/c_42");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/calls/{id}");
  EXPECT_EQ(m.params["id"], "c_42");
  m = r.match("DELETE", "/api/auth/sessions/1");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params["*"], "/sessions/1");
  EXPECT_NE(r.match("GET", "/api/calls/").route, nullptr);  // trailing slash is the list
  EXPECT_EQ(r.match("GET", "/api/calls/a/b").route, nullptr);
  EXPECT_EQ(r.match("GET", "/api").route, nullptr);
}

TEST(Router, WrapDecoratesEveryHandler) {
  Router r;
  r.add("GET", "/a", [](Request&) -> Response { throw std::runtime_error("db gone"); });
  r.wrap([](Handler inner) -> Handler {
    return [inner](Request& q) {
      try {
        return inner(q);
      } catch (const std::runtime_error&) {
        throw Error::unavailable();
      }
    };
  });
  Request q;
  EXPECT_THROW(r.match("GET", "/a").route->handler(q), Error);
}

TEST(Router, ReportsAllowedMethodsForKnownPaths) {
  Router r;
  r.add("GET", "/x", ok);
  r.add("POST", "/x", ok);
  auto m = r.match("DELETE", "/x");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_NE(r.match("HEAD", "/x").route, nullptr);
}

Request make(std::string method, std::string path) {
  Request req;
  req.method = std::move(method);
  req.path = path;
  req.target = path;
  req.request_id = "rid-1";
  return req;
}

TEST(Dispatch, MapsErrorsToTheOneFormat) {
  Router r;
  r.add("GET", "/teapot", [](Request&) -> Response { throw Error::conflict("schon da"); },
        {.access = Access::open});
  r.add("POST", "/json",
        [](Request& q) -> Response {
          parse_body(q.body);
          return Response::json(200, "{}");
        },
        {.access = Access::open});
  r.add("GET", "/boom", [](Request&) -> Response { throw std::runtime_error("SELECT secret"); },
        {.access = Access::open});
  ServerOptions o;
  struct Case {
    std::string method, path;
    int status;
    std::string code;
  };
  for (const auto& c : std::vector<Case>{{"GET", "/teapot", 409, "conflict"},
                                         {"POST", "/json", 400, "invalid_json"},
                                         {"GET", "/boom", 500, "internal_error"},
                                         {"GET", "/nope", 404, "not_found"},
                                         {"PUT", "/teapot", 405, "method_not_allowed"}}) {
    auto req = make(c.method, c.path);
    req.body = "{oops";
    auto res = dispatch(r, o, req);
    EXPECT_EQ(res.status, c.status) << c.path;
    auto doc = json::parse(res.body);
    EXPECT_EQ(std::string(doc["error"]["code"].GetString()), c.code);
    EXPECT_EQ(std::string(doc["error"]["request_id"].GetString()), "rid-1");
    EXPECT_EQ(res.body.find("SELECT"), std::string::npos);
    EXPECT_EQ(res.headers.get("X-Request-Id").value_or(""), "rid-1");
  }
  auto req = make("PUT", "/teapot");
  EXPECT_EQ(dispatch(r, o, req).headers.get("Allow").value_or(""), "GET");
}

TEST(Dispatch, EnforcesSignedIdentityAndAccessLevels) {
  Router r;
  r.add("GET", "/me",
        [](Request& q) { return Response::json(200, "\"" + q.identity.user_id + "\""); });
  r.add("GET", "/admin", ok, {.access = Access::admin});
  r.add("POST", "/internal", ok, {.access = Access::service});
  ServerOptions o;
  o.identity.emplace("0123456789abcdef0123456789abcdef");
  IdentitySigner forger("another-secret-another-secret-xx");

  auto call = [&](const std::string& method, const std::string& path, const Identity* id,
                  const IdentitySigner* signer) {
    auto req = make(method, path);
    if (id)
      signer->sign(req.headers, *id, method, path, req.request_id);
    return dispatch(r, o, req).status;
  };
  Identity user{"u1", "user"}, admin{"a1", "admin"}, svc{"", "service:telephony-webhook"};
  EXPECT_EQ(call("GET", "/me", nullptr, nullptr), 401);
  EXPECT_EQ(call("GET", "/me", &user, &forger), 401);
  EXPECT_EQ(call("GET", "/me", &user, &*o.identity), 200);
  EXPECT_EQ(call("GET", "/admin", &user, &*o.identity), 403);
  EXPECT_EQ(call("GET", "/admin", &admin, &*o.identity), 200);
  EXPECT_EQ(call("POST", "/internal", &user, &*o.identity), 403);
  EXPECT_EQ(call("POST", "/internal", &svc, &*o.identity), 200);

  // A signature is bound to the method and target it was made for.
  auto req = make("GET", "/admin");
  o.identity->sign(req.headers, admin, "GET", "/me", req.request_id);
  EXPECT_EQ(dispatch(r, o, req).status, 401);
}

}  // namespace
}  // namespace kx::http
