#include "accounts.hpp"

#include "kx/crypto/crypto.hpp"
#include "kx/json/json.hpp"
#include "security_events.hpp"

namespace kx::auth {
namespace {

const std::string kUpdate = std::string(R"sql(
UPDATE users SET name = coalesce($2, name), locale = coalesce($3, locale),
                 time_zone = coalesce($4, time_zone), role = coalesce($5, role),
                 updated_at = now()
WHERE id = $1 RETURNING )sql") +
                            kUserColumnList;
const std::string kMarkVerified = std::string(R"sql(
UPDATE users SET email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
WHERE id = $1 RETURNING )sql") + kUserColumnList;
const std::string kSetStatus =
    std::string("UPDATE users SET status = $2, updated_at = now() WHERE id = $1 RETURNING ") +
    kUserColumnList;
const std::string kLock =
    std::string("SELECT ") + kUserColumnList + " FROM users WHERE id = $1 FOR UPDATE";
const std::string kLockMany =
    std::string("SELECT ") + kUserColumnList +
    " FROM users WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))"
    " ORDER BY id FOR UPDATE";
constexpr const char* kDelete = "DELETE FROM users WHERE id = $1";
// Published events about the user (user.registered carries the address and name) would stay
// until the relay prunes them; unpublished ones must still go out, in order, before user.deleted.
constexpr const char* kForgetPublished =
    "DELETE FROM outbox WHERE event_key = $1 AND published_at IS NOT NULL";

const std::string kQueryFilter = std::string(kUserSearchCondition) + R"sql(
  AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR role = $3)
  AND ($4::boolean IS NULL OR (email_verified_at IS NOT NULL) = $4))sql";

std::string order_by(const std::string& sort) {
  if (sort == "created_at")
    return "created_at, id";
  if (sort == "email")
    return "email_normalized, id";
  if (sort == "-email")
    return "email_normalized DESC, id DESC";
  if (sort == "name")
    return "name, id";
  if (sort == "-name")
    return "name DESC, id DESC";
  return "created_at DESC, id DESC";
}

constexpr const char* kSessions = R"sql(
SELECT coalesce(json_agg(json_build_object(
         'id', id,
         'created_at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'last_seen_at', to_char(last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'expires_at', to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'ip', ip, 'user_agent', user_agent, 'current', token_hash = $2)
       ORDER BY created_at DESC, id DESC), '[]'::json)::text
FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now())sql";
constexpr const char* kRevokeOne = R"sql(
UPDATE sessions SET revoked_at = now(), revoke_reason = $3
WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL AND expires_at > now()
RETURNING id)sql";
constexpr const char* kRevokeAll = R"sql(
UPDATE sessions SET revoked_at = now(), revoke_reason = $2
WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() AND token_hash <> $3
RETURNING id)sql";

std::optional<User> first(const pqxx::result& res) {
  if (res.empty())
    return std::nullopt;
  return user_from(res[0]);
}

void publish_revoked(pqxx::work& tx, const events::Outbox& outbox, const std::string& user_id,
                     const std::string& session_id, const std::string& reason) {
  json::Writer w;
  w.begin_object()
      .field("user_id", user_id)
      .field("session_id", session_id)
      .field("reason", reason)
      .end_object();
  outbox.add(tx, "session.revoked", user_id, session_id, w.str());
}

}  // namespace

std::optional<User> Accounts::update(pqxx::work& tx, const std::string& user_id,
                                     const UserChanges& c) {
  return first(tx.exec_params(kUpdate, user_id, c.name, c.locale, c.time_zone, c.role));
}

std::optional<User> Accounts::mark_verified(pqxx::work& tx, const std::string& user_id) {
  return first(tx.exec_params(kMarkVerified, user_id));
}

std::vector<User> Accounts::search(pqxx::work& tx, const UserQuery& q) {
  auto sql = std::string("SELECT ") + kUserColumnList + " FROM users WHERE " + kQueryFilter +
             " ORDER BY " + order_by(q.sort) + " LIMIT $5 OFFSET $6";
  std::vector<User> out;
  for (const auto& r :
       tx.exec_params(sql, q.search, q.status, q.role, q.verified, q.limit, q.offset))
    out.push_back(user_from(r));
  return out;
}

