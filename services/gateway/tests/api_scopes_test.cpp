#include "api_scopes.hpp"

#include <gtest/gtest.h>

#include "api_keys.hpp"

namespace kx::gateway {
namespace {

TEST(ScopeTable, EachScopeOpensItsMethodsUnderItsPrefixOnly) {
  const std::vector<std::string> calls = {"calls:read"};
  EXPECT_TRUE(scope_allows(calls, "GET", "/api/calls"));
  EXPECT_TRUE(scope_allows(calls, "GET", "/api/calls/0194c1d2-aaaa"));
  EXPECT_TRUE(scope_allows(calls, "GET", "/api/calls/export.csv"));
  EXPECT_TRUE(scope_allows(calls, "GET", "/api/escalations/stats"));
  EXPECT_FALSE(scope_allows(calls, "POST", "/api/calls"));
  EXPECT_FALSE(scope_allows(calls, "GET", "/api/callsx"));
  EXPECT_FALSE(scope_allows(calls, "GET", "/api/credits"));
  EXPECT_FALSE(scope_allows(calls, "GET", "/api/admin/calls"));
  EXPECT_FALSE(scope_allows(calls, "HEAD", "/api/calls"));

  const std::vector<std::string> agents = {"agents:write"};
  for (const char* method : {"POST", "PATCH", "PUT", "DELETE"})
    EXPECT_TRUE(scope_allows(agents, method, "/api/agents/1")) << method;
  EXPECT_FALSE(scope_allows(agents, "GET", "/api/agents"));
  EXPECT_FALSE(scope_allows(agents, "POST", "/api/drafts"));

  struct Case {
    const char* scope;
    const char* method;
    const char* path;
  };
  for (const auto& c : std::vector<Case>{{"credits:read", "GET", "/api/credits/transactions.csv"},
                                         {"agents:read", "GET", "/api/agents/drafts/7"},
                                         {"webhooks:read", "GET", "/api/webhooks/endpoints"},
                                         {"webhooks:write", "POST", "/api/webhooks/endpoints"},
                                         {"bookings:read", "GET", "/api/bookings"}}) {
    EXPECT_TRUE(scope_allows({c.scope}, c.method, c.path)) << c.path;
    EXPECT_FALSE(scope_allows({}, c.method, c.path)) << c.path;
  }
}

TEST(ScopeTable, AccountAdminAuthAndOddPathsAreNeverReachable) {
  std::vector<std::string> all;
  for (const auto& rule : scope_table())
    all.push_back(rule.scope);
  for (const char* path :
       {"/api/account/api-keys", "/api/admin/users", "/api/auth/me", "/api/events", "/api/checkout",
        "/api/integrations/google", "/api/calls/../admin/users", "/api/calls/./x", "/api/calls//x",
        "/api/agents/..", "api/calls", ""}) {
    for (const char* method : {"GET", "POST", "DELETE"})
      EXPECT_FALSE(scope_allows(all, method, path)) << method << " " << path;
  }
}

TEST(ApiKeyOf, OnlyBearerCredentialsOnApiPaths) {
  http::Request req;
  req.path = "/api/calls";
  EXPECT_FALSE(api_key_of(req));
  req.headers.set("Authorization", "Bearer kx_abc ");
  EXPECT_EQ(api_key_of(req), "kx_abc");
  req.headers.set("Authorization", "bearer kx_abc");
  EXPECT_EQ(api_key_of(req), "kx_abc");
  req.headers.set("Authorization", "Basic a2V5");
  EXPECT_FALSE(api_key_of(req));
  // Vapi authenticates its webhooks with a bearer secret of its own.
  req.path = "/webhooks/vapi";
  req.headers.set("Authorization", "Bearer vapi-secret");
  EXPECT_FALSE(api_key_of(req));
}

TEST(ApiKeyCache, ExpiresAndDropsByOwner) {
  ApiKeyCache cache(std::chrono::milliseconds(5000));
  auto t0 = ApiKeyCache::Clock::now();
  cache.put("h1", {{"u1", "user"}, "k1", {"calls:read"}}, t0);
  cache.put("h2", {{"u2", "user"}, "k2", {}}, t0);
  cache.put("h3", {}, t0);  // an invalid key is remembered too
  EXPECT_EQ(cache.get("h1", t0)->scopes, std::vector<std::string>{"calls:read"});
  EXPECT_TRUE(cache.get("h3", t0)->identity.user_id.empty());
  EXPECT_FALSE(cache.get("h1", t0 + std::chrono::milliseconds(5000)));
  cache.drop_user("u2");
  EXPECT_FALSE(cache.get("h2", t0));
}

}  // namespace
}  // namespace kx::gateway
