#include "api_keys.hpp"

#include <algorithm>

#include "kx/crypto/crypto.hpp"
#include "kx/json/json.hpp"

namespace kx::auth {
namespace {

constexpr const char* kSecretPrefix = "kx_";
constexpr std::size_t kDisplayPrefixLength = 11;  // "kx_" and 8 characters of the secret

constexpr const char* kTime = "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'";
const std::string kKeyColumns = std::string(
                                    "id, user_id, name, prefix, array_to_string(scopes, ','), "
                                    "to_char(created_at AT TIME ZONE 'UTC', ") +
                                kTime + "), to_char(last_used_at AT TIME ZONE 'UTC', " + kTime +
                                "), to_char(revoked_at AT TIME ZONE 'UTC', " + kTime + ")";

const std::string kInsertKey = R"sql(
INSERT INTO api_keys (id, user_id, name, prefix, secret_hash, scopes)
VALUES ($1, $2, $3, $4, $5, string_to_array($6, ','))
RETURNING )sql" + kKeyColumns;
const std::string kListKeys =
    "SELECT " + kKeyColumns + " FROM api_keys WHERE user_id = $1 ORDER BY created_at DESC, id";
constexpr const char* kLiveCount =
    "SELECT count(*) FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL";
constexpr const char* kRevokeKey = R"sql(
UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now())
WHERE id = $1 AND user_id = $2)sql";
constexpr const char* kLockOwner = "SELECT pg_advisory_xact_lock(hashtext('api_keys:' || $1))";
// The owner's status is read on every lookup, so a suspended or deleted owner's keys stop at
// once (within the gateway's cache time).
constexpr const char* kResolveKey = R"sql(
SELECT k.id, u.id, u.role, array_to_string(k.scopes, ',')
FROM api_keys k JOIN users u ON u.id = k.user_id
WHERE k.secret_hash = $1 AND k.revoked_at IS NULL AND u.status = 'active')sql";
constexpr const char* kTouchKey = R"sql(
UPDATE api_keys SET last_used_at = now()
WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute'))sql";

std::vector<std::string> split_scopes(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = std::min(text.find(',', start), text.size());
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes)
    out += (out.empty() ? "" : ",") + s;
  return out;
}

void write_scopes(json::Writer& w, const std::vector<std::string>& scopes) {
  w.key("scopes").begin_array();
  for (const auto& s : scopes)
    w.value(s);
  w.end_array();
}

ApiKey key_from(const pqxx::row& r) {
  return ApiKey{r[0].as<std::string>(),
                r[1].as<std::string>(),
                r[2].as<std::string>(),
                r[3].as<std::string>(),
                split_scopes(r[4].as<std::string>()),
                r[5].as<std::string>(),
                r[6].as<std::optional<std::string>>(),
                r[7].as<std::optional<std::string>>()};
}

}  // namespace

const std::vector<std::string>& api_key_scopes() {
  static const std::vector<std::string> scopes = {
      "calls:read",    "credits:read",   "agents:read",   "agents:write",
      "webhooks:read", "webhooks:write", "bookings:read",
  };
  return scopes;
}

bool is_api_key_scope(std::string_view scope) {
  const auto& all = api_key_scopes();
  return std::find(all.begin(), all.end(), scope) != all.end();
}

std::string api_key_json(const ApiKey& k) {
  json::Writer w;
  w.begin_object().field("id", k.id).field("name", k.name).field("prefix", k.prefix);
  write_scopes(w, k.scopes);
  w.field("created_at", k.created_at)
      .field("last_used_at", k.last_used_at)
      .field("revoked_at", k.revoked_at)
      .end_object();
  return w.str();
}

std::string resolved_api_key_json(const ResolvedApiKey& k) {
  json::Writer w;
  w.begin_object().field("key_id", k.key_id).field("user_id", k.user_id).field("role", k.role);
  write_scopes(w, k.scopes);
  w.end_object();
  return w.str();
}

std::string new_api_key_secret() {
  return kSecretPrefix + crypto::random_token(32);
}

std::int64_t ApiKeys::live_count(pqxx::work& tx, const std::string& user_id) {
  return tx.exec_params1(kLiveCount, user_id)[0].as<std::int64_t>();
}

ApiKey ApiKeys::insert(pqxx::work& tx, const std::string& user_id, const std::string& name,
                       const std::vector<std::string>& scopes, const std::string& secret) {
  return key_from(tx.exec_params1(kInsertKey, crypto::uuid_v7(), user_id, name,
                                  secret.substr(0, kDisplayPrefixLength),
                                  crypto::sha256_hex(secret), join_scopes(scopes)));
}

std::vector<ApiKey> ApiKeys::list(pqxx::work& tx, const std::string& user_id) {
  std::vector<ApiKey> out;
  for (const auto& r : tx.exec_params(kListKeys, user_id))
    out.push_back(key_from(r));
  return out;
}

bool ApiKeys::revoke(pqxx::work& tx, const std::string& user_id, const std::string& key_id) {
  return tx.exec_params(kRevokeKey, key_id, user_id).affected_rows() == 1;
}

std::optional<ResolvedApiKey> ApiKeys::resolve(pqxx::work& tx, const std::string& secret) {
  auto res = tx.exec_params(kResolveKey, crypto::sha256_hex(secret));
  if (res.empty())
    return std::nullopt;
  const auto& r = res[0];
  ResolvedApiKey key{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                     split_scopes(r[3].as<std::string>())};
  tx.exec_params(kTouchKey, key.key_id);
  return key;
}

void ApiKeys::lock_owner(pqxx::work& tx, const std::string& user_id) {
  tx.exec_params(kLockOwner, user_id);
}

}  // namespace kx::auth
