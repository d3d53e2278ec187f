// Accounts against a real PostgreSQL schema, through the same dispatch the server uses:
// verification, reset, change password, profile, sessions, throttling, status, deletion, export
// and the admin users API.
#include <gtest/gtest.h>

#include <mutex>

#include "accounts_api.hpp"
#include "admin_users_api.hpp"
#include "auth_api.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"
#include "kx/http/server.hpp"
#include "kx/json/json.hpp"
#include "kx/pg/testing.hpp"
#include "kx/service/runtime.hpp"
#include "service_exports.hpp"
#include "users.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

namespace kx::auth {
namespace {

const std::string kSecret = "test-internal-secret-0123456789abcdef";
const std::string kPassword = "Sonnenblume-7-Fenster";

/// Keeps the mails instead of sending them.
class RecordingMailer final : public LinkMailer {
 public:
  void send(const LinkMail& mail, const std::string&) const override {
    std::lock_guard lock(mutex_);
    if (failing)
      throw std::runtime_error("mail service down");
    sent_.push_back(mail);
  }
  std::vector<LinkMail> sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }
  /// The token of the newest mail's link.
  std::string last_token() const {
    auto all = sent();
    if (all.empty())
      return "";
    const auto& link = all.back().link;
    return link.substr(link.find("token=") + 6);
  }
  bool failing = false;

 private:
  mutable std::mutex mutex_;
  mutable std::vector<LinkMail> sent_;
};

/// Stands in for the four services' export endpoints; checks auth's signature.
class FakeServices {
 public:
  explicit FakeServices(const http::IdentitySigner& signer) {
    router_.add("GET", "/{service}/internal/users/{id}/export",
                [this, &signer](http::Request& req) {
                  auto target = "/internal/users/" + req.param("id") + "/export";
                  auto who = signer.verify(req.headers, "GET", target, req.request_id);
                  if (!who || who->role != "service:auth")
                    return http::Response::json(401, "{}");
                  if (req.param("service") == failing)
                    return http::Response::json(500, "{}");
                  json::Writer w;
                  w.begin_object()
                      .field("service", req.param("service"))
                      .key("data")
                      .begin_object()
                      .field("owner", req.param("id"))
                      .end_object()
                      .end_object();
                  return http::Response::json(200, w.str());
                },
                {.max_body = 0, .access = http::Access::open});
    server_ = std::make_unique<http::Server>(http::ServerOptions{.service_name = "fake"}, router_);
    base_ = "http://127.0.0.1:" + std::to_string(server_->start());
  }
  ~FakeServices() {
    server_->stop();
    server_->wait();
  }
  std::map<std::string, std::vector<std::string>> urls() const {
    return {{"agent", {base_ + "/agent"}},
            {"telephony-webhook", {base_ + "/telephony-webhook"}},
            {"billing", {base_ + "/billing"}},
            {"integrations", {base_ + "/integrations"}}};
  }
  std::string failing;

 private:
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::string base_;
};

AuthSettings test_settings() {
  AuthSettings s;
  s.cookie_secure = false;
  s.public_origin = "https://app.kametrix.test";
  s.throttle.login_account_ip.limit = 3;
  s.throttle.login_ip.limit = 8;
  s.throttle.requests_ip.limit = 50;
  s.throttle.mails_account.limit = 3;
  return s;
}

class AccountsTest : public ::testing::Test {
 protected:
  AccountsTest() : signer_(kSecret), fakes_(signer_) {
    pool_ = std::make_unique<pg::Pool>(schema_.pool_options());
    auto migrations = events::migrations();
    for (auto& m : service::to_migrations(kx_service_migration_files()))
      migrations.push_back(m);
    pg::migrate(*pool_, migrations);
    outbox_ = std::make_unique<events::Outbox>(events::Schemas::embedded(), "auth");
    exports_ = std::make_unique<ServiceExports>(fakes_.urls(), signer_);
    auth_ = std::make_unique<AuthApi>(*pool_, *outbox_, test_settings(), &mailer_);
    accounts_ =
        std::make_unique<AccountsApi>(*pool_, *outbox_, test_settings(), mailer_, *exports_);
    admin_ = std::make_unique<AdminUsersApi>(*pool_, *outbox_, test_settings(), mailer_);
    auth_->add_routes(router_);
    accounts_->add_routes(router_);
    admin_->add_routes(router_);
    options_.identity.emplace(kSecret);
  }

