// The auth API against a real PostgreSQL schema, through the same dispatch the server uses.
#include "auth_api.hpp"

#include <gtest/gtest.h>

#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"
#include "kx/http/server.hpp"
#include "kx/json/json.hpp"
#include "kx/pg/testing.hpp"
#include "kx/service/runtime.hpp"
#include "users.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

namespace kx::auth {
namespace {

const std::string kSecret = "test-internal-secret-0123456789abcdef";

class AuthApiTest : public ::testing::Test {
 protected:
  AuthApiTest() {
    auto options = schema_.pool_options();
    pool_ = std::make_unique<pg::Pool>(options);
    auto migrations = events::migrations();
    for (auto& m : service::to_migrations(kx_service_migration_files()))
      migrations.push_back(m);
    pg::migrate(*pool_, migrations);
    outbox_ = std::make_unique<events::Outbox>(events::Schemas::embedded(), "auth");
    api_ = std::make_unique<AuthApi>(*pool_, *outbox_, AuthSettings{.cookie_secure = false});
    api_->add_routes(router_);
    server_options_.identity.emplace(kSecret);
  }

  http::Response call(const std::string& method, const std::string& path, const std::string& body,
                      const http::Identity& who = {"", ""}, const std::string& cookie = {}) {
    http::Request req;
    req.method = method;
    req.target = path;
    req.path = path.substr(0, path.find('?'));
    if (path.find('?') != std::string::npos)
      req.query = path.substr(path.find('?') + 1);
    req.body = body;
    req.request_id = "req-1";
    if (!cookie.empty())
      req.headers.set("Cookie", std::string(kSessionCookie) + "=" + cookie);
    server_options_.identity->sign(req.headers, who, method, path, req.request_id);
    return http::dispatch(router_, server_options_, req);
  }

  static std::string token_of(const http::Response& res) {
    auto c = std::string(res.headers.get("Set-Cookie").value_or(""));
    auto start = c.find('=') + 1;
    return c.substr(start, c.find(';') - start);
  }
  static std::string code_of(const http::Response& res) {
    return json::parse(res.body)["error"]["code"].GetString();
  }
  std::int64_t count(const std::string& sql) {
    return pg::transact(*pool_,
                        [&](pqxx::work& tx) { return tx.exec1(sql)[0].as<std::int64_t>(); });
  }

