#include "users.hpp"

#include "kx/crypto/crypto.hpp"
#include "kx/json/json.hpp"

namespace kx::auth {
namespace {

constexpr const char* kUserColumns =
    "id, email, name, role, status, locale, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), password_hash, "
    "email_verified_at IS NOT NULL, time_zone";

const std::string kInsertUser = std::string(R"sql(
INSERT INTO users (id, email, email_normalized, name, password_hash, role, locale)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (email_normalized) DO NOTHING
RETURNING )sql") + kUserColumns;
const std::string kUserByEmail =
    std::string("SELECT ") + kUserColumns + " FROM users WHERE email_normalized = $1";
const std::string kUserById = std::string("SELECT ") + kUserColumns + " FROM users WHERE id = $1";
constexpr const char* kUpdatePasswordHash =
    "UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1";
const std::string kSetRole =
    std::string(
        "UPDATE users SET role = $2, updated_at = now() WHERE email_normalized = $1 RETURNING ") +
    kUserColumns;
// Case is folded by ICU's root locale whatever the database's own collation is, so "JÜRGEN"
// finds "Jürgen"; "ß" also matches "SS" ("GRÖSSE" finds "Größe"), the one full case folding
// German needs. $1 is a LIKE pattern with its wildcards escaped.
constexpr const char* kUserSearch = R"sql(
($1 = '' OR replace(lower(email_normalized COLLATE "und-x-icu"), 'ß', 'ss')
              LIKE '%' || replace(lower($1 COLLATE "und-x-icu"), 'ß', 'ss') || '%'
         OR replace(lower(name COLLATE "und-x-icu"), 'ß', 'ss')
              LIKE '%' || replace(lower($1 COLLATE "und-x-icu"), 'ß', 'ss') || '%'))sql";

constexpr const char* kInsertSession = R"sql(
INSERT INTO sessions (id, user_id, token_hash, expires_at, absolute_expires_at, ip, user_agent)
VALUES ($1, $2, $3, now() + make_interval(hours => least($4::int, $5::int)),
        now() + make_interval(hours => $5::int), $6, $7))sql";
constexpr const char* kResolveSession = R"sql(
WITH live AS (
  SELECT s.id, u.id AS user_id, u.role, u.status, s.expires_at, s.last_seen_at,
         s.absolute_expires_at
  FROM sessions s JOIN users u ON u.id = s.user_id
  WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
    AND u.status = 'active'),
renewed AS (
  UPDATE sessions t
  SET last_seen_at = now(),
      expires_at = least(now() + make_interval(hours => $2), live.absolute_expires_at)
  FROM live WHERE t.id = live.id AND live.last_seen_at < now() - interval '1 minute'
  RETURNING t.expires_at)
SELECT live.id, live.user_id, live.role, live.status,
       to_char(coalesce((SELECT expires_at FROM renewed), live.expires_at) AT TIME ZONE 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS"Z"')
FROM live)sql";
// Expired sessions go at once; revoked ones are kept a week for the owner's session list.
constexpr const char* kPruneSessions = R"sql(
DELETE FROM sessions WHERE id IN (
  SELECT id FROM sessions
  WHERE expires_at < now() OR revoked_at < now() - interval '7 days'
  LIMIT $1 FOR UPDATE SKIP LOCKED))sql";
// A used or expired token is worthless; the answer to it is the same without the row.
constexpr const char* kPruneTokens = R"sql(
DELETE FROM account_tokens WHERE token_hash IN (
  SELECT token_hash FROM account_tokens WHERE expires_at < now() OR used_at IS NOT NULL
  LIMIT $1 FOR UPDATE SKIP LOCKED))sql";
// No rule's window is longer than a day.
constexpr const char* kPruneThrottle = R"sql(
DELETE FROM throttle_counters WHERE (rule, key) IN (
  SELECT rule, key FROM throttle_counters WHERE window_start < now() - interval '1 day'
  LIMIT $1 FOR UPDATE SKIP LOCKED))sql";
constexpr const char* kRevokeSession = R"sql(
UPDATE sessions SET revoked_at = now(), revoke_reason = $2
WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
RETURNING id, user_id)sql";

}  // namespace

const char* const kUserColumnList = kUserColumns;
const char* const kUserSearchCondition = kUserSearch;

