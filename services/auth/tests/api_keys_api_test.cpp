// API keys against a real PostgreSQL schema, through the same dispatch the server uses.
#include "api_keys_api.hpp"

#include <gtest/gtest.h>

#include "api_keys.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/http/server.hpp"
#include "kx/json/json.hpp"
#include "kx/pg/testing.hpp"
#include "kx/service/runtime.hpp"
#include "users.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

namespace kx::auth {
namespace {

class ApiKeysApiTest : public ::testing::Test {
 protected:
  ApiKeysApiTest() : pool_(schema_.pool_options()), api_(pool_) {
    pg::migrate(pool_, service::to_migrations(kx_service_migration_files()));
    api_.add_routes(router_);
    options_.identity.emplace("api-keys-test-secret-0123456789abcdef");
    anna_ = owner("anna@salon-beispiel.de");
    ben_ = owner("ben@praxis-beispiel.de");
  }

  std::string owner(const std::string& email) {
    return pg::transact(
        pool_, [&](pqxx::work& tx) { return Users::insert(tx, email, "", "x", "user", "de")->id; });
  }

  http::Response call(const std::string& method, const std::string& path, const std::string& body,
                      const std::string& user_id) {
    http::Request req;
    req.method = method;
    req.target = req.path = path;
    req.body = body;
    req.request_id = "req-1";
    http::Identity who =
        user_id.empty() ? http::Identity{"", "service:gateway"} : http::Identity{user_id, "user"};
    options_.identity->sign(req.headers, who, method, path, req.request_id);
    return http::dispatch(router_, options_, req);
  }

  http::Response resolve(const std::string& secret) {
    return call("POST", "/internal/api-keys/resolve", R"({"key":")" + secret + "\"}", "");
  }

  // Creates a key of `user_id`; returns the answer's document.
  json::Document create(const std::string& user_id, const std::string& body) {
    auto res = call("POST", "/api/account/api-keys", body, user_id);
    EXPECT_EQ(res.status, 201) << res.body;
    return json::parse(res.body);
  }

  void sql(const std::string& statement) {
    pg::transact(pool_, [&](pqxx::work& tx) { tx.exec(statement); });
  }

  pg::testing::ScratchSchema schema_{"auth_keys"};
  pg::Pool pool_;
  ApiKeysApi api_;
  http::Router router_;
  http::ServerOptions options_;
  std::string anna_;
  std::string ben_;
};

TEST_F(ApiKeysApiTest, SecretIsShownOnceAndStoredOnlyAsItsHash) {
  auto doc = create(anna_, R"({"name":"CRM","scopes":["calls:read","credits:read","calls:read"]})");
  std::string secret = doc["secret"].GetString();
  EXPECT_EQ(secret.rfind("kx_", 0), 0u);
  EXPECT_EQ(secret.size(), 46u);
  const auto& key = doc["key"];
  EXPECT_EQ(std::string(key["prefix"].GetString()), secret.substr(0, 11));
  ASSERT_EQ(key["scopes"].Size(), 2u);
  EXPECT_TRUE(key["last_used_at"].IsNull());
  EXPECT_TRUE(key["revoked_at"].IsNull());

  auto list = call("GET", "/api/account/api-keys", "", anna_);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find(secret), std::string::npos);
  EXPECT_EQ(list.body.find(crypto::sha256_hex(secret)), std::string::npos);
  EXPECT_EQ(json::parse(list.body)["items"].Size(), 1u);
  auto stored = pg::transact(pool_, [&](pqxx::work& tx) {
    return tx.exec1("SELECT secret_hash FROM api_keys")[0].as<std::string>();
  });
  EXPECT_EQ(stored, crypto::sha256_hex(secret));
}

TEST_F(ApiKeysApiTest, ResolveGivesOwnerAndScopesAndRecordsUseOnceAMinute) {
  std::string secret =
      create(anna_, R"({"name":"CRM","scopes":["calls:read"]})")["secret"].GetString();
  auto res = resolve(secret);
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = json::parse(res.body);
  EXPECT_EQ(std::string(doc["user_id"].GetString()), anna_);
  EXPECT_EQ(std::string(doc["role"].GetString()), "user");
  ASSERT_EQ(doc["scopes"].Size(), 1u);
  EXPECT_EQ(std::string(doc["scopes"][0].GetString()), "calls:read");

  sql("UPDATE api_keys SET last_used_at = '2026-01-01T00:00:00Z'");
  ASSERT_EQ(resolve(secret).status, 200);
  auto first = json::parse(call("GET", "/api/account/api-keys", "", anna_).body);
  std::string used = first["items"][0]["last_used_at"].GetString();
  EXPECT_NE(used, "2026-01-01T00:00:00.000Z");
  ASSERT_EQ(resolve(secret).status, 200);
  auto second = json::parse(call("GET", "/api/account/api-keys", "", anna_).body);
  EXPECT_EQ(std::string(second["items"][0]["last_used_at"].GetString()), used);

  EXPECT_EQ(resolve("kx_unknown").status, 404);
  EXPECT_EQ(resolve(secret + "x").status, 404);
}