std::int64_t Accounts::count(pqxx::work& tx, const UserQuery& q) {
  return tx
      .exec_params1(std::string("SELECT count(*) FROM users WHERE ") + kQueryFilter, q.search,
                    q.status, q.role, q.verified)[0]
      .as<std::int64_t>();
}

std::vector<User> Accounts::lock_many(pqxx::work& tx, const std::vector<std::string>& ids) {
  std::vector<User> out;
  json::Writer w;
  w.begin_array();
  for (const auto& id : ids)
    w.value(id);
  w.end_array();
  for (const auto& r : tx.exec_params(kLockMany, w.str()))
    out.push_back(user_from(r));
  return out;
}

std::optional<User> Accounts::lock(pqxx::work& tx, const std::string& user_id) {
  return first(tx.exec_params(kLock, user_id));
}

std::string Accounts::sessions_json(pqxx::work& tx, const std::string& user_id,
                                    const std::string& current_token) {
  auto hash = current_token.empty() ? std::string() : crypto::sha256_hex(current_token);
  return tx.exec_params1(kSessions, user_id, hash)[0].as<std::string>();
}

bool Accounts::revoke_session(pqxx::work& tx, const events::Outbox& outbox,
                              const std::string& user_id, const std::string& session_id,
                              const std::string& reason) {
  auto res = tx.exec_params(kRevokeOne, user_id, session_id, reason);
  if (res.empty())
    return false;
  publish_revoked(tx, outbox, user_id, session_id, reason);
  return true;
}

std::int64_t Accounts::revoke_sessions(pqxx::work& tx, const events::Outbox& outbox,
                                       const std::string& user_id, const std::string& reason,
                                       const std::string& keep_token) {
  auto keep = keep_token.empty() ? std::string() : crypto::sha256_hex(keep_token);
  auto res = tx.exec_params(kRevokeAll, user_id, reason, keep);
  for (const auto& r : res)
    publish_revoked(tx, outbox, user_id, r[0].as<std::string>(), reason);
  return static_cast<std::int64_t>(res.size());
}

User Accounts::change_status(pqxx::work& tx, const events::Outbox& outbox, const http::Request& req,
                             const User& user, const std::string& status) {
  if (user.status == status)
    return user;
  auto after = first(tx.exec_params(kSetStatus, user.id, status));
  if (status != "active")
    revoke_sessions(tx, outbox, user.id, "status_changed");
  json::Writer w;
  w.begin_object()
      .field("user_id", user.id)
      .field("status", status)
      .field("previous_status", user.status)
      .field("changed_by", req.identity.user_id.empty() ? user.id : req.identity.user_id)
      .end_object();
  outbox.add(tx, "user.status_changed", user.id, user.id, w.str());
  json::Writer detail;
  detail.begin_object()
      .field("status", status)
      .field("previous_status", user.status)
      .field("changed_by", req.identity.user_id)
      .end_object();
  SecurityEvents::record(tx, "status_changed", req, user.id, user.email, detail.str());
  return *after;
}

void Accounts::remove(pqxx::work& tx, const events::Outbox& outbox, const User& user,
                      const std::string& by) {
  revoke_sessions(tx, outbox, user.id, "account_deleted");
  SecurityEvents::forget_user(tx, user.id, user.email);
  SecurityEvents::record_deletion(tx, user.id, by);
  tx.exec_params(kDelete, user.id);
  tx.exec_params(kForgetPublished, user.id);
  json::Writer w;
  w.begin_object()
      .field("user_id", user.id)
      .field("deleted_at", json::utc_timestamp(std::chrono::system_clock::now()))
      .end_object();
  outbox.add(tx, "user.deleted", user.id, user.id, w.str());
}

void Accounts::publish_updated(pqxx::work& tx, const events::Outbox& outbox, const User& user) {
  outbox.add(tx, "user.updated", user.id, user.id, user_updated_event(user));
}

}  // namespace kx::auth
