#include "admin_users_api.hpp"

#include <algorithm>
#include <set>

#include "accounts.hpp"
#include "kx/events/audit.hpp"
#include "kx/http/error.hpp"
#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "security_events.hpp"
#include "tokens.hpp"

namespace kx::auth {
namespace {

using http::Access;
using http::Error;
using http::Request;
using http::Response;

constexpr std::size_t kBodyLimit = 64 * 1024;
constexpr std::size_t kMaxBulk = 100;
const std::initializer_list<std::string_view> kStatuses = {"active", "inactive", "suspended"};

std::string escape_like(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

bool is_status(const std::string& s) {
  return std::find(kStatuses.begin(), kStatuses.end(), s) != kStatuses.end();
}

[[noreturn]] void throw_self_change() {
  throw Error::conflict(
      "Sie können Ihr eigenes Konto nicht sperren, herabstufen oder löschen. Bitten Sie eine "
      "andere Administratorin oder einen anderen Administrator darum.",
      "self_change");
}

void audit(const events::Outbox& outbox, pqxx::work& tx, const Request& req,
           const std::string& action, const User& before, const std::optional<User>& after) {
  events::publish_audit(outbox, tx, req,
                        {.action = action,
                         .target_type = "user",
                         .target_id = before.id,
                         .before = user_json(before),
                         .after = after ? user_json(*after) : "null",
                         .user_id = before.id});
}

std::string user_page(const std::vector<User>& users, std::int64_t total, int limit, int offset) {
  json::Writer w;
  w.begin_object().key("items").begin_array();
  for (const auto& u : users)
    w.raw(user_json(u));
  w.end_array().field("total", total).field("limit", limit).field("offset", offset).end_object();
  return w.str();
}

}  // namespace

AdminUsersApi::AdminUsersApi(pg::Pool& db, const events::Outbox& outbox, AuthSettings settings,
                             const LinkMailer& mailer)
    : db_(db), outbox_(outbox), settings_(std::move(settings)), mailer_(mailer) {}

void AdminUsersApi::add_routes(http::Router& r) {
  const http::RouteOptions get{.max_body = 0, .access = Access::admin};
  const http::RouteOptions change{.max_body = kBodyLimit, .access = Access::admin};
  r.add("GET", "/api/admin/users", *this, &AdminUsersApi::list, get);
  r.add("POST", "/api/admin/users/bulk-status", *this, &AdminUsersApi::bulk_status, change);
  r.add("GET", "/api/admin/users/{id}", *this, &AdminUsersApi::detail, get);
  r.add("PATCH", "/api/admin/users/{id}", *this, &AdminUsersApi::update, change);
  r.add("DELETE", "/api/admin/users/{id}", *this, &AdminUsersApi::remove, change);
  r.add("POST", "/api/admin/users/{id}/password-reset", *this, &AdminUsersApi::password_reset,
        change);
  r.add("GET", "/api/admin/security-events", *this, &AdminUsersApi::security_events, get);
}

Response AdminUsersApi::list(Request& req) {
  http::QueryParams params(req);
  UserQuery q;
  auto [limit, offset] = params.page(50, 200);
  q.limit = limit;
  q.offset = offset;
  q.search = escape_like(params.text("q", 100).value_or(""));
  q.status = params.one_of("status", kStatuses);
  q.role = params.one_of("role", {"user", "admin"});
  q.verified = params.flag("verified");
  q.sort = params.one_of("sort", {"created_at", "-created_at", "email", "-email", "name", "-name"})
               .value_or("-created_at");
  params.require_valid();
  auto [users, total] = pg::transact(db_, [&](pqxx::work& tx) {
    return std::make_pair(Accounts::search(tx, q), Accounts::count(tx, q));
  });
  return Response::json(200, user_page(users, total, q.limit, q.offset));
}

Response AdminUsersApi::detail(Request& req) {
  const auto& id = req.param("id");
  auto body = pg::transact(db_, [&](pqxx::work& tx) -> std::optional<std::string> {
    auto user = Users::by_id(tx, id);
    if (!user)
      return std::nullopt;
    json::Writer w;
    w.begin_object()
        .key("user")
        .raw(user_json(*user))
        .key("sessions")
        .raw(Accounts::sessions_json(tx, id, ""))
        .key("security_events")
        .raw(SecurityEvents::of_user_json(tx, id, 100))
        .end_object();
    return w.str();
  });
  if (!body)
    throw Error::not_found("Diesen Nutzer gibt es nicht.");
  return Response::json(200, *body);
}

Response AdminUsersApi::update(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"status", "role", "name"});
  auto status = in.optional_string("status", 20);
  UserChanges changes;
  changes.role = in.optional_string("role", 10);
  changes.name = in.optional_string("name", 100);
  if (status && !is_status(*status))
    in.add_error("status", "muss \"active\", \"inactive\" oder \"suspended\" sein");
  if (changes.role && *changes.role != "user" && *changes.role != "admin")
    in.add_error("role", "muss \"user\" oder \"admin\" sein");
  http::require_valid(in);
  const auto& id = req.param("id");
  bool self = id == req.identity.user_id;
  if (self && ((status && *status != "active") || (changes.role && *changes.role != "admin")))
    throw_self_change();

