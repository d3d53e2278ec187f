#pragma once
// The other services' parts of an owner's data export: each serves what it holds at
// GET /internal/users/{id}/export ({"service", "data"}); auth composes them.

#include <map>
#include <memory>
#include <string>

#include "kx/http/identity.hpp"
#include "kx/http/replicas.hpp"

namespace kx::auth {

/// Thread-safe. Blocks for the HTTP calls.
class ServiceExports {
 public:
  /// `services`: name → its replicas' base URLs, e.g. {"agent", {"http://127.0.0.1:8082"}}.
  ServiceExports(const std::map<std::string, std::vector<std::string>>& services,
                 const http::IdentitySigner& signer);

  /// A JSON object {"<service>": <its data>, ...}. Throws http::Error 503 `unavailable` when any
  /// service does not answer 200 with a JSON object: an export is never partial.
  std::string collect(const std::string& user_id, const std::string& request_id) const;

 private:
  std::map<std::string, std::unique_ptr<http::Replicas>> services_;
  const http::IdentitySigner& signer_;
};

}  // namespace kx::auth
