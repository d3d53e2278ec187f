#include "accounts_api.hpp"

#include "accounts.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/time/zone.hpp"
#include "password_policy.hpp"
#include "security_events.hpp"
#include "tokens.hpp"

namespace kx::auth {
namespace {

using http::Access;
using http::Error;
using http::Request;
using http::Response;

constexpr std::size_t kBodyLimit = 16 * 1024;
const char* const kInvalidLink = "Der Link ist ungültig oder abgelaufen.";

std::string user_envelope(const User& u) {
  json::Writer w;
  w.begin_object().key("user").raw(user_json(u)).end_object();
  return w.str();
}

std::string session_token(const Request& req) {
  return req.cookie(kSessionCookie).value_or("");
}

void require_acceptable(json::FieldReader& in, const char* field, const std::string& password,
                        const std::string& email) {
  if (password.empty())
    return;
  for (const auto& p : check_password(password, email).problems)
    in.add_error(field, p);
}

}  // namespace

AccountsApi::AccountsApi(pg::Pool& db, const events::Outbox& outbox, AuthSettings settings,
                         const LinkMailer& mailer, const ServiceExports& exports)
    : db_(db),
      outbox_(outbox),
      settings_(std::move(settings)),
      mailer_(mailer),
      exports_(exports) {}

void AccountsApi::add_routes(http::Router& r) {
  auto add = [&](const char* method, const char* path, Response (AccountsApi::*fn)(Request&),
                 http::RouteOptions options) {
    r.add(method, path, answering_throttled([this, fn](Request& req) { return (this->*fn)(req); }),
          options);
  };
  const http::RouteOptions anonymous{.max_body = kBodyLimit, .access = Access::anonymous};
  const http::RouteOptions user{.max_body = kBodyLimit, .access = Access::user};
  const http::RouteOptions user_get{.max_body = 0, .access = Access::user};
  add("POST", "/api/auth/verify", &AccountsApi::verify, anonymous);
  add("POST", "/api/auth/verify/resend", &AccountsApi::resend_verification, user);
  add("POST", "/api/auth/password/forgot", &AccountsApi::forgot_password, anonymous);
  add("POST", "/api/auth/password/reset", &AccountsApi::reset_password, anonymous);
  add("POST", "/api/auth/password/change", &AccountsApi::change_password, user);
  add("GET", "/api/account/profile", &AccountsApi::profile, user_get);
  add("PATCH", "/api/account/profile", &AccountsApi::update_profile, user);
  add("GET", "/api/account/sessions", &AccountsApi::sessions, user_get);
  add("DELETE", "/api/account/sessions/{id}", &AccountsApi::revoke_session, user);
  add("GET", "/api/account/export", &AccountsApi::export_data, user_get);
  add("DELETE", "/api/account", &AccountsApi::delete_account, user);
}

User AccountsApi::current_user(const Request& req) {
  auto user =
      pg::transact(db_, [&](pqxx::work& tx) { return Users::by_id(tx, req.identity.user_id); });
  if (!user || user->status != "active")
    throw Error::unauthorized();
  return *user;
}

Response AccountsApi::verify(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  auto token = in.required_string("token", 256);
  http::require_valid(in);
  auto user = pg::transact(db_, [&](pqxx::work& tx) -> std::optional<User> {
    auto user_id = AccountTokens::consume(tx, token, kVerifyEmail);
    if (!user_id)
      return std::nullopt;
    auto u = Accounts::mark_verified(tx, *user_id);
    Accounts::publish_updated(tx, outbox_, *u);
    SecurityEvents::record(tx, "email_verified", req, u->id, u->email);
    return u;
  });
  if (!user)
    throw Error::bad_request(kInvalidLink, "invalid_token");
  return Response::json(200, user_envelope(*user));
}

Response AccountsApi::resend_verification(Request& req) {
  auto user = current_user(req);
  if (user.email_verified)
    throw Error::conflict("Ihre E-Mail-Adresse ist bereits bestätigt.", "already_verified");
  count_request(db_, req, settings_.throttle.requests_ip, &settings_.throttle.mails_account,
                user.email);
  try {
    mail_link(db_, mailer_, settings_, user, kVerifyEmail, req.request_id);
  } catch (const std::exception& e) {
    log::error("verification mail failed", {{"request_id", req.request_id}, {"error", e.what()}});
    throw Error::unavailable(
        "Die E-Mail konnte gerade nicht versendet werden. Bitte versuchen "
        "Sie es in einigen Minuten erneut.");
  }
  return Response::json(202, R"({"sent":true})");
}

Response AccountsApi::forgot_password(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  auto email_raw = in.required_string("email", 254);
  auto email = normalize_email(email_raw);
  if (!email_raw.empty() && !email)
    in.add_error("email", "ist keine gültige E-Mail-Adresse");
  http::require_valid(in);
  // Counted per address whether or not it is registered, so the answer tells nothing.
  count_request(db_, req, settings_.throttle.requests_ip, &settings_.throttle.mails_account,
                *email);
  auto user = pg::transact(db_, [&](pqxx::work& tx) { return Users::by_email(tx, *email); });
  if (user) {
    try {
      mail_link(db_, mailer_, settings_, *user, kPasswordReset, req.request_id);
    } catch (const std::exception& e) {
      // The same answer as for an unknown address; the owner asks again later.
      log::error("reset mail failed", {{"request_id", req.request_id}, {"error", e.what()}});
    }
  }
  return Response::json(202, R"({"sent":true})");
}

Response AccountsApi::reset_password(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  auto token = in.required_string("token", 256);
  auto password = in.required_string("password", 1024);
  http::require_valid(in);
  count_request(db_, req, settings_.throttle.requests_ip);
  auto owner = pg::transact(db_, [&](pqxx::work& tx) -> std::optional<User> {
    auto user_id = AccountTokens::peek(tx, token, kPasswordReset);
    return user_id ? Users::by_id(tx, *user_id) : std::nullopt;
  });
  if (!owner)
    throw Error::bad_request(kInvalidLink, "invalid_token");
  require_acceptable(in, "password", password, owner->email);
  http::require_valid(in);
  auto hash = crypto::hash_password(password);
  bool done = pg::transact(db_, [&](pqxx::work& tx) {
    // Used up only now: a weak password above leaves the link working for a second try.
    auto user_id = AccountTokens::consume(tx, token, kPasswordReset);
    if (!user_id || *user_id != owner->id)
      return false;
    Users::update_password_hash(tx, owner->id, hash);
    // Whoever reads the mail owns the address.
    Accounts::mark_verified(tx, owner->id);
    Accounts::revoke_sessions(tx, outbox_, owner->id, "password_reset");
    SecurityEvents::record(tx, "password_reset", req, owner->id, owner->email);
    return true;
  });
  if (!done)
    throw Error::bad_request(kInvalidLink, "invalid_token");
  return Response::json(200, R"({"password_reset":true})");
}

Response AccountsApi::change_password(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  auto current = in.required_string("current_password", 1024);
  auto next = in.required_string("new_password", 1024);
  http::require_valid(in);
  auto user = current_user(req);
  check_password_throttled(db_, settings_.throttle, req, user.email, &user, user.password_hash,
                           current);
  require_acceptable(in, "new_password", next, user.email);
  if (!next.empty() && next == current)
    in.add_error("new_password", "Das neue Passwort muss sich vom bisherigen unterscheiden.");
  http::require_valid(in);
  auto hash = crypto::hash_password(next);
  pg::transact(db_, [&](pqxx::work& tx) {
    Users::update_password_hash(tx, user.id, hash);
    Accounts::revoke_sessions(tx, outbox_, user.id, "password_changed", session_token(req));
    SecurityEvents::record(tx, "password_changed", req, user.id, user.email);
  });
  return Response::json(200, user_envelope(user));
}

Response AccountsApi::profile(Request& req) {
  return Response::json(200, user_envelope(current_user(req)));
}

Response AccountsApi::update_profile(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"name", "locale", "time_zone"});
  UserChanges changes;
  changes.name = in.optional_string("name", 100);
  changes.locale = in.optional_string("locale", 2);
  changes.time_zone = in.optional_string("time_zone", 64);
  if (changes.locale && *changes.locale != "de" && *changes.locale != "en")
    in.add_error("locale", "muss \"de\" oder \"en\" sein");
  if (changes.time_zone && !time::Zone::find(*changes.time_zone))
    in.add_error("time_zone", "ist keine bekannte Zeitzone (z. B. \"Europe/Berlin\")");
  http::require_valid(in);
  current_user(req);
  auto user = pg::transact(db_, [&](pqxx::work& tx) {
    auto u = Accounts::update(tx, req.identity.user_id, changes);
    Accounts::publish_updated(tx, outbox_, *u);
    return *u;
  });
  return Response::json(200, user_envelope(user));
}