  /// One request as the gateway would forward it, from client address `ip`.
  http::Response call(const std::string& method, const std::string& path,
                      const std::string& body = "", const http::Identity& who = {"", ""},
                      const std::string& token = {}, const std::string& ip = "203.0.113.7") {
    http::Request req;
    req.method = method;
    req.target = path;
    req.path = path.substr(0, path.find('?'));
    if (path.find('?') != std::string::npos)
      req.query = path.substr(path.find('?') + 1);
    req.body = body;
    req.request_id = "req-" + crypto::random_token(6);
    req.headers.set("X-Forwarded-For", ip);
    if (!token.empty())
      req.headers.set("Cookie", std::string(kSessionCookie) + "=" + token);
    options_.identity->sign(req.headers, who, method, path, req.request_id);
    return http::dispatch(router_, options_, req);
  }

  struct Owner {
    std::string id;
    std::string email;
    std::string token;
    http::Identity who() const { return {id, "user"}; }
  };
  Owner sign_up(const std::string& local) {
    auto email = local + "@salon-beispiel.de";
    auto res = call("POST", "/api/auth/register",
                    R"({"email":")" + email + R"(","password":")" + kPassword + R"("})");
    EXPECT_EQ(res.status, 201) << res.body;
    return {json::parse(res.body)["user"]["id"].GetString(), email, cookie_token(res)};
  }
  http::Response login(const std::string& email, const std::string& password,
                       const std::string& ip = "203.0.113.7") {
    return call("POST", "/api/auth/login",
                R"({"email":")" + email + R"(","password":")" + password + R"("})", {}, {}, ip);
  }
  int resolve(const std::string& token) {
    return call("POST", "/internal/sessions/resolve", R"({"token":")" + token + R"("})",
                {"", "service:gateway"})
        .status;
  }
  static std::string cookie_token(const http::Response& res) {
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
  void exec(const std::string& sql) {
    pg::transact(*pool_, [&](pqxx::work& tx) { tx.exec(sql); });
  }

  pg::testing::ScratchSchema schema_{"auth"};
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<events::Outbox> outbox_;
  http::IdentitySigner signer_;
  FakeServices fakes_;
  RecordingMailer mailer_;
  std::unique_ptr<ServiceExports> exports_;
  std::unique_ptr<AuthApi> auth_;
  std::unique_ptr<AccountsApi> accounts_;
  std::unique_ptr<AdminUsersApi> admin_;
  http::Router router_;
  http::ServerOptions options_;
  const http::Identity admin_who_{"admin-1", "admin"};
};

TEST_F(AccountsTest, VerificationLinkWorksOnceAndOnlyItsHashIsStored) {
  auto anna = sign_up("anna");
  auto mails = mailer_.sent();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].kind, "verify_email");
  EXPECT_EQ(mails[0].email, anna.email);
  EXPECT_EQ(mails[0].link.rfind("https://app.kametrix.test/verify-email?token=", 0), 0u);
  auto token = mailer_.last_token();
  EXPECT_EQ(count("SELECT count(*) FROM account_tokens WHERE token_hash = '" + token + "'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM account_tokens WHERE expires_at BETWEEN now() + "
                  "interval '23 hours 59 minutes' AND now() + interval '24 hours 1 minute'"),
            1);
  auto me = call("GET", "/api/account/profile", "", anna.who());
  EXPECT_FALSE(json::parse(me.body)["user"]["email_verified"].GetBool());