TEST_F(ApiKeysApiTest, RevokedKeysAndInactiveOwnersDoNotResolve) {
  auto doc = create(anna_, R"({"name":"CRM","scopes":["calls:read"]})");
  std::string secret = doc["secret"].GetString();
  std::string id = doc["key"]["id"].GetString();
  // Another owner cannot see or revoke it.
  EXPECT_EQ(call("DELETE", "/api/account/api-keys/" + id, "", ben_).status, 404);
  EXPECT_EQ(json::parse(call("GET", "/api/account/api-keys", "", ben_).body)["items"].Size(), 0u);
  EXPECT_EQ(call("DELETE", "/api/account/api-keys/not-a-key", "", anna_).status, 404);

  sql("UPDATE users SET status = 'suspended'");
  EXPECT_EQ(resolve(secret).status, 404);
  sql("UPDATE users SET status = 'active'");
  EXPECT_EQ(resolve(secret).status, 200);

  EXPECT_EQ(call("DELETE", "/api/account/api-keys/" + id, "", anna_).status, 204);
  EXPECT_EQ(resolve(secret).status, 404);
  // Revoking again changes nothing; the list still shows the key, revoked.
  EXPECT_EQ(call("DELETE", "/api/account/api-keys/" + id, "", anna_).status, 204);
  auto list = json::parse(call("GET", "/api/account/api-keys", "", anna_).body);
  EXPECT_TRUE(list["items"][0]["revoked_at"].IsString());

  // Deleting the owner deletes the keys.
  sql("DELETE FROM users WHERE id = '" + anna_ + "'");
  EXPECT_EQ(pg::transact(pool_,
                         [](pqxx::work& tx) {
                           return tx.exec1("SELECT count(*) FROM api_keys")[0].as<int>();
                         }),
            0);
}

TEST_F(ApiKeysApiTest, BadInputIsRefusedInTheErrorFormat) {
  struct Case {
    std::string body;
    int status;
    std::string field;
  };
  for (const auto& c : std::vector<Case>{
           {"{\"name\":", 400, ""},
           {R"({"scopes":["calls:read"]})", 422, "name"},
           {R"({"name":"  ","scopes":["calls:read"]})", 422, "name"},
           {R"({"name":")" + std::string(61, 'x') + R"(","scopes":["calls:read"]})", 422, "name"},
           {R"({"name":"CRM"})", 422, "scopes"},
           {R"({"name":"CRM","scopes":[]})", 422, "scopes"},
           {R"({"name":"CRM","scopes":["calls:write"]})", 422, "scopes[0]"},
           {R"({"name":"CRM","scopes":[7]})", 422, "scopes[0]"},
           {R"({"name":"CRM","scopes":["calls:read"],"admin":true})", 422, "admin"},
       }) {
    auto res = call("POST", "/api/account/api-keys", c.body, anna_);
    EXPECT_EQ(res.status, c.status) << c.body;
    auto doc = json::parse(res.body);
    if (!c.field.empty()) {
      EXPECT_EQ(std::string(doc["error"]["details"][0]["field"].GetString()), c.field) << c.body;
    }
  }
  // 60 characters (not bytes) fit.
  std::string umlauts;
  for (int i = 0; i < 60; ++i)
    umlauts += "ü";
  create(anna_, R"({"name":")" + umlauts + R"(","scopes":["bookings:read"]})");
}

TEST_F(ApiKeysApiTest, AtMostTwentyLiveKeysPerOwner) {
  std::string last_id;
  for (int i = 0; i < kMaxLiveApiKeys; ++i)
    last_id = create(anna_, R"({"name":"k","scopes":["calls:read"]})")["key"]["id"].GetString();
  auto refused =
      call("POST", "/api/account/api-keys", R"({"name":"k","scopes":["calls:read"]})", anna_);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(std::string(json::parse(refused.body)["error"]["code"].GetString()), "limit_reached");
  // Other owners are not affected, and a revoked key frees its place.
  create(ben_, R"({"name":"k","scopes":["calls:read"]})");
  ASSERT_EQ(call("DELETE", "/api/account/api-keys/" + last_id, "", anna_).status, 204);
  create(anna_, R"({"name":"k","scopes":["calls:read"]})");
}

TEST_F(ApiKeysApiTest, OnlyTheGatewayResolvesAndOnlyOwnersManage) {
  EXPECT_EQ(call("GET", "/api/account/api-keys", "", "").status, 401);
  auto as_user = call("POST", "/internal/api-keys/resolve", R"({"key":"kx_x"})", anna_);
  EXPECT_EQ(as_user.status, 403);
}

}  // namespace
}  // namespace kx::auth
