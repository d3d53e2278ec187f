#pragma once
// The auth service's HTTP surface: sign-up, login, logout, current user, the gateway's
// session lookup, and the admin user list.

#include <chrono>
#include <string>

#include "kx/events/events.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"
#include "link_mailer.hpp"
#include "throttle.hpp"
#include "users.hpp"

namespace kx::auth {

inline constexpr const char* kSessionCookie = "kx_session";

struct AuthSettings {
  bool cookie_secure = true;
  SessionLifetime sessions;
  /// Where the dashboard is; mail links point there.
  std::string public_origin = "http://127.0.0.1:8080";
  ThrottleRules throttle;
  std::chrono::minutes verify_token_ttl{24 * 60};
  std::chrono::minutes reset_token_ttl{60};
};

class AuthApi {
 public:
  /// `mailer` sends the verification mail after sign-up; without one (tests) none is sent.
  AuthApi(pg::Pool& db, const events::Outbox& outbox, AuthSettings settings,
          const LinkMailer* mailer = nullptr);
  void add_routes(http::Router& router);

  http::Response register_user(http::Request& req);
  http::Response login(http::Request& req);
  http::Response logout(http::Request& req);
  http::Response me(http::Request& req);
  http::Response resolve_session(http::Request& req);

 private:
  std::string session_cookie(const std::string& token) const;

  pg::Pool& db_;
  const events::Outbox& outbox_;
  AuthSettings settings_;
  const LinkMailer* mailer_;
  std::string dummy_hash_;  ///< verified against for unknown e-mails, so timing tells nothing
};

/// Issues a fresh one-time token of `kind` (kVerifyEmail, kPasswordReset) for the user and mails
/// its link through `mailer`. Throws what the mailer throws (the token is stored either way).
void mail_link(pg::Pool& db, const LinkMailer& mailer, const AuthSettings& settings,
               const User& user, const std::string& kind, const std::string& request_id);

/// The answer of a failed password check: 401 invalid_credentials.
[[noreturn]] void throw_invalid_credentials();

/// Refuses a wrong password for `email` from the request's client IP the way login does:
/// before checking, when the (account, IP) pair or the IP is blocked (Throttled, recorded as a
/// `throttled` event); after a wrong password, counting the failure (login_failed event) and
/// throwing 401. A right password clears the pair's failures. `user` may be null (unknown
/// address); `hash` is then a dummy so the answer takes the same time.
void check_password_throttled(pg::Pool& db, const ThrottleRules& rules, const http::Request& req,
                              const std::string& email, const User* user, const std::string& hash,
                              const std::string& password);

/// Counts one request of the client IP under `rule` (and of `account_key` under `account_rule`
/// when given); throws Throttled when over a limit. Commits the count on its own.
void count_request(pg::Pool& db, const http::Request& req, const ThrottleRule& rule,
                   const ThrottleRule* account_rule = nullptr, const std::string& account_key = {});

}  // namespace kx::auth
