#pragma once
// The owner's side of integrations in the dashboard: connecting Google (OAuth web-server flow
// with `state` bound to the owner and the browser, and PKCE), the connection's status and
// disconnecting, the appointment duration, and the bookings agents made.
//
//   GET    /api/integrations/google            status
//   GET    /api/integrations/google/connect    302 to Google's consent page
//   GET    /api/integrations/google/callback   302 back to the dashboard
//   DELETE /api/integrations/google            revoke and forget
//   GET|PUT /api/settings/appointments         {duration_minutes}
//   GET    /api/bookings                       ?when=upcoming|past|all&limit&offset

#include <chrono>
#include <string>

#include "google_accounts.hpp"
#include "kx/http/router.hpp"

namespace kx::integrations {

struct OAuthSettings {
  std::chrono::seconds state_ttl{600};
  bool cookie_secure = true;
  std::string dashboard_page = "/integrations";
};

class DashboardApi {
 public:
  DashboardApi(pg::Pool& db, GoogleAccounts& accounts, GoogleClient& google,
               const crypto::Keyring& keys, OAuthSettings settings);
  void add_routes(http::Router& router);

  http::Response status(http::Request& req);
  http::Response connect(http::Request& req);
  http::Response callback(http::Request& req);
  http::Response disconnect(http::Request& req);
  http::Response get_appointments(http::Request& req);
  http::Response put_appointments(http::Request& req);
  http::Response bookings(http::Request& req);

 private:
  std::string status_json(const std::string& user_id);
  http::Response back_to_dashboard(const std::string& return_to, const std::string& outcome);

  pg::Pool& db_;
  GoogleAccounts& accounts_;
  GoogleClient& google_;
  const crypto::Keyring& keys_;
  OAuthSettings settings_;
};

/// The scopes the integration asks for, space-separated; `openid email` names the account.
extern const char* const kGoogleScopes;
/// Whether a granted `scope` string holds every scope the tools and the call log need.
bool has_required_scopes(std::string_view granted);

}  // namespace kx::integrations