  auto ok = call("POST", "/api/auth/verify", R"({"token":")" + token + R"("})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(json::parse(ok.body)["user"]["email_verified"].GetBool());
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'user.updated'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM security_events WHERE kind = 'email_verified'"), 1);

  auto again = call("POST", "/api/auth/verify", R"({"token":")" + token + R"("})");
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(code_of(again), "invalid_token");
  EXPECT_EQ(json::parse(again.body)["error"]["message"].GetString(),
            std::string("Der Link ist ungültig oder abgelaufen."));
  auto forged = call("POST", "/api/auth/verify", R"({"token":")" + token.substr(0, 42) + R"(x"})");
  EXPECT_EQ(code_of(forged), "invalid_token");
  EXPECT_EQ(code_of(call("POST", "/api/auth/verify/resend", "", anna.who())), "already_verified");
}

TEST_F(AccountsTest, AnExpiredOrSupersededVerificationLinkIsRefused) {
  auto bernd = sign_up("bernd");
  auto first = mailer_.last_token();
  ASSERT_EQ(call("POST", "/api/auth/verify/resend", "", bernd.who()).status, 202);
  auto second = mailer_.last_token();
  EXPECT_NE(first, second);
  EXPECT_EQ(call("POST", "/api/auth/verify", R"({"token":")" + first + R"("})").status, 400);
  exec("UPDATE account_tokens SET expires_at = now() - interval '1 second'");
  EXPECT_EQ(call("POST", "/api/auth/verify", R"({"token":")" + second + R"("})").status, 400);
  // Resends per account are limited (3 here: sign-up's mail is not counted, two more are).
  EXPECT_EQ(call("POST", "/api/auth/verify/resend", "", bernd.who()).status, 202);
  EXPECT_EQ(call("POST", "/api/auth/verify/resend", "", bernd.who()).status, 202);
  auto limited = call("POST", "/api/auth/verify/resend", "", bernd.who());
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(code_of(limited), "rate_limited");
  EXPECT_GT(std::stoi(std::string(limited.headers.get("Retry-After").value_or("0"))), 0);
}

TEST_F(AccountsTest, ResetFromTheMailLinkEndsEverySessionAndWorksOnce) {
  auto clara = sign_up("clara");
  auto second = cookie_token(login(clara.email, kPassword));
  auto unknown =
      call("POST", "/api/auth/password/forgot", R"({"email":"nobody@salon-beispiel.de"})");
  auto known = call("POST", "/api/auth/password/forgot", R"({"email":"CLARA@salon-beispiel.de"})");
  EXPECT_EQ(unknown.status, 202);
  EXPECT_EQ(known.status, 202);
  EXPECT_EQ(unknown.body, known.body);
  ASSERT_EQ(mailer_.sent().back().kind, "password_reset");
  EXPECT_EQ(mailer_.sent().size(), 2u);  // verification + reset, nothing for the unknown one
  auto token = mailer_.last_token();
  EXPECT_EQ(count("SELECT count(*) FROM account_tokens WHERE purpose = 'password_reset' AND "
                  "expires_at < now() + interval '61 minutes'"),
            1);

  auto weak =
      call("POST", "/api/auth/password/reset", R"({"token":")" + token + R"(","password":"kurz"})");
  EXPECT_EQ(weak.status, 422);
  auto ok = call("POST", "/api/auth/password/reset",
                 R"({"token":")" + token + R"(","password":"Neues-Passwort-2026"})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(resolve(clara.token), 404);
  EXPECT_EQ(resolve(second), 404);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'session.revoked'"), 2);
  auto reuse = call("POST", "/api/auth/password/reset",
                    R"({"token":")" + token + R"(","password":"Noch-ein-Passwort-3"})");
  EXPECT_EQ(code_of(reuse), "invalid_token");
  EXPECT_EQ(login(clara.email, kPassword).status, 401);
  EXPECT_EQ(login(clara.email, "Neues-Passwort-2026").status, 200);
}

TEST_F(AccountsTest, ChangingThePasswordEndsOtherSessionsOnly) {
  auto dora = sign_up("dora");
  auto other = cookie_token(login(dora.email, kPassword));
  auto wrong = call("POST", "/api/auth/password/change",
                    R"({"current_password":"falsch-falsch","new_password":"Neues-Passwort-2026"})",
                    dora.who(), dora.token);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(code_of(wrong), "invalid_credentials");
  auto ok =
      call("POST", "/api/auth/password/change",
           R"({"current_password":")" + kPassword + R"(","new_password":"Neues-Passwort-2026"})",
           dora.who(), dora.token);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(resolve(dora.token), 200);
  EXPECT_EQ(resolve(other), 404);
  EXPECT_EQ(count("SELECT count(*) FROM security_events WHERE kind = 'password_changed'"), 1);
}

TEST_F(AccountsTest, ProfileChangesAreValidatedAndPublished) {
  auto emil = sign_up("emil");
  auto ok =
      call("PATCH", "/api/account/profile",
           R"({"name":"Emil Weiß","locale":"en","time_zone":"America/New_York"})", emil.who());
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto user = json::parse(ok.body);
  EXPECT_STREQ(user["user"]["time_zone"].GetString(), "America/New_York");
  EXPECT_STREQ(user["user"]["locale"].GetString(), "en");
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'user.updated' AND "
                  "data LIKE '%America/New_York%'"),
            1);
  for (const char* body : {R"({"time_zone":"Mars/Olympus"})", R"({"time_zone":"localtime"})",
                           R"({"locale":"fr"})", R"({"email":"x@y.de"})"}) {
    auto bad = call("PATCH", "/api/account/profile", body, emil.who());
    EXPECT_EQ(bad.status, 422) << body;
  }
}