  auto after = pg::transact(db_, [&](pqxx::work& tx) -> std::optional<User> {
    auto before = Accounts::lock(tx, id);
    if (!before)
      return std::nullopt;
    User user = *before;
    if (changes.role || changes.name) {
      user = *Accounts::update(tx, id, changes);
      Accounts::publish_updated(tx, outbox_, user);
    }
    if (status)
      user = Accounts::change_status(tx, outbox_, req, user, *status);
    audit(outbox_, tx, req, "user.update", *before, user);
    return user;
  });
  if (!after)
    throw Error::not_found("Diesen Nutzer gibt es nicht.");
  json::Writer w;
  w.begin_object().key("user").raw(user_json(*after)).end_object();
  return Response::json(200, w.str());
}

Response AdminUsersApi::remove(Request& req) {
  const auto& id = req.param("id");
  if (id == req.identity.user_id)
    throw_self_change();
  bool found = pg::transact(db_, [&](pqxx::work& tx) {
    auto user = Accounts::lock(tx, id);
    if (!user)
      return false;
    audit(outbox_, tx, req, "user.delete", *user, std::nullopt);
    Accounts::remove(tx, outbox_, *user, "admin");
    return true;
  });
  if (!found)
    throw Error::not_found("Diesen Nutzer gibt es nicht.");
  return Response::no_content();
}

Response AdminUsersApi::password_reset(Request& req) {
  const auto& id = req.param("id");
  auto user = pg::transact(db_, [&](pqxx::work& tx) -> std::optional<User> {
    auto u = Accounts::lock(tx, id);
    if (!u)
      return std::nullopt;
    Accounts::revoke_sessions(tx, outbox_, u->id, "admin_reset");
    audit(outbox_, tx, req, "user.password_reset", *u, u);
    return u;
  });
  if (!user)
    throw Error::not_found("Diesen Nutzer gibt es nicht.");
  try {
    mail_link(db_, mailer_, settings_, *user, kPasswordReset, req.request_id);
  } catch (const std::exception& e) {
    log::error("reset mail failed", {{"request_id", req.request_id}, {"error", e.what()}});
    throw Error::unavailable(
        "Die Sitzungen wurden beendet, aber die E-Mail zum Zurücksetzen konnte gerade nicht "
        "versendet werden. Bitte versuchen Sie es in einigen Minuten erneut.");
  }
  return Response::json(202, R"({"sent":true})");
}

Response AdminUsersApi::bulk_status(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"user_ids", "status"});
  auto status = in.required_string("status", 20);
  if (!status.empty() && !is_status(status))
    in.add_error("status", "muss \"active\", \"inactive\" oder \"suspended\" sein");
  std::vector<std::string> ids;
  if (const auto* list = in.optional_array("user_ids")) {
    if (list->Size() == 0 || list->Size() > kMaxBulk)
      in.add_error("user_ids", "muss 1 bis 100 Einträge haben");
    std::set<std::string> seen;
    for (const auto& v : list->GetArray()) {
      if (!v.IsString() || v.GetStringLength() == 0 || v.GetStringLength() > 100) {
        in.add_error("user_ids", "darf nur Nutzer-IDs enthalten");
        break;
      }
      if (seen.insert(v.GetString()).second)
        ids.emplace_back(v.GetString());
    }
  } else if (in.ok()) {
    in.add_error("user_ids", "ist erforderlich");
  }
  http::require_valid(in);
  if (status != "active" && std::find(ids.begin(), ids.end(), req.identity.user_id) != ids.end())
    throw_self_change();

  auto [updated, users] = pg::transact(db_, [&](pqxx::work& tx) {
    std::int64_t n = 0;
    std::vector<User> out;
    for (const auto& before : Accounts::lock_many(tx, ids)) {
      auto after = Accounts::change_status(tx, outbox_, req, before, status);
      if (before.status != status) {
        ++n;
        audit(outbox_, tx, req, "user.status", before, after);
      }
      out.push_back(after);
    }
    return std::make_pair(n, out);
  });
  json::Writer w;
  w.begin_object().field("updated", updated).key("items").begin_array();
  for (const auto& u : users)
    w.raw(user_json(u));
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response AdminUsersApi::security_events(Request& req) {
  http::QueryParams params(req);
  SecurityEventFilter f;
  auto [limit, offset] = params.page(50, 200);
  f.limit = limit;
  f.offset = offset;
  f.user_id = params.text("user_id", 100);
  f.kind = params.one_of("kind",
                         {"login", "login_failed", "logout", "password_changed", "password_reset",
                          "status_changed", "email_verified", "account_deleted", "throttled"});
  if (auto from = params.date("from"))
    f.from = http::format_date(*from);
  if (auto to = params.date("to"))
    f.to = http::format_date(*to);
  params.require_valid();
  auto body = pg::transact(db_, [&](pqxx::work& tx) { return SecurityEvents::page_json(tx, f); });
  return Response::json(200, body);
}

}  // namespace kx::auth
