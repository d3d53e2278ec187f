#pragma once
// An owner's own account: e-mail verification, forgot/reset/change password, profile, sessions,
// data export and deletion.

#include "auth_api.hpp"
#include "service_exports.hpp"

namespace kx::auth {

class AccountsApi {
 public:
  /// `mailer` and `exports` must outlive the API.
  AccountsApi(pg::Pool& db, const events::Outbox& outbox, AuthSettings settings,
              const LinkMailer& mailer, const ServiceExports& exports);
  void add_routes(http::Router& router);

  http::Response verify(http::Request& req);
  http::Response resend_verification(http::Request& req);
  http::Response forgot_password(http::Request& req);
  http::Response reset_password(http::Request& req);
  http::Response change_password(http::Request& req);
  http::Response profile(http::Request& req);
  http::Response update_profile(http::Request& req);
  http::Response sessions(http::Request& req);
  http::Response revoke_session(http::Request& req);
  http::Response export_data(http::Request& req);
  http::Response delete_account(http::Request& req);

 private:
  User current_user(const http::Request& req);

  pg::Pool& db_;
  const events::Outbox& outbox_;
  AuthSettings settings_;
  const LinkMailer& mailer_;
  const ServiceExports& exports_;
};

}  // namespace kx::auth