TEST_F(AccountsTest, OwnersListAndRevokeOnlyTheirOwnSessions) {
  auto fritz = sign_up("fritz");
  auto greta = sign_up("greta");
  login(fritz.email, kPassword);
  auto list = call("GET", "/api/account/sessions", "", fritz.who(), fritz.token);
  ASSERT_EQ(list.status, 200);
  auto items = json::parse(list.body);
  ASSERT_EQ(items["items"].Size(), 2u);
  int current = 0;
  std::string other_id;
  for (const auto& s : items["items"].GetArray()) {
    current += s["current"].GetBool() ? 1 : 0;
    if (!s["current"].GetBool())
      other_id = s["id"].GetString();
    EXPECT_STREQ(s["ip"].GetString(), "203.0.113.7");
  }
  EXPECT_EQ(current, 1);
  auto greta_sessions = json::parse(call("GET", "/api/account/sessions", "", greta.who()).body);
  std::string greta_id = greta_sessions["items"][0]["id"].GetString();
  EXPECT_EQ(call("DELETE", "/api/account/sessions/" + greta_id, "", fritz.who()).status, 404);
  EXPECT_EQ(resolve(greta.token), 200);
  EXPECT_EQ(call("DELETE", "/api/account/sessions/" + other_id, "", fritz.who()).status, 204);
  EXPECT_EQ(call("DELETE", "/api/account/sessions/" + other_id, "", fritz.who()).status, 404);
  EXPECT_EQ(json::parse(call("GET", "/api/account/sessions", "", fritz.who()).body)["items"].Size(),
            1u);
}

TEST_F(AccountsTest, SessionsRenewWhileUsedUpToTheirAbsoluteEnd) {
  auto hanna = sign_up("hanna");
  // Idle for two minutes, about to expire: a use renews it by the idle time.
  exec(
      "UPDATE sessions SET last_seen_at = now() - interval '2 minutes', "
      "expires_at = now() + interval '1 minute'");
  EXPECT_EQ(resolve(hanna.token), 200);
  EXPECT_EQ(count("SELECT count(*) FROM sessions WHERE expires_at > now() + interval '71 hours'"),
            1);
  // Used a moment ago: no write.
  exec("UPDATE sessions SET expires_at = now() + interval '5 minutes'");
  EXPECT_EQ(resolve(hanna.token), 200);
  EXPECT_EQ(count("SELECT count(*) FROM sessions WHERE expires_at < now() + interval '6 minutes'"),
            1);
  // Never beyond the absolute end.
  exec(
      "UPDATE sessions SET last_seen_at = now() - interval '2 minutes', "
      "absolute_expires_at = now() + interval '10 minutes'");
  EXPECT_EQ(resolve(hanna.token), 200);
  EXPECT_EQ(count("SELECT count(*) FROM sessions WHERE expires_at = absolute_expires_at"), 1);
  // Idle too long: gone.
  exec("UPDATE sessions SET expires_at = now() - interval '1 second'");
  EXPECT_EQ(resolve(hanna.token), 404);
}

