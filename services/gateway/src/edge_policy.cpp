#include "edge_policy.hpp"

#include <algorithm>

#include "kx/crypto/crypto.hpp"

namespace kx::gateway {

bool is_state_changing(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

std::string origin_of(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos)
    return {};
  auto end = url.find('/', scheme + 3);
  return url.substr(0, end);
}

std::optional<std::string> csrf_violation(const http::Request& req, const EdgeSettings& settings) {
  if (!is_state_changing(req.method))
    return std::nullopt;
  // Provider webhooks carry no cookies and are verified by signature in their service.
  if (req.path.rfind("/webhooks/", 0) == 0)
    return std::nullopt;
  // An unsubscribe link's signed token is its own authority and its only effect is turning a
  // mail off: mail providers post it from anywhere (RFC 8058 one-click), and the confirmation
  // form of a signed-in browser carries no CSRF header.
  if (req.path == "/api/public/unsubscribe")
    return std::nullopt;
  std::string origin;
  if (auto o = req.header("Origin")) {
    origin = std::string(*o);
  } else if (auto r = req.header("Referer")) {
    origin = origin_of(std::string(*r));
  }
  if (!origin.empty() && std::find(settings.allowed_origins.begin(), settings.allowed_origins.end(),
                                   origin) == settings.allowed_origins.end()) {
    return std::string("Anfragen von dieser Herkunft sind nicht erlaubt.");
  }
  auto session = req.cookie(kSessionCookie);
  if (!session || session->empty())
    return std::nullopt;
  auto cookie = req.cookie(kCsrfCookie);
  auto header = req.header(kCsrfHeader);
  if (!cookie || cookie->empty() || !header || !crypto::constant_time_equal(*cookie, *header)) {
    return std::string(
        "Sicherheitsprüfung fehlgeschlagen (CSRF). Bitte laden Sie die Seite neu und versuchen "
        "Sie es erneut.");
  }
  return std::nullopt;
}

void apply_edge_headers(const http::Request& req, http::Response& res, const EdgeSettings& s) {
  auto& h = res.headers;
  h.set("X-Content-Type-Options", "nosniff");
  h.set("X-Frame-Options", "DENY");
  h.set("Referrer-Policy", "strict-origin-when-cross-origin");
  h.set("Permissions-Policy", "camera=(), geolocation=(), microphone=(self), payment=()");
  h.set("Cross-Origin-Opener-Policy", "same-origin");
  std::string scripts = "'self'";
  for (const auto& source : s.script_sources)
    scripts += " " + source;
  // Recordings are played from the provider's storage (the plain-HTTP sandbox locally).
  std::string media = s.secure_cookies ? "'self' https:" : "'self' https: http:";
  h.set("Content-Security-Policy",
        "default-src 'self'; script-src " + scripts +
            "; style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src " + media +
            "; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
            "object-src 'none'");
  if (s.secure_cookies)
    h.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  if (req.path.rfind("/api/", 0) == 0 && !h.has("Cache-Control"))
    h.set("Cache-Control", "no-store");
  if (!req.cookie(kCsrfCookie)) {
    h.add("Set-Cookie", http::set_cookie_value(kCsrfCookie, crypto::random_token(24),
                                               {.http_only = false, .secure = s.secure_cookies}));
  }
}

}  // namespace kx::gateway
