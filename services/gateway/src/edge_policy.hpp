#pragma once
// What the public edge enforces on every request and response: CSRF for cookie-authenticated
// state changes (double-submit kx_csrf cookie + X-CSRF-Token, and an Origin check), and the
// security headers. Pure functions, unit-tested without sockets.

#include <optional>
#include <string>
#include <vector>

#include "kx/http/message.hpp"

namespace kx::gateway {

inline constexpr const char* kSessionCookie = "kx_session";
inline constexpr const char* kCsrfCookie = "kx_csrf";
inline constexpr const char* kCsrfHeader = "X-CSRF-Token";

struct EdgeSettings {
  std::vector<std::string> allowed_origins;  ///< e.g. https://app.kametrix.de
  bool secure_cookies = true;                ///< Secure cookies and HSTS (off only locally)
  /// Extra CSP script sources besides 'self', e.g. the hash of the page's inline import map.
  std::vector<std::string> script_sources;
};

bool is_state_changing(const std::string& method);

/// nullopt when the request may pass; otherwise the error to answer (403).
std::optional<std::string> csrf_violation(const http::Request& req, const EdgeSettings& settings);

/// Adds the security headers, and a fresh kx_csrf cookie when the request carried none.
void apply_edge_headers(const http::Request& req, http::Response& res,
                        const EdgeSettings& settings);

/// The origin (scheme://host[:port]) of a URL such as a Referer.
std::string origin_of(const std::string& url);

}  // namespace kx::gateway