TEST_F(AccountsTest, WrongPasswordsThrottleOnlyThatAddressForThatAccount) {
  auto ida = sign_up("ida");
  auto jan = sign_up("jan");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(login(ida.email, "falsch-falsch", "198.51.100.1").status, 401);
  for (int i = 0; i < 20; ++i) {
    auto refused = login(ida.email, i == 0 ? kPassword : "falsch-falsch", "198.51.100.1");
    ASSERT_EQ(refused.status, 429) << refused.body;
    EXPECT_EQ(code_of(refused), "rate_limited");
    EXPECT_GT(std::stoi(std::string(refused.headers.get("Retry-After").value_or("0"))), 0);
  }
  // The right password from another address, and another account from the same one, work.
  EXPECT_EQ(login(ida.email, kPassword, "198.51.100.2").status, 200);
  EXPECT_EQ(login(jan.email, kPassword, "198.51.100.1").status, 200);
  // Spraying many accounts from one address blocks that address after the per-IP limit (8).
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(login("spray" + std::to_string(i) + "@salon-beispiel.de", "x", "198.51.100.9").status,
              401);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(login(jan.email, "falsch-falsch", "198.51.100.9").status, 401);
  EXPECT_EQ(login(jan.email, kPassword, "198.51.100.9").status, 429);
  EXPECT_EQ(login(jan.email, kPassword, "198.51.100.10").status, 200);
  EXPECT_GE(count("SELECT count(*) FROM security_events WHERE kind = 'throttled'"), 20);
  EXPECT_EQ(count("SELECT count(*) FROM security_events WHERE kind = 'login_failed'"), 11);
}

TEST_F(AccountsTest, SuspensionEndsSessionsPublishesAndRefusesLogin) {
  auto karl = sign_up("karl");
  auto res = call("PATCH", "/api/admin/users/" + karl.id, R"({"status":"suspended"})", admin_who_);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_STREQ(json::parse(res.body)["user"]["status"].GetString(), "suspended");
  EXPECT_EQ(resolve(karl.token), 404);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'user.status_changed'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'session.revoked' AND "
                  "data::jsonb->>'reason' = 'status_changed'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'admin.action' AND "
                  "data::jsonb->'before'->>'status' = 'active' AND "
                  "data::jsonb->'after'->>'status' = 'suspended'"),
            1);
  auto refused = login(karl.email, kPassword);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(code_of(refused), "account_suspended");
  call("PATCH", "/api/admin/users/" + karl.id, R"({"status":"inactive"})", admin_who_);
  EXPECT_EQ(code_of(login(karl.email, kPassword)), "account_inactive");
  // A wrong password tells nothing about the status.
  EXPECT_EQ(code_of(login(karl.email, "falsch-falsch")), "invalid_credentials");
  call("PATCH", "/api/admin/users/" + karl.id, R"({"status":"active"})", admin_who_);
  EXPECT_EQ(login(karl.email, kPassword).status, 200);
}

