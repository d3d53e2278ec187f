#include "users.hpp"

#include "kx/crypto/crypto.hpp"
#include "kx/json/json.hpp"

namespace kx::auth {
namespace {

constexpr const char* kUserColumns =
    "id, email, name, role, status, locale, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), password_hash";

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
const std::string kListUsers = std::string("SELECT ") + kUserColumns + " FROM users WHERE " +
                               kUserSearch +
                               " ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3";
const std::string kCountUsers = std::string("SELECT count(*) FROM users WHERE ") + kUserSearch;

constexpr const char* kInsertSession = R"sql(
INSERT INTO sessions (id, user_id, token_hash, expires_at, ip, user_agent)
VALUES ($1, $2, $3, now() + make_interval(hours => $4), $5, $6))sql";
constexpr const char* kResolveSession = R"sql(
SELECT s.id, u.id, u.role, u.status,
       to_char(s.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
  AND u.status = 'active')sql";
// Expired sessions go at once; revoked ones are kept a week for the owner's session list.
constexpr const char* kPruneSessions = R"sql(
DELETE FROM sessions WHERE id IN (
  SELECT id FROM sessions
  WHERE expires_at < now() OR revoked_at < now() - interval '7 days'
  LIMIT $1 FOR UPDATE SKIP LOCKED))sql";
constexpr const char* kRevokeSession = R"sql(
UPDATE sessions SET revoked_at = now(), revoke_reason = $2
WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
RETURNING id, user_id)sql";

User user_from(const pqxx::row& r) {
  return User{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
              r[3].as<std::string>(), r[4].as<std::string>(), r[5].as<std::string>(),
              r[6].as<std::string>(), r[7].as<std::string>()};
}

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

std::vector<User> Users::list(pqxx::work& tx, const std::string& query, int limit, int offset) {
  std::vector<User> out;
  for (const auto& r : tx.exec_params(kListUsers, query, limit, offset))
    out.push_back(user_from(r));
  return out;
}

std::int64_t Users::count(pqxx::work& tx, const std::string& query) {
  return tx.exec_params1(kCountUsers, query)[0].as<std::int64_t>();
}

NewSession Users::create_session(pqxx::work& tx, const std::string& user_id, std::chrono::hours ttl,
                                 const std::string& ip, const std::string& user_agent) {
  NewSession s{crypto::uuid_v4(), crypto::random_token(32)};
  tx.exec_params(kInsertSession, s.id, user_id, crypto::sha256_hex(s.token),
                 static_cast<int>(ttl.count()), ip, user_agent.substr(0, 512));
  return s;
}

std::optional<SessionInfo> Users::resolve(pqxx::work& tx, const std::string& token) {
  auto res = tx.exec_params(kResolveSession, crypto::sha256_hex(token));
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
  return tx.exec_params(kPruneSessions, limit).affected_rows();
}

}  // namespace kx::auth
