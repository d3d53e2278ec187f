// billing: prepaid credit accounts (this slice: an account per owner, opened on sign-up).
#include "billing_api.hpp"
#include "kx/service/runtime.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

int main() {
  kx::service::Runtime rt("billing");
  rt.open(kx::service::to_migrations(kx_service_migration_files()));
  kx::billing::BillingApi api(rt.db());
  api.add_routes(rt.router());
  rt.consume("user.registered", &kx::billing::BillingApi::on_user_registered);
  return rt.run();
}
