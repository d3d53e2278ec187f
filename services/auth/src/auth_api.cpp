#include "auth_api.hpp"

#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"
#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "password_policy.hpp"
#include "security_events.hpp"
#include "tokens.hpp"
#include "users.hpp"

namespace kx::auth {
namespace {

using http::Access;
using http::Error;
using http::Request;
using http::Response;

constexpr std::size_t kAuthBodyLimit = 16 * 1024;
const char* const kInvalidCredentials = "E-Mail-Adresse oder Passwort ist falsch.";

std::string revoked_event(const SessionInfo& s, const std::string& reason) {
  json::Writer w;
  w.begin_object()
      .field("user_id", s.user_id)
      .field("session_id", s.session_id)
      .field("reason", reason)
      .end_object();
  return w.str();
}

std::string user_envelope(const User& u, const std::optional<PasswordStrength>& strength = {}) {
  json::Writer w;
  w.begin_object().key("user").raw(user_json(u));
  if (strength) {
    w.key("password_strength").begin_object();
    w.field("score", strength->score).field("label", strength->label).end_object();
  }
  w.end_object();
  return w.str();
}

std::string status_refusal_code(const std::string& status) {
  return status == "suspended" ? "account_suspended" : "account_inactive";
}

[[noreturn]] void throw_status_refusal(const std::string& status) {
  if (status == "suspended") {
    throw Error(403, "account_suspended",
                "Dieses Konto ist gesperrt. Bitte wenden Sie sich an den Support, wenn Sie "
                "Fragen dazu haben.");
  }
  throw Error(403, "account_inactive",
              "Dieses Konto ist deaktiviert. Bitte wenden Sie sich an den Support, um es wieder "
              "freischalten zu lassen.");
}

}  // namespace

void throw_invalid_credentials() {
  throw Error(401, "invalid_credentials", kInvalidCredentials);
}

void check_password_throttled(pg::Pool& db, const ThrottleRules& rules, const Request& req,
                              const std::string& email, const User* user, const std::string& hash,
                              const std::string& password) {
  auto ip = client_ip(req);
  auto pair = email + "|" + ip;
  auto wait = pg::transact(db, [&](pqxx::work& tx) {
    auto w = std::max(Throttle::blocked_for(tx, rules.login_account_ip, pair),
                      Throttle::blocked_for(tx, rules.login_ip, ip));
    if (w.count() > 0)
      SecurityEvents::record(tx, "throttled", req, user ? std::optional(user->id) : std::nullopt,
                             email, R"({"rule":"login"})");
    return w;
  });
  if (wait.count() > 0)
    throw Throttled(wait);
  bool ok = crypto::verify_password(hash, password) && user;
  pg::transact(db, [&](pqxx::work& tx) {
    if (ok) {
      Throttle::clear(tx, rules.login_account_ip, pair);
      return;
    }
    Throttle::hit(tx, rules.login_account_ip, pair);
    Throttle::hit(tx, rules.login_ip, ip);
    SecurityEvents::record(tx, "login_failed", req, user ? std::optional(user->id) : std::nullopt,
                           email);
  });
  if (!ok) {
    log::info("password check failed", {{"request_id", req.request_id}});
    throw_invalid_credentials();
  }
}

void count_request(pg::Pool& db, const Request& req, const ThrottleRule& rule,
                   const ThrottleRule* account_rule, const std::string& account_key) {
  auto wait = pg::transact(db, [&](pqxx::work& tx) {
    auto w = Throttle::hit(tx, rule, client_ip(req));
    if (account_rule)
      w = std::max(w, Throttle::hit(tx, *account_rule, account_key));
    if (w.count() > 0)
      SecurityEvents::record(tx, "throttled", req, std::nullopt, "",
                             R"({"rule":")" + rule.name + R"("})");
    return w;
  });
  if (wait.count() > 0)
    throw Throttled(wait);
}

void mail_link(pg::Pool& db, const LinkMailer& mailer, const AuthSettings& settings,
               const User& user, const std::string& kind, const std::string& request_id) {
  bool verify = kind == kVerifyEmail;
  auto issued = pg::transact(db, [&](pqxx::work& tx) {
    return AccountTokens::issue(tx, user.id, kind,
                                verify ? settings.verify_token_ttl : settings.reset_token_ttl);
  });
  LinkMail mail{kind,
                user.id,
                user.email,
                user.locale,
                settings.public_origin +
                    (verify ? "/verify-email?token=" : "/reset-password?token=") + issued.token,
                issued.expires_at};
  mailer.send(mail, request_id);
}

AuthApi::AuthApi(pg::Pool& db, const events::Outbox& outbox, AuthSettings settings,
                 const LinkMailer* mailer)
    : db_(db),
      outbox_(outbox),
      settings_(std::move(settings)),
      mailer_(mailer),
      dummy_hash_(crypto::hash_password(crypto::random_token(16))) {}

void AuthApi::add_routes(http::Router& r) {
  r.add("POST", "/api/auth/register",
        answering_throttled([this](Request& req) { return register_user(req); }),
        {.max_body = kAuthBodyLimit, .access = Access::anonymous});
  r.add("POST", "/api/auth/login", answering_throttled([this](Request& req) { return login(req); }),
        {.max_body = kAuthBodyLimit, .access = Access::anonymous});
  r.add("POST", "/api/auth/logout", *this, &AuthApi::logout,
        {.max_body = kAuthBodyLimit, .access = Access::anonymous});
  r.add("GET", "/api/auth/me", *this, &AuthApi::me, {.max_body = 0, .access = Access::user});
  r.add("POST", "/internal/sessions/resolve", *this, &AuthApi::resolve_session,
        {.max_body = 1024, .access = Access::service});
}

std::string AuthApi::session_cookie(const std::string& token) const {
  return http::set_cookie_value(kSessionCookie, token,
                                {.max_age_seconds = settings_.sessions.absolute.count() * 3600,
                                 .secure = settings_.cookie_secure});
}

Response AuthApi::register_user(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  auto email_raw = in.required_string("email", 254);
  auto password = in.required_string("password", 1024);
  auto name = in.optional_string("name", 100).value_or("");
  auto locale = in.optional_string("locale", 2).value_or("de");
  auto email = normalize_email(email_raw);
  if (!email_raw.empty() && !email)
    in.add_error("email", "ist keine gültige E-Mail-Adresse");
  if (locale != "de" && locale != "en")
    in.add_error("locale", "muss \"de\" oder \"en\" sein");
  PasswordStrength strength = check_password(password, email.value_or(""));
  if (!password.empty()) {
    for (const auto& p : strength.problems)
      in.add_error("password", p);
  }
  http::require_valid(in);
  count_request(db_, req, settings_.throttle.requests_ip);

  std::string hash = crypto::hash_password(password);
  struct Created {
    User user;
    NewSession session;
  };
  auto created = pg::transact(db_, [&](pqxx::work& tx) -> std::optional<Created> {
    auto user = Users::insert(tx, *email, name, hash, "user", locale);
    if (!user)
      return std::nullopt;
    auto session = Users::create_session(tx, user->id, settings_.sessions, client_ip(req),
                                         std::string(req.header("User-Agent").value_or("")));
    outbox_.add(tx, "user.registered", user->id, user->id, user_registered_event(*user));
    return Created{*user, session};
  });
  if (!created) {
    throw Error::conflict("Diese E-Mail-Adresse ist bereits registriert.", "email_taken");
  }
  log::info("user registered", {{"user_id", created->user.id}, {"request_id", req.request_id}});
  if (mailer_) {
    // The account exists either way; a lost mail is sent again with "resend".
    try {
      mail_link(db_, *mailer_, settings_, created->user, kVerifyEmail, req.request_id);
    } catch (const std::exception& e) {
      log::error(
          "verification mail failed",
          {{"user_id", created->user.id}, {"request_id", req.request_id}, {"error", e.what()}});
    }
  }
  auto res = Response::json(201, user_envelope(created->user, strength));
  res.headers.add("Set-Cookie", session_cookie(created->session.token));
  return res;
}

Response AuthApi::login(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  auto email_raw = in.required_string("email", 254);
  auto password = in.required_string("password", 1024);
  http::require_valid(in);

  auto email = normalize_email(email_raw);
  std::optional<User> user;
  if (email) {
    user = pg::transact(db_, [&](pqxx::work& tx) { return Users::by_email(tx, *email); });
  }
  // Unknown address and wrong password take the same time and give the same answer.
  check_password_throttled(db_, settings_.throttle, req, email.value_or(email_raw),
                           user ? &*user : nullptr, user ? user->password_hash : dummy_hash_,
                           password);
  // Only someone who knows the password learns the account's status.
  if (user->status != "active") {
    pg::transact(db_, [&](pqxx::work& tx) {
      SecurityEvents::record(tx, "login_failed", req, user->id, user->email,
                             R"({"reason":")" + status_refusal_code(user->status) + R"("})");
    });
    throw_status_refusal(user->status);
  }
  auto session = pg::transact(db_, [&](pqxx::work& tx) {
    if (crypto::password_needs_rehash(user->password_hash)) {
      Users::update_password_hash(tx, user->id, crypto::hash_password(password));
    }
    SecurityEvents::record(tx, "login", req, user->id, user->email);
    return Users::create_session(tx, user->id, settings_.sessions, client_ip(req),
                                 std::string(req.header("User-Agent").value_or("")));
  });
  log::info("login", {{"user_id", user->id}, {"request_id", req.request_id}});
  auto res = Response::json(200, user_envelope(*user));
  res.headers.add("Set-Cookie", session_cookie(session.token));
  return res;
}

Response AuthApi::logout(Request& req) {
  if (auto token = req.cookie(kSessionCookie); token && !token->empty()) {
    pg::transact(db_, [&](pqxx::work& tx) {
      if (auto s = Users::revoke(tx, *token, "logout")) {
        outbox_.add(tx, "session.revoked", s->user_id, s->session_id, revoked_event(*s, "logout"));
        SecurityEvents::record(tx, "logout", req, s->user_id, "");
      }
    });
  }
  auto res = Response::json(200, R"({"logged_out":true})");
  res.headers.add("Set-Cookie", http::set_cookie_value(
                                    kSessionCookie, "",
                                    {.max_age_seconds = 0, .secure = settings_.cookie_secure}));
  return res;
}

Response AuthApi::me(Request& req) {
  auto user =
      pg::transact(db_, [&](pqxx::work& tx) { return Users::by_id(tx, req.identity.user_id); });
  if (!user || user->status != "active")
    throw Error::unauthorized();
  return Response::json(200, user_envelope(*user));
}

Response AuthApi::resolve_session(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  auto token = in.required_string("token", 256);
  http::require_valid(in);
  auto session = pg::transact(
      db_, [&](pqxx::work& tx) { return Users::resolve(tx, token, settings_.sessions.idle); });
  if (!session)
    throw Error::not_found("Sitzung unbekannt oder abgelaufen.");
  json::Writer w;
  w.begin_object()
      .field("session_id", session->session_id)
      .field("user_id", session->user_id)
      .field("role", session->role)
      .field("status", session->status)
      .field("expires_at", session->expires_at)
      .end_object();
  return Response::json(200, w.str());
}

}  // namespace kx::auth
