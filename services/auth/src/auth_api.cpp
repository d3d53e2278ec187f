#include "auth_api.hpp"

#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"
#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "password_policy.hpp"
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

std::string escape_like(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

AuthApi::AuthApi(pg::Pool& db, const events::Outbox& outbox, AuthSettings settings)
    : db_(db),
      outbox_(outbox),
      settings_(settings),
      dummy_hash_(crypto::hash_password(crypto::random_token(16))) {}

void AuthApi::add_routes(http::Router& r) {
  r.add("POST", "/api/auth/register", *this, &AuthApi::register_user,
        {.max_body = kAuthBodyLimit, .access = Access::anonymous});
  r.add("POST", "/api/auth/login", *this, &AuthApi::login,
        {.max_body = kAuthBodyLimit, .access = Access::anonymous});
  r.add("POST", "/api/auth/logout", *this, &AuthApi::logout,
        {.max_body = kAuthBodyLimit, .access = Access::anonymous});
  r.add("GET", "/api/auth/me", *this, &AuthApi::me, {.max_body = 0, .access = Access::user});
  r.add("POST", "/internal/sessions/resolve", *this, &AuthApi::resolve_session,
        {.max_body = 1024, .access = Access::service});
  r.add("GET", "/api/admin/users", *this, &AuthApi::list_users,
        {.max_body = 0, .access = Access::admin});
}

std::string AuthApi::session_cookie(const std::string& token) const {
  return http::set_cookie_value(
      kSessionCookie, token,
      {.max_age_seconds = settings_.session_ttl.count() * 3600, .secure = settings_.cookie_secure});
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

  std::string hash = crypto::hash_password(password);
  struct Created {
    User user;
    NewSession session;
  };
  auto created = pg::transact(db_, [&](pqxx::work& tx) -> std::optional<Created> {
    auto user = Users::insert(tx, *email, name, hash, "user", locale);
    if (!user)
      return std::nullopt;
    auto session = Users::create_session(tx, user->id, settings_.session_ttl, req.remote_address,
                                         std::string(req.header("User-Agent").value_or("")));
    outbox_.add(tx, "user.registered", user->id, user->id, user_registered_event(*user));
    return Created{*user, session};
  });
  if (!created) {
    throw Error::conflict("Diese E-Mail-Adresse ist bereits registriert.", "email_taken");
  }
  log::info("user registered", {{"user_id", created->user.id}, {"request_id", req.request_id}});
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
  bool ok = crypto::verify_password(user ? user->password_hash : dummy_hash_, password) && user;
  if (!ok) {
    log::info("login failed", {{"request_id", req.request_id}});
    throw Error(401, "invalid_credentials", kInvalidCredentials);
  }
  if (user->status != "active") {
    throw Error(
        403, "account_inactive",
        "Dieses Konto ist gesperrt oder deaktiviert. Bitte wenden Sie sich an den Support.");
  }
  auto session = pg::transact(db_, [&](pqxx::work& tx) {
    if (crypto::password_needs_rehash(user->password_hash)) {
      Users::update_password_hash(tx, user->id, crypto::hash_password(password));
    }
    return Users::create_session(tx, user->id, settings_.session_ttl, req.remote_address,
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
  auto session = pg::transact(db_, [&](pqxx::work& tx) { return Users::resolve(tx, token); });
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

Response AuthApi::list_users(Request& req) {
  http::QueryParams params(req);
  auto [limit, offset] = params.page(50, 200);
  auto search = params.text("q", 100);
  params.require_valid();
  std::string pattern = escape_like(search.value_or(""));
  auto [users, total] = pg::transact(db_, [&](pqxx::work& tx) {
    return std::make_pair(Users::list(tx, pattern, limit, offset), Users::count(tx, pattern));
  });
  json::Writer w;
  w.begin_object().key("items").begin_array();
  for (const auto& u : users)
    w.raw(user_json(u));
  w.end_array().field("total", total).field("limit", limit).field("offset", offset).end_object();
  return Response::json(200, w.str());
}

}  // namespace kx::auth