Response AccountsApi::sessions(Request& req) {
  auto user = current_user(req);
  auto items = pg::transact(db_, [&](pqxx::work& tx) {
    return Accounts::sessions_json(tx, user.id, session_token(req));
  });
  json::Writer w;
  w.begin_object().key("items").raw(items).end_object();
  return Response::json(200, w.str());
}

Response AccountsApi::revoke_session(Request& req) {
  auto user = current_user(req);
  bool revoked = pg::transact(db_, [&](pqxx::work& tx) {
    return Accounts::revoke_session(tx, outbox_, user.id, req.param("id"), "revoked_by_owner");
  });
  if (!revoked)
    throw Error::not_found("Diese Sitzung gibt es nicht (mehr).");
  return Response::no_content();
}

Response AccountsApi::export_data(Request& req) {
  auto user = current_user(req);
  auto [sessions, events] = pg::transact(db_, [&](pqxx::work& tx) {
    return std::make_pair(Accounts::sessions_json(tx, user.id, session_token(req)),
                          SecurityEvents::of_user_json(tx, user.id, 10'000));
  });
  auto services = exports_.collect(user.id, req.request_id);
  json::Writer w;
  w.begin_object()
      .field("exported_at", json::utc_timestamp(std::chrono::system_clock::now()))
      .key("user")
      .raw(user_json(user))
      .key("sessions")
      .raw(sessions)
      .key("security_events")
      .raw(events)
      .key("services")
      .raw(services)
      .end_object();
  auto res = Response::json(200, w.str());
  res.headers.set("Content-Disposition", "attachment; filename=\"kametrix-export.json\"");
  res.headers.set("Cache-Control", "no-store");
  return res;
}

Response AccountsApi::delete_account(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  auto password = in.required_string("password", 1024);
  http::require_valid(in);
  auto user = current_user(req);
  check_password_throttled(db_, settings_.throttle, req, user.email, &user, user.password_hash,
                           password);
  pg::transact(db_, [&](pqxx::work& tx) {
    if (auto locked = Accounts::lock(tx, user.id))
      Accounts::remove(tx, outbox_, *locked, "self");
  });
  log::info("account deleted", {{"user_id", user.id}, {"request_id", req.request_id}});
  auto res = Response::no_content();
  res.headers.add("Set-Cookie", http::set_cookie_value(
                                    kSessionCookie, "",
                                    {.max_age_seconds = 0, .secure = settings_.cookie_secure}));
  return res;
}

}  // namespace kx::auth