  pg::testing::ScratchSchema schema_{"auth"};
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<events::Outbox> outbox_;
  std::unique_ptr<AuthApi> api_;
  http::Router router_;
  http::ServerOptions server_options_;
  const http::Identity gateway_{"", "service:gateway"};
};

const char* kAnna =
    R"({"email":"Anna@Salon-Beispiel.de","password":"Sonnenblume-7-Fenster","name":"Anna"})";

TEST_F(AuthApiTest, RegisterCreatesUserSessionAndEvent) {
  auto res = call("POST", "/api/auth/register", kAnna);
  ASSERT_EQ(res.status, 201) << res.body;
  auto doc = json::parse(res.body);
  EXPECT_STREQ(doc["user"]["email"].GetString(), "anna@salon-beispiel.de");
  EXPECT_STREQ(doc["user"]["role"].GetString(), "user");
  EXPECT_FALSE(doc["user"].HasMember("password_hash"));
  auto cookie = std::string(res.headers.get("Set-Cookie").value_or(""));
  EXPECT_NE(cookie.find("kx_session="), std::string::npos);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Lax"), std::string::npos);
  // The token is stored only as its hash.
  auto token = token_of(res);
  EXPECT_EQ(count("SELECT count(*) FROM sessions WHERE token_hash = '" + token + "'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM sessions"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'user.registered'"), 1);
  EXPECT_EQ(
      count(
          "SELECT count(*) FROM users WHERE password_hash LIKE '$argon2id$v=19$m=19456,t=2,p=1$%'"),
      1);

  auto resolved =
      call("POST", "/internal/sessions/resolve", R"({"token":")" + token + "\"}", gateway_);
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  auto me_id = std::string(json::parse(resolved.body)["user_id"].GetString());
  auto me = call("GET", "/api/auth/me", "", {me_id, "user"});
  EXPECT_EQ(me.status, 200);
}

TEST_F(AuthApiTest, DuplicateEmailIsConflictAndChangesNothing) {
  ASSERT_EQ(call("POST", "/api/auth/register", kAnna).status, 201);
  auto dup = call("POST", "/api/auth/register",
                  R"({"email":"anna@salon-beispiel.de ","password":"Anderes-Passwort-99"})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(code_of(dup), "email_taken");
  EXPECT_EQ(count("SELECT count(*) FROM users"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM outbox"), 1);
}

TEST_F(AuthApiTest, LoginFailuresLookTheSame) {
  ASSERT_EQ(call("POST", "/api/auth/register", kAnna).status, 201);
  auto wrong = call("POST", "/api/auth/login",
                    R"({"email":"anna@salon-beispiel.de","password":"falsch-falsch"})");
  auto unknown = call("POST", "/api/auth/login",
                      R"({"email":"nobody@salon-beispiel.de","password":"falsch-falsch"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  auto strip_id = [](const std::string& body) {
    auto doc = json::parse(body);
    return std::string(doc["error"]["code"].GetString()) + doc["error"]["message"].GetString();
  };
  EXPECT_EQ(strip_id(wrong.body), strip_id(unknown.body));
  auto ok = call("POST", "/api/auth/login",
                 R"({"email":"ANNA@salon-beispiel.de","password":"Sonnenblume-7-Fenster"})");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(count("SELECT count(*) FROM sessions"), 2);
}

TEST_F(AuthApiTest, LogoutRevokesAndPublishes) {
  auto token = token_of(call("POST", "/api/auth/register", kAnna));
  auto res = call("POST", "/api/auth/logout", "", {}, token);
  EXPECT_EQ(res.status, 200);
  EXPECT_NE(std::string(res.headers.get("Set-Cookie").value_or("")).find("Max-Age=0"),
            std::string::npos);
  EXPECT_EQ(
      call("POST", "/internal/sessions/resolve", R"({"token":")" + token + "\"}", gateway_).status,
      404);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'session.revoked'"), 1);
  // A second logout is harmless.
  EXPECT_EQ(call("POST", "/api/auth/logout", "", {}, token).status, 200);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'session.revoked'"), 1);
}

TEST_F(AuthApiTest, SuspendedUsersCannotLogInOrUseSessions) {
  auto token = token_of(call("POST", "/api/auth/register", kAnna));
  pg::transact(*pool_, [](pqxx::work& tx) { tx.exec("UPDATE users SET status = 'suspended'"); });
  EXPECT_EQ(
      call("POST", "/internal/sessions/resolve", R"({"token":")" + token + "\"}", gateway_).status,
      404);
  auto login = call("POST", "/api/auth/login",
                    R"({"email":"anna@salon-beispiel.de","password":"Sonnenblume-7-Fenster"})");
  EXPECT_EQ(login.status, 403);
}

TEST_F(AuthApiTest, BadInputIsRejectedWithoutWrites) {
  struct Case {
    std::string body;
    int status;
    std::string code;
  };
  for (const auto& c : std::vector<Case>{
           {"{not json", 400, "invalid_json"},
           {"[]", 422, "validation_failed"},
           {R"({"email":"x@y.de"})", 422, "validation_failed"},
           {R"({"email":42,"password":"Sonnenblume-7-Fenster"})", 422, "validation_failed"},
           {R"({"email":"kein-email","password":"Sonnenblume-7-Fenster"})", 422,
            "validation_failed"},
           {R"({"email":"x@y.de","password":"kurz"})", 422, "validation_failed"},
           {R"({"email":"x@y.de","password":"Sonnenblume-7-Fenster","locale":"fr"})", 422,
            "validation_failed"}}) {
    auto res = call("POST", "/api/auth/register", c.body);
    EXPECT_EQ(res.status, c.status) << c.body << " -> " << res.body;
    EXPECT_EQ(code_of(res), c.code) << c.body;
  }
  EXPECT_EQ(count("SELECT count(*) FROM users"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM outbox"), 0);
  auto detail = json::parse(
      call("POST", "/api/auth/register", R"({"email":"x@y.de","password":"kurz"})").body);
  EXPECT_STREQ(detail["error"]["details"][0]["field"].GetString(), "password");
}

TEST_F(AuthApiTest, TextWithANulCharacterIsRefusedNotCutOff) {
  auto res = call("POST", "/api/auth/register",
                  R"({"email":"nul@salon-beispiel.de","password":"Sonnenblume-7-Fenster",)"
                  R"("name":"Anna\u0000Admin"})");
  ASSERT_EQ(res.status, 422) << res.body;
  auto doc = json::parse(res.body);
  EXPECT_STREQ(doc["error"]["details"][0]["field"].GetString(), "name");
  // A key twice is no valid JSON at all.
  auto dup = call("POST", "/api/auth/register",
                  R"({"email":"a@salon-beispiel.de","email":"b@salon-beispiel.de",)"
                  R"("password":"Sonnenblume-7-Fenster"})");
  EXPECT_EQ(dup.status, 400);
  EXPECT_STREQ(json::parse(dup.body)["error"]["code"].GetString(), "invalid_json");
}

TEST_F(AuthApiTest, PruningRemovesExpiredAndLongRevokedSessionsOnly) {
  ASSERT_EQ(call("POST", "/api/auth/register", kAnna).status, 201);
  auto live = token_of(call("POST", "/api/auth/login", kAnna));
  auto expired = token_of(call("POST", "/api/auth/login", kAnna));
  auto revoked_old = token_of(call("POST", "/api/auth/login", kAnna));
  auto revoked_new = token_of(call("POST", "/api/auth/login", kAnna));
  pg::transact(*pool_, [&](pqxx::work& tx) {
    auto hash = [&](const std::string& t) { return tx.quote(crypto::sha256_hex(t)); };
    tx.exec("UPDATE sessions SET expires_at = now() - interval '1 minute' WHERE token_hash = " +
            hash(expired));
    tx.exec("UPDATE sessions SET revoked_at = now() - interval '8 days' WHERE token_hash = " +
            hash(revoked_old));
    tx.exec("UPDATE sessions SET revoked_at = now() - interval '1 day' WHERE token_hash = " +
            hash(revoked_new));
  });
  auto before = count("SELECT count(*) FROM sessions");
  auto pruned =
      pg::transact(*pool_, [](pqxx::work& tx) { return Users::prune_sessions(tx, 1'000); });
  EXPECT_EQ(pruned, 2);
  EXPECT_EQ(count("SELECT count(*) FROM sessions"), before - 2);
  for (const auto& [token, status] : {std::pair{live, 200}, std::pair{expired, 404},
                                      std::pair{revoked_old, 404}, std::pair{revoked_new, 404}}) {
    auto resolved =
        call("POST", "/internal/sessions/resolve", R"({"token":")" + token + R"("})", gateway_);
    EXPECT_EQ(resolved.status, status) << resolved.body;
  }
}

TEST_F(AuthApiTest, ANameOfHundredUmlautsFitsTheHundredCharacterLimit) {
  std::string name;
  for (int i = 0; i < 100; ++i)
    name += "ü";
  auto res = call("POST", "/api/auth/register",
                  R"({"email":"umlaut@salon-beispiel.de","password":"Sonnenblume-7-Fenster",)"
                  R"("name":")" +
                      name + R"("})");
  EXPECT_EQ(res.status, 201) << res.body;
  auto longer = call("POST", "/api/auth/register",
                     R"({"email":"umlaut2@salon-beispiel.de","password":"Sonnenblume-7-Fenster",)"
                     R"("name":")" +
                         name + R"(ü"})");
  EXPECT_EQ(longer.status, 422);
}

}  // namespace
}  // namespace kx::auth
