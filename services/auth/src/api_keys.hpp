#pragma once
// Owners' API keys: the scope catalogue, the key format, and the api_keys table's SQL.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

namespace kx::auth {

/// The scopes an owner can give a key (what each opens is the gateway's scope table).
const std::vector<std::string>& api_key_scopes();
bool is_api_key_scope(std::string_view scope);

/// A key as the owner sees it; never its secret or hash.
struct ApiKey {
  std::string id;
  std::string user_id;
  std::string name;
  std::string prefix;  ///< the secret's first characters, enough to tell keys apart
  std::vector<std::string> scopes;
  std::string created_at;
  std::optional<std::string> last_used_at;
  std::optional<std::string> revoked_at;
};

std::string api_key_json(const ApiKey& key);

/// A new secret: "kx_" and 32 random bytes in base64url (46 characters).
std::string new_api_key_secret();

/// What the gateway needs to act for a live key of an active owner.
struct ResolvedApiKey {
  std::string key_id;
  std::string user_id;
  std::string role;
  std::vector<std::string> scopes;
};

/// What the gateway's key lookup answers.
std::string resolved_api_key_json(const ResolvedApiKey& key);

/// Stateless; every method works inside the caller's transaction.
class ApiKeys {
 public:
  /// Live (not revoked) keys of the owner.
  static std::int64_t live_count(pqxx::work& tx, const std::string& user_id);
  /// Stores the key under the SHA-256 of `secret`.
  static ApiKey insert(pqxx::work& tx, const std::string& user_id, const std::string& name,
                       const std::vector<std::string>& scopes, const std::string& secret);
  /// The owner's keys, revoked ones included, newest first.
  static std::vector<ApiKey> list(pqxx::work& tx, const std::string& user_id);
  /// Revokes the owner's key (a revoked one stays revoked); false when the owner has no such key.
  static bool revoke(pqxx::work& tx, const std::string& user_id, const std::string& key_id);
  /// The live key of an active owner for this secret, recording its use (at most once a minute,
  /// so a busy key does not write on every lookup).
  static std::optional<ResolvedApiKey> resolve(pqxx::work& tx, const std::string& secret);
  /// Serialises one owner's key changes until the transaction ends.
  static void lock_owner(pqxx::work& tx, const std::string& user_id);
};

}  // namespace kx::auth
