#pragma once
// The owners' Google connections: tokens sealed at rest (AES-256-GCM with a key id, so keys
// rotate), access tokens refreshed before they expire — once, however many tool calls need one
// at the same moment — and a grant Google no longer accepts turned into "reconnect required"
// with integration.google.disconnected, so the agent stops offering calendar tools.

#include <chrono>
#include <optional>
#include <string>

#include "google_client.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/events/outbox.hpp"
#include "kx/pg/pg.hpp"

namespace kx::integrations {

/// The time a piece of work may still take (a tool call's budget).
class Deadline {
 public:
  explicit Deadline(std::chrono::milliseconds budget)
      : end_(std::chrono::steady_clock::now() + budget) {}
  /// What is left, at most `cap`. Throws GoogleError(transient) when too little is left for
  /// another request.
  std::chrono::milliseconds left(std::chrono::milliseconds cap) const;

 private:
  std::chrono::steady_clock::time_point end_;
};

struct Connection {
  std::string user_id;
  std::string status;  ///< "connected" or "reconnect_required"
  std::string google_email;
  std::string scopes;
  std::string calendar_id;
  std::string connected_at;  ///< ISO-8601 UTC
};

/// Thread-safe.
class GoogleAccounts {
 public:
  GoogleAccounts(pg::Pool& db, GoogleClient& google, const crypto::Keyring& keys,
                 const events::Outbox& outbox);

  std::optional<Connection> find(pqxx::work& tx, const std::string& user_id) const;
  std::optional<Connection> find(const std::string& user_id) const;

  /// Stores a new grant for the owner (replacing an older one) and publishes
  /// integration.google.connected.
  void connect(const std::string& user_id, const TokenGrant& grant, const std::string& email);

  /// Revokes the grant at Google (a failure there is logged, the tokens go anyway), deletes the
  /// tokens and publishes integration.google.disconnected with `reason`. False when the owner
  /// had no connection.
  bool disconnect(const std::string& user_id, const std::string& reason,
                  std::chrono::milliseconds timeout);

  /// A usable access token of a connected owner: the stored one while it lives another minute,
  /// else a refreshed one. Concurrent callers wait on the row lock and reuse the refresh.
  /// std::nullopt when the owner is not connected (or must reconnect). Throws GoogleError
  /// (transient) when Google did not answer; a dead grant is recorded and yields std::nullopt.
  std::optional<std::string> access_token(const std::string& user_id, const Deadline& deadline);

  /// A sealed access token read along with other data, opened; std::nullopt when it does not
  /// open (then access_token() gets a usable one).
  std::optional<std::string> open_access_token(const std::string& user_id,
                                               const std::string& sealed) const;

  /// After Google answered 401 for `stale`: a refreshed token, unless another caller refreshed
  /// already (then that one). std::nullopt as access_token().
  std::optional<std::string> refresh_after_401(const std::string& user_id, const std::string& stale,
                                               const Deadline& deadline);

  /// Forgets an owner completely (user.deleted): revokes and deletes without an event.
  void forget(pqxx::work& tx, const std::string& user_id);

 private:
  std::optional<std::string> token(const std::string& user_id, const Deadline& deadline,
                                   const std::string* stale);

  pg::Pool& db_;
  GoogleClient& google_;
  const crypto::Keyring& keys_;
  const events::Outbox& outbox_;
};

/// "kid:base64(32 bytes),kid2:…" → a keyring whose first key seals. Throws
/// std::invalid_argument naming the problem (never the key).
crypto::Keyring keyring_from_config(const std::string& text);

}  // namespace kx::integrations
