#pragma once
// The auth service's HTTP surface: sign-up, login, logout, current user, the gateway's
// session lookup, and the admin user list.

#include <chrono>
#include <string>

#include "kx/events/events.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"

namespace kx::auth {

inline constexpr const char* kSessionCookie = "kx_session";

struct AuthSettings {
  bool cookie_secure = true;
  std::chrono::hours session_ttl{24 * 14};
};

class AuthApi {
 public:
  AuthApi(pg::Pool& db, const events::Outbox& outbox, AuthSettings settings);
  void add_routes(http::Router& router);

  http::Response register_user(http::Request& req);
  http::Response login(http::Request& req);
  http::Response logout(http::Request& req);
  http::Response me(http::Request& req);
  http::Response resolve_session(http::Request& req);
  http::Response list_users(http::Request& req);

 private:
  std::string session_cookie(const std::string& token) const;

  pg::Pool& db_;
  const events::Outbox& outbox_;
  AuthSettings settings_;
  std::string dummy_hash_;  ///< verified against for unknown e-mails, so timing tells nothing
};

}  // namespace kx::auth