TEST_F(AccountsTest, AdminsCannotSuspendDemoteOrDeleteThemselves) {
  auto lena = sign_up("lena");
  exec("UPDATE users SET role = 'admin'");
  http::Identity self{lena.id, "admin"};
  EXPECT_EQ(
      code_of(call("PATCH", "/api/admin/users/" + lena.id, R"({"status":"suspended"})", self)),
      "self_change");
  EXPECT_EQ(code_of(call("PATCH", "/api/admin/users/" + lena.id, R"({"role":"user"})", self)),
            "self_change");
  EXPECT_EQ(code_of(call("DELETE", "/api/admin/users/" + lena.id, "", self)), "self_change");
  EXPECT_EQ(code_of(call("POST", "/api/admin/users/bulk-status",
                         R"({"user_ids":[")" + lena.id + R"("],"status":"inactive"})", self)),
            "self_change");
  EXPECT_EQ(call("PATCH", "/api/admin/users/" + lena.id, R"({"name":"Lena L."})", self).status,
            200);
  EXPECT_EQ(call("GET", "/api/admin/users", "", lena.who()).status, 403);
}

TEST_F(AccountsTest, AdminListFiltersSortsAndPages) {
  auto a = sign_up("alpha");
  auto b = sign_up("beta");
  auto c = sign_up("gamma");
  exec("UPDATE users SET email_verified_at = now() WHERE id = '" + a.id + "'");
  call("PATCH", "/api/admin/users/" + b.id, R"({"status":"suspended","name":"Zora"})", admin_who_);
  auto names = [&](const std::string& query) {
    auto doc = json::parse(call("GET", "/api/admin/users?" + query, "", admin_who_).body);
    std::vector<std::string> out;
    for (const auto& u : doc["items"].GetArray())
      out.emplace_back(u["email"].GetString());
    return out;
  };
  EXPECT_EQ(names("sort=email"), (std::vector<std::string>{a.email, b.email, c.email}));
  EXPECT_EQ(names("sort=-email&limit=1&offset=1"), (std::vector<std::string>{b.email}));
  EXPECT_EQ(names("status=suspended"), (std::vector<std::string>{b.email}));
  EXPECT_EQ(names("verified=true"), (std::vector<std::string>{a.email}));
  EXPECT_EQ(names("q=zor"), (std::vector<std::string>{b.email}));
  EXPECT_EQ(names("role=admin"), std::vector<std::string>{});
  EXPECT_EQ(call("GET", "/api/admin/users?sort=password", "", admin_who_).status, 422);
  EXPECT_EQ(call("GET", "/api/admin/users?status=gone", "", admin_who_).status, 422);

  auto detail = call("GET", "/api/admin/users/" + b.id, "", admin_who_);
  ASSERT_EQ(detail.status, 200);
  auto doc = json::parse(detail.body);
  EXPECT_EQ(doc["sessions"].Size(), 0u);  // suspension ended it
  EXPECT_STREQ(doc["security_events"][0]["kind"].GetString(), "status_changed");
  EXPECT_EQ(call("GET", "/api/admin/users/nobody", "", admin_who_).status, 404);

  auto bulk =
      call("POST", "/api/admin/users/bulk-status",
           R"({"user_ids":[")" + a.id + R"(",")" + b.id + R"(","nobody"],"status":"suspended"})",
           admin_who_);
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  EXPECT_EQ(json::parse(bulk.body)["updated"].GetInt(), 1);
  EXPECT_EQ(json::parse(bulk.body)["items"].Size(), 2u);
  EXPECT_EQ(resolve(a.token), 404);

  auto events =
      call("GET", "/api/admin/security-events?kind=status_changed&user_id=" + b.id, "", admin_who_);
  ASSERT_EQ(events.status, 200) << events.body;
  EXPECT_EQ(json::parse(events.body)["total"].GetInt(), 1);
  EXPECT_EQ(call("GET", "/api/admin/security-events?kind=nothing", "", admin_who_).status, 422);
}

TEST_F(AccountsTest, AdminPasswordResetEndsSessionsAndMailsALink) {
  auto mia = sign_up("mia");
  auto res = call("POST", "/api/admin/users/" + mia.id + "/password-reset", "", admin_who_);
  ASSERT_EQ(res.status, 202) << res.body;
  EXPECT_EQ(resolve(mia.token), 404);
  EXPECT_EQ(mailer_.sent().back().kind, "password_reset");
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'admin.action'"), 1);
  EXPECT_EQ(call("POST", "/api/admin/users/nobody/password-reset", "", admin_who_).status, 404);
}

