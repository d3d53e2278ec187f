#include "edge_policy.hpp"

#include <gtest/gtest.h>

namespace kx::gateway {
namespace {

http::Request request(std::string method, std::string path, std::string cookie = {}) {
  http::Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  if (!cookie.empty())
    r.headers.set("Cookie", cookie);
  return r;
}

const EdgeSettings kSettings{{"https://app.kametrix.de"}, true};

TEST(Csrf, SafeMethodsAndCookielessRequestsPass) {
  EXPECT_FALSE(csrf_violation(request("GET", "/api/calls", "kx_session=s"), kSettings));
  EXPECT_FALSE(csrf_violation(request("POST", "/api/auth/login"), kSettings));
}

TEST(Csrf, CookieAuthenticatedChangesNeedTheToken) {
  auto req = request("POST", "/api/auth/logout", "kx_session=s; kx_csrf=abc");
  EXPECT_TRUE(csrf_violation(req, kSettings));
  req.headers.set("X-CSRF-Token", "abd");
  EXPECT_TRUE(csrf_violation(req, kSettings));
  req.headers.set("X-CSRF-Token", "abc");
  EXPECT_FALSE(csrf_violation(req, kSettings));
  auto no_cookie = request("DELETE", "/api/agents/1", "kx_session=s");
  no_cookie.headers.set("X-CSRF-Token", "");
  EXPECT_TRUE(csrf_violation(no_cookie, kSettings));
}

TEST(Csrf, ForeignOriginsAreRejectedEvenWithToken) {
  auto req = request("POST", "/api/auth/login");
  req.headers.set("Origin", "https://evil.example");
  EXPECT_TRUE(csrf_violation(req, kSettings));
  req.headers.set("Origin", "https://app.kametrix.de");
  EXPECT_FALSE(csrf_violation(req, kSettings));
  auto ref = request("POST", "/api/auth/login");
  ref.headers.set("Referer", "https://evil.example/page");
  EXPECT_TRUE(csrf_violation(ref, kSettings));
}

TEST(Csrf, WebhooksAreExempt) {
  auto req = request("POST", "/webhooks/stripe", "kx_session=s");
  req.headers.set("Origin", "https://evil.example");
  EXPECT_FALSE(csrf_violation(req, kSettings));
}

TEST(Csrf, OneClickUnsubscribeIsExemptAndNothingElseBelowPublic) {
  auto req = request("POST", "/api/public/unsubscribe", "kx_session=s");
  req.headers.set("Origin", "https://mail.example");
  EXPECT_FALSE(csrf_violation(req, kSettings));
  auto other = request("POST", "/api/public/unsubscribe/x", "kx_session=s");
  EXPECT_TRUE(csrf_violation(other, kSettings));
}

TEST(EdgeHeaders, SecurityHeadersAndCsrfCookie) {
  http::Response res;
  apply_edge_headers(request("GET", "/api/auth/me"), res, kSettings);
  EXPECT_EQ(res.headers.get("X-Frame-Options").value_or(""), "DENY");
  EXPECT_EQ(res.headers.get("X-Content-Type-Options").value_or(""), "nosniff");
  EXPECT_TRUE(res.headers.has("Content-Security-Policy"));
  EXPECT_TRUE(res.headers.has("Strict-Transport-Security"));
  EXPECT_EQ(res.headers.get("Cache-Control").value_or(""), "no-store");
  auto cookie = std::string(res.headers.get("Set-Cookie").value_or(""));
  EXPECT_EQ(cookie.rfind("kx_csrf=", 0), 0u);
  EXPECT_EQ(cookie.find("HttpOnly"), std::string::npos);  // the page must read it
  EXPECT_NE(cookie.find("Secure"), std::string::npos);

  http::Response again;
  apply_edge_headers(request("GET", "/", "kx_csrf=x"), again, {{}, false});
  EXPECT_FALSE(again.headers.has("Set-Cookie"));
  EXPECT_FALSE(again.headers.has("Strict-Transport-Security"));
}

}  // namespace
}  // namespace kx::gateway
