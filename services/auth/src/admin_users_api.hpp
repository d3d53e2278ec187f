#pragma once
// The admin's view of accounts: search and filter users, detail, status/role/name changes (also
// in bulk), password reset for a user, deletion, and the security events. Every change is an
// admin.action for the audit log. An admin cannot suspend, demote or delete themself.

#include "auth_api.hpp"

namespace kx::auth {

class AdminUsersApi {
 public:
  /// `mailer` must outlive the API.
  AdminUsersApi(pg::Pool& db, const events::Outbox& outbox, AuthSettings settings,
                const LinkMailer& mailer);
  void add_routes(http::Router& router);

  http::Response list(http::Request& req);
  http::Response detail(http::Request& req);
  http::Response update(http::Request& req);
  http::Response remove(http::Request& req);
  http::Response password_reset(http::Request& req);
  http::Response bulk_status(http::Request& req);
  http::Response security_events(http::Request& req);

 private:
  pg::Pool& db_;
  const events::Outbox& outbox_;
  AuthSettings settings_;
  const LinkMailer& mailer_;
};

}  // namespace kx::auth