User user_from(const pqxx::row& r) {
  return User{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
              r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::string>(),
              r[6].as<std::string>(), r[7].as<std::string>(), r[8].as<bool>(),
              r[9].as<std::string>()};
}

namespace {

std::optional<User> first_user(const pqxx::result& res) {
  if (res.empty())
    return std::nullopt;
  return user_from(res[0]);
}

}  // namespace

std::string user_json(const User& u) {
  json::Writer w;
  w.begin_object()
      .field("id", u.id)
      .field("email", u.email)
      .field("name", u.name)
      .field("role", u.role)
      .field("status", u.status)
      .field("locale", u.locale)
      .field("time_zone", u.time_zone)
      .field("email_verified", u.email_verified)
      .field("created_at", u.created_at)
      .end_object();
  return w.str();
}

std::string user_registered_event(const User& u) {
  json::Writer w;
  w.begin_object()
      .field("user_id", u.id)
      .field("email", u.email)
      .field("name", u.name)
      .field("locale", u.locale)
      .field("registered_at", u.created_at)
      .field("email_verified", u.email_verified)
      .field("time_zone", u.time_zone)
      .end_object();
  return w.str();
}

std::string user_updated_event(const User& u) {
  json::Writer w;
  w.begin_object()
      .field("user_id", u.id)
      .field("email", u.email)
      .field("name", u.name)
      .field("locale", u.locale)
      .field("role", u.role)
      .field("email_verified", u.email_verified)
      .field("time_zone", u.time_zone)
      .field("updated_at", json::utc_timestamp(std::chrono::system_clock::now()))
      .end_object();
  return w.str();
}

std::optional<User> Users::insert(pqxx::work& tx, const std::string& email, const std::string& name,
                                  const std::string& password_hash, const std::string& role,
                                  const std::string& locale) {
  return first_user(tx.exec_params(kInsertUser, crypto::uuid_v7(), email, email, name,
                                   password_hash, role, locale));
}

std::optional<User> Users::by_email(pqxx::work& tx, const std::string& normalized_email) {
  return first_user(tx.exec_params(kUserByEmail, normalized_email));
}

std::optional<User> Users::by_id(pqxx::work& tx, const std::string& id) {
  return first_user(tx.exec_params(kUserById, id));
}

void Users::update_password_hash(pqxx::work& tx, const std::string& id, const std::string& hash) {
  tx.exec_params(kUpdatePasswordHash, id, hash);
}

std::optional<User> Users::set_role(pqxx::work& tx, const std::string& normalized_email,
                                    const std::string& role) {
  return first_user(tx.exec_params(kSetRole, normalized_email, role));
}

NewSession Users::create_session(pqxx::work& tx, const std::string& user_id,
                                 const SessionLifetime& lifetime, const std::string& ip,
                                 const std::string& user_agent) {
  NewSession s{crypto::uuid_v4(), crypto::random_token(32)};
  tx.exec_params(kInsertSession, s.id, user_id, crypto::sha256_hex(s.token),
                 static_cast<int>(lifetime.idle.count()),
                 static_cast<int>(lifetime.absolute.count()), ip, user_agent.substr(0, 512));
  return s;
}

std::optional<SessionInfo> Users::resolve(pqxx::work& tx, const std::string& token,
                                          std::chrono::hours idle) {
  auto res =
      tx.exec_params(kResolveSession, crypto::sha256_hex(token), static_cast<int>(idle.count()));
  if (res.empty())
    return std::nullopt;
  const auto& r = res[0];
  return SessionInfo{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                     r[3].as<std::string>(), r[4].as<std::string>()};
}

std::optional<SessionInfo> Users::revoke(pqxx::work& tx, const std::string& token,
                                         const std::string& reason) {
  auto res = tx.exec_params(kRevokeSession, crypto::sha256_hex(token), reason);
  if (res.empty())
    return std::nullopt;
  return SessionInfo{res[0][0].as<std::string>(), res[0][1].as<std::string>(), "", "", ""};
}

std::int64_t Users::prune_sessions(pqxx::work& tx, int limit) {
  return tx.exec_params(kPruneSessions, limit).affected_rows() +
         tx.exec_params(kPruneTokens, limit).affected_rows() +
         tx.exec_params(kPruneThrottle, limit).affected_rows();
}

}  // namespace kx::auth
