#pragma once
// The owner's API keys (create, list, revoke) and the gateway's key lookup.

#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"

namespace kx::auth {

/// Live keys an owner may have at once.
inline constexpr int kMaxLiveApiKeys = 20;

/// Thread-safe; each handler runs one short transaction.
class ApiKeysApi {
 public:
  explicit ApiKeysApi(pg::Pool& db) : db_(db) {}
  void add_routes(http::Router& router);

  /// POST /api/account/api-keys: 201 {"key", "secret"}; the secret is never shown again.
  http::Response create(http::Request& req);
  /// GET /api/account/api-keys: every key of the owner, revoked ones included.
  http::Response list(http::Request& req);
  /// DELETE /api/account/api-keys/{id}: 204; another owner's or an unknown id is 404.
  http::Response revoke(http::Request& req);
  /// POST /internal/api-keys/resolve {"key"}: the key's owner and scopes, or 404.
  http::Response resolve(http::Request& req);

 private:
  pg::Pool& db_;
};

}  // namespace kx::auth
