// auth: users, sessions, API keys and the admin command.
#include "admin_command.hpp"
#include "api_keys_api.hpp"
#include "audit_api.hpp"
#include "auth_api.hpp"
#include "kx/service/runtime.hpp"
#include "users.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

int main(int argc, char** argv) {
  if (argc > 1)
    return kx::auth::run_admin_command(argc, argv);

  kx::service::Runtime rt("auth");
  kx::auth::AuthSettings settings;
  settings.cookie_secure = rt.env().flag("COOKIE_SECURE", true);
  settings.session_ttl =
      std::chrono::hours(rt.env().integer("SESSION_TTL_HOURS", 24 * 14, 1, 24 * 90));
  auto prune_interval = rt.env().millis("SESSION_PRUNE_INTERVAL_MS", std::chrono::hours(1));
  rt.open(kx::service::to_migrations(kx_service_migration_files()));

  kx::auth::AuthApi api(rt.db(), rt.outbox(), settings);
  api.add_routes(rt.router());
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
