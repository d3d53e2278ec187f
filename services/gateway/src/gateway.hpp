#pragma once
// The only public entry point: routes /api/* and /webhooks/* to the owning service, resolves
// the session cookie into a signed identity, enforces the edge policy, and serves the
// dashboard's static files.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edge_policy.hpp"
#include "kx/http/client.hpp"
#include "kx/http/identity.hpp"
#include "kx/http/router.hpp"
#include "session_cache.hpp"

namespace kx::gateway {

/// A path prefix and the service that owns it.
struct Upstream {
  std::string prefix;    ///< e.g. "/api/calls"
  std::string service;   ///< e.g. "telephony-webhook"
  std::size_t max_body;  ///< bytes accepted from clients
};

/// The routing table: every public path prefix and its owner (documented in docs/api.md).
const std::vector<Upstream>& upstream_table();

struct GatewaySettings {
  std::map<std::string, std::string> service_urls;  ///< service name -> base URL
  EdgeSettings edge;
  std::string web_root;  ///< folder with index.html and assets
  std::chrono::milliseconds session_cache_ttl{5'000};
  std::chrono::milliseconds upstream_timeout{15'000};
};

class Gateway {
 public:
  Gateway(GatewaySettings settings, const http::IdentitySigner& signer);
  void add_routes(http::Router& router);
  /// Adjusts every response the server sends (security headers, CSRF cookie).
  void on_response(const http::Request& req, http::Response& res) const;
  SessionCache& sessions() { return cache_; }

  http::Response proxy(http::Request& req, const Upstream& upstream);
  http::Response serve_static(http::Request& req);

 private:
  /// The caller's identity from the session cookie (anonymous when none or invalid).
  http::Identity identify(const http::Request& req);

  GatewaySettings settings_;
  const http::IdentitySigner& signer_;
  SessionCache cache_;
  http::Client upstreams_;
};

}  // namespace kx::gateway