TEST_F(AccountsTest, DeletingTheAccountNeedsThePasswordAndLeavesNoPersonalRows) {
  auto nora = sign_up("nora");
  auto keep = sign_up("keep");
  exec("UPDATE outbox SET published_at = now() WHERE topic = 'user.registered' AND event_key = '" +
       nora.id + "'");
  login(nora.email, "falsch-falsch");
  auto wrong = call("DELETE", "/api/account", R"({"password":"falsch-falsch"})", nora.who());
  EXPECT_EQ(code_of(wrong), "invalid_credentials");
  auto ok = call("DELETE", "/api/account", R"({"password":")" + kPassword + R"("})", nora.who(),
                 nora.token);
  ASSERT_EQ(ok.status, 204) << ok.body;
  EXPECT_EQ(count("SELECT count(*) FROM users"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM sessions WHERE user_id = '" + nora.id + "'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM account_tokens WHERE user_id = '" + nora.id + "'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE data LIKE '%nora%'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM security_events WHERE email ILIKE '%nora%' OR ip IS NOT "
                  "NULL"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM security_events WHERE kind = 'account_deleted'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'user.deleted'"), 1);
  // Unpublished events still go out; published ones naming the address are gone.
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'user.registered'"), 1);
  EXPECT_EQ(resolve(keep.token), 200);
  EXPECT_EQ(resolve(nora.token), 404);
  EXPECT_EQ(login(nora.email, kPassword).status, 401);
}

TEST_F(AccountsTest, ExportHasAuthsDataAndEveryServicesPartOrNothing) {
  auto otto = sign_up("otto");
  auto res = call("GET", "/api/account/export", "", otto.who(), otto.token);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.headers.get("Content-Disposition"),
            "attachment; filename=\"kametrix-export.json\"");
  auto doc = json::parse(res.body);
  EXPECT_EQ(std::string(doc["user"]["email"].GetString()), otto.email);
  EXPECT_FALSE(doc["user"].HasMember("password_hash"));
  EXPECT_TRUE(doc["sessions"][0]["current"].GetBool());
  for (const char* s : {"agent", "telephony-webhook", "billing", "integrations"})
    EXPECT_EQ(std::string(doc["services"][s]["owner"].GetString()), otto.id) << s;
  fakes_.failing = "billing";
  auto failed = call("GET", "/api/account/export", "", otto.who());
  EXPECT_EQ(failed.status, 503);
  EXPECT_EQ(code_of(failed), "unavailable");
}

TEST_F(AccountsTest, EachEndpointRefusesCallersWithoutTheRightIdentity) {
  EXPECT_EQ(call("GET", "/api/auth/me", "").status, 401);
  EXPECT_EQ(call("GET", "/api/admin/users", "", {"u1", "user"}).status, 403);
  EXPECT_EQ(call("POST", "/internal/sessions/resolve", R"({"token":"x"})", {"u1", "user"}).status,
            403);
  ASSERT_EQ(call("POST", "/api/auth/register",
                 R"({"email":"Anna@Salon-Beispiel.de","password":"Sonnenblume-7-Fenster"})")
                .status,
            201);
  auto list = call("GET", "/api/admin/users?limit=10&q=ANNA", "", {"a1", "admin"});
  ASSERT_EQ(list.status, 200) << list.body;
  auto doc = json::parse(list.body);
  EXPECT_EQ(doc["total"].GetInt(), 1);
  EXPECT_EQ(call("GET", "/api/admin/users?limit=0", "", {"a1", "admin"}).status, 422);
  // Without the gateway's signature nothing but health is reachable.
  http::Request req;
  req.method = "GET";
  req.path = req.target = "/api/auth/me";
  req.headers.set("X-Kx-User-Id", "u1");
  req.headers.set("X-Kx-Role", "admin");
  EXPECT_EQ(http::dispatch(router_, options_, req).status, 401);
}

TEST_F(AccountsTest, AdminSearchFoldsCaseForUmlautsAndTreatsWildcardsLiterally) {
  ASSERT_EQ(call("POST", "/api/auth/register",
                 R"({"email":"juergen@salon-beispiel.de","password":"Sonnenblume-7-Fenster",)"
                 R"("name":"Jürgen Größe"})")
                .status,
            201);
  for (const char* q : {"J%C3%9CRGEN", "j%C3%BCrgen", "GR%C3%96SSE", "JUERGEN%40SALON"}) {
    auto list = call("GET", std::string("/api/admin/users?q=") + q, "", {"a1", "admin"});
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_EQ(json::parse(list.body)["total"].GetInt(), 1) << q;
  }
  // "%" and "_" are characters to find, not wildcards.
  auto wild = call("GET", "/api/admin/users?q=%25", "", {"a1", "admin"});
  EXPECT_EQ(json::parse(wild.body)["total"].GetInt(), 0);
}

TEST_F(AccountsTest, MailRequestsAreThrottledPerAddressAndPerClientAddress) {
  auto quinn = sign_up("quinn");
  const std::string forgot = R"({"email":")" + quinn.email + R"("})";
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(call("POST", "/api/auth/password/forgot", forgot).status, 202);
  // Per address (3 here), whether or not it is registered, from any client address.
  EXPECT_EQ(call("POST", "/api/auth/password/forgot", forgot, {}, {}, "198.51.100.20").status, 429);
  EXPECT_EQ(mailer_.sent().size(), 4u);  // verification + three resets
  // Per client address (50 here, sign-up included) over all addresses.
  for (int i = 0; i < 46; ++i) {
    auto res = call("POST", "/api/auth/password/forgot",
                    R"({"email":"nobody)" + std::to_string(i) + R"(@salon-beispiel.de"})");
    ASSERT_EQ(res.status, 202) << i;
  }
  auto refused =
      call("POST", "/api/auth/password/forgot", R"({"email":"other@salon-beispiel.de"})");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(code_of(refused), "rate_limited");
  EXPECT_EQ(call("POST", "/api/auth/register",
                 R"({"email":"rita@salon-beispiel.de","password":")" + kPassword + R"("})")
                .status,
            429);
  EXPECT_EQ(call("POST", "/api/auth/password/forgot", R"({"email":"other@salon-beispiel.de"})", {},
                 {}, "198.51.100.21")
                .status,
            202);
}

TEST_F(AccountsTest, PruningRemovesUsedAndExpiredTokensAndFinishedWindows) {
  auto rosa = sign_up("rosa");
  ASSERT_EQ(call("POST", "/api/auth/verify/resend", "", rosa.who()).status, 202);  // supersedes
  call("POST", "/api/auth/password/forgot", R"({"email":")" + rosa.email + R"("})");
  exec(
      "UPDATE account_tokens SET expires_at = now() - interval '1 second' "
      "WHERE purpose = 'password_reset'");
  login(rosa.email, "falsch-falsch");
  exec(
      "UPDATE throttle_counters SET window_start = now() - interval '2 days' "
      "WHERE rule = 'login_ip'");
  pg::transact(*pool_, [](pqxx::work& tx) { return Users::prune_sessions(tx, 1'000); });
  EXPECT_EQ(count("SELECT count(*) FROM account_tokens"), 1);  // the live verification link
  EXPECT_EQ(count("SELECT count(*) FROM throttle_counters WHERE rule = 'login_ip'"), 0);
  EXPECT_GE(count("SELECT count(*) FROM throttle_counters"), 1);
}

TEST_F(AccountsTest, ExistingUsersCountAsVerifiedAfterTheMigration) {
  // The migration marked rows that existed then; a fresh sign-up is not verified.
  auto paul = sign_up("paul");
  EXPECT_EQ(count("SELECT count(*) FROM users WHERE email_verified_at IS NULL"), 1);
}

}  // namespace
}  // namespace kx::auth
