// auth: users, sessions, accounts, API keys, the audit log and the admin command.
#include "accounts_api.hpp"
#include "admin_command.hpp"
#include "admin_users_api.hpp"
#include "api_keys_api.hpp"
#include "audit_api.hpp"
#include "auth_api.hpp"
#include "kx/service/runtime.hpp"
#include "kx/time/zone.hpp"
#include "link_mailer.hpp"
#include "service_exports.hpp"
#include "users.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

int main(int argc, char** argv) {
  if (argc > 1)
    return kx::auth::run_admin_command(argc, argv);

  kx::service::Runtime rt("auth");
  auto& env = rt.env();
  kx::auth::AuthSettings settings;
  settings.cookie_secure = env.flag("COOKIE_SECURE", true);
  settings.sessions.absolute = std::chrono::hours(env.integer(
      "SESSION_MAX_HOURS", env.integer("SESSION_TTL_HOURS", 24 * 14, 1, 24 * 90), 1, 24 * 90));
  settings.sessions.idle = std::chrono::hours(env.integer("SESSION_IDLE_HOURS", 72, 1, 24 * 90));
  settings.public_origin = env.url("PUBLIC_ORIGIN");
  auto& t = settings.throttle;
  t.login_account_ip.limit =
      static_cast<int>(env.integer("THROTTLE_LOGIN_PER_ACCOUNT_IP", 10, 1, 1'000));
  t.login_ip.limit = static_cast<int>(env.integer("THROTTLE_LOGIN_PER_IP", 100, 1, 100'000));
  t.requests_ip.limit = static_cast<int>(env.integer("THROTTLE_REQUESTS_PER_IP", 30, 1, 1'000'000));
  t.mails_account.limit = static_cast<int>(env.integer("THROTTLE_MAILS_PER_ACCOUNT", 5, 1, 1'000));
  auto prune_interval = env.millis("SESSION_PRUNE_INTERVAL_MS", std::chrono::hours(1));
  // Each a comma-separated list of the service's replicas.
  auto integrations_urls = env.urls("INTEGRATIONS_URL");
  std::map<std::string, std::vector<std::string>> export_sources = {
      {"agent", env.urls("AGENT_URL")},
      {"telephony-webhook", env.urls("TELEPHONY_WEBHOOK_URL")},
      {"billing", env.urls("BILLING_URL")},
      {"integrations", integrations_urls}};
  rt.open(kx::service::to_migrations(kx_service_migration_files()));
  // Profiles name time zones; a host without the tz database must not start.
  kx::time::load_database();

  kx::auth::IntegrationsMailer mailer(integrations_urls, rt.signer());
  kx::auth::ServiceExports exports(export_sources, rt.signer());
  kx::auth::AuthApi api(rt.db(), rt.outbox(), settings, &mailer);
  api.add_routes(rt.router());
  kx::auth::AccountsApi accounts(rt.db(), rt.outbox(), settings, mailer, exports);
  accounts.add_routes(rt.router());
  kx::auth::AdminUsersApi admin_users(rt.db(), rt.outbox(), settings, mailer);
  admin_users.add_routes(rt.router());
  kx::auth::ApiKeysApi api_keys(rt.db());
  api_keys.add_routes(rt.router());
  kx::auth::AuditApi audit(rt.db());
  audit.add_routes(rt.router());
  rt.consume("admin.action", audit, &kx::auth::AuditApi::on_admin_action);
  rt.consume("user.deleted", audit, &kx::auth::AuditApi::on_user_deleted);
  rt.every("session-pruning", prune_interval, [&db = rt.db()] {
    // Batches keep each transaction short; a large backlog is worked off over the passes.
    for (int pass = 0; pass < 100; ++pass) {
      auto n = kx::pg::transact(
          db, [](pqxx::work& tx) { return kx::auth::Users::prune_sessions(tx, 1'000); });
      if (n < 1'000)
        break;
    }
  });
  return rt.run();
}
