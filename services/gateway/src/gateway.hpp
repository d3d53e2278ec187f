#pragma once
// The only public entry point: routes /api/* and /webhooks/* to the owning service, resolves
// the session cookie or an API key into a signed identity, enforces the edge policy and the
// keys' scopes, and serves the dashboard's static files.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api_keys.hpp"
#include "edge_policy.hpp"
#include "event_stream.hpp"
#include "kx/http/client.hpp"
#include "kx/http/identity.hpp"
#include "kx/http/replicas.hpp"
#include "kx/http/router.hpp"
#include "rate_limit.hpp"
#include "session_cache.hpp"
#include "static_files.hpp"
#include "system_health.hpp"

namespace kx::gateway {

/// A path prefix and the service that owns it.
struct Upstream {
  std::string prefix;    ///< e.g. "/api/calls"
  std::string service;   ///< e.g. "telephony-webhook"
  std::size_t max_body;  ///< bytes accepted from clients
};

/// The routing table: every public path prefix and its owner (documented in docs/api.md).
const std::vector<Upstream>& upstream_table();

/// The operator's details for the Impressum and the Datenschutz page (LEGAL_* variables).
struct LegalInfo {
  std::string operator_name;
  std::string address;  ///< lines separated by "\n"
  std::string email;
  std::string phone;
  std::string register_entry;  ///< e.g. "Amtsgericht Berlin-Charlottenburg, HRB 123456"
  std::string vat_id;
  std::string privacy_officer;  ///< name and contact of the data-protection officer
};

struct GatewaySettings {
  /// service name -> its replicas' base URLs
  std::map<std::string, std::vector<std::string>> service_urls;
  EdgeSettings edge;
  std::string web_root;  ///< folder with index.html, src/, styles/, i18n/, vendor/
  LegalInfo legal;
  /// The sandbox's mail view (development only); the dashboard links it when set.
  std::string dev_mail_url;
  std::chrono::milliseconds session_cache_ttl{5'000};
  std::chrono::milliseconds upstream_timeout{15'000};
  EventHubOptions events;
  /// Requests a minute per API key (per replica), and the burst a key may send at once.
  int api_key_rate_per_minute = 120;
  /// The public API's description served at GET /api/openapi.yaml.
  std::string openapi_file = "docs/openapi.yaml";
  /// Per client address on the anonymous public endpoints (/api/auth/*, /api/public/*).
  RateLimitSettings public_rate;
  /// How long GET /api/admin/system waits for each service.
  std::chrono::milliseconds system_timeout{3'000};
  /// The gateway's own health document (Runtime::system_report).
  std::function<std::string()> own_system_report;
};

/// The event types GET /api/events carries (each replica consumes them from the end).
const std::vector<std::string>& streamed_event_types();

/// A browser loading a page (GET/HEAD accepting text/html) outside /api, /webhooks, /internal.
bool is_page_navigation(const http::Request& req);

class Gateway {
 public:
  Gateway(GatewaySettings settings, const http::IdentitySigner& signer);
  void add_routes(http::Router& router);
  /// Adjusts every response the server sends (security headers, CSRF cookie, and the app's
  /// not-found page instead of a JSON 404 for page navigations).
  void on_response(const http::Request& req, http::Response& res);
  SessionCache& sessions() { return cache_; }
  ApiKeyCache& api_keys() { return keys_; }
  EventHub& events() { return events_; }

  http::Response proxy(http::Request& req, const Upstream& upstream);
  /// GET /api/events: the signed-in user's events as text/event-stream; 401 without a session,
  /// 429 when the user has too many open streams.
  http::Response event_stream(http::Request& req);
  /// GET /api/public/legal: the LegalInfo as JSON, for the Impressum and Datenschutz pages.
  http::Response legal(http::Request& req);
  /// GET /api/admin/system (admins only): every service's health, see SystemHealth.
  http::Response system(http::Request& req);
  /// The app's index.html for one of its client routes.
  http::Response client_route(http::Request& req);
  /// GET /api/openapi.yaml: docs/openapi.yaml as read at start.
  http::Response openapi(http::Request& req);

 private:
  /// The caller's identity from the session cookie (anonymous when none or invalid). A request
  /// with an API key reaches only the scope table's routes (proxy), so here it is refused.
  http::Identity identify(const http::Request& req);
  /// For a request with an API key: its owner's identity, or the answer refusing it (401, 403,
  /// 429).
  std::variant<http::Identity, http::Response> authorize_key(const http::Request& req,
                                                             std::string_view key);
  ResolvedKey resolve_key(const http::Request& req, std::string_view key);
  /// POSTs `body` to auth's internal `path`, signed as the gateway; 503 if auth cannot answer.
  http::Response ask_auth(const http::Request& req, const std::string& path,
                          const std::string& body);
  /// A 429 answer when the client's address has used up its public-endpoint budget.
  std::optional<http::Response> public_rate_limited(const http::Request& req);

  GatewaySettings settings_;
  const http::IdentitySigner& signer_;
  SessionCache cache_;
  ApiKeyCache keys_;
  RateLimiter key_limits_;
  std::string openapi_;
  /// service name -> its replicas
  std::map<std::string, std::unique_ptr<http::Replicas>> upstreams_;
  StaticFiles files_;
  EventHub events_;
  RateLimiter public_rate_;
  SystemHealth system_;
};

}  // namespace kx::gateway
