// auth: users, sessions and the admin command.
#include "admin_command.hpp"
#include "auth_api.hpp"
#include "kx/service/runtime.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

int main(int argc, char** argv) {
  if (argc > 1)
    return kx::auth::run_admin_command(argc, argv);

  kx::service::Runtime rt("auth");
  kx::auth::AuthSettings settings;
  settings.cookie_secure = rt.env().flag("COOKIE_SECURE", true);
  settings.session_ttl =
      std::chrono::hours(rt.env().integer("SESSION_TTL_HOURS", 24 * 14, 1, 24 * 90));
  rt.open(kx::service::to_migrations(kx_service_migration_files()));

  kx::auth::AuthApi api(rt.db(), rt.outbox(), settings);
  api.add_routes(rt.router());
  return rt.run();
}
