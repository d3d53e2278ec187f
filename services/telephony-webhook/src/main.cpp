// telephony-webhook: Vapi server messages, call records and escalations.
// So far it applies its schema migrations and serves health, readiness and metrics; its API
// and consumers arrive with the issues that build them.
#include "kx/service/runtime.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

int main() {
  kx::service::Runtime rt("telephony-webhook");
  rt.open(kx::service::to_migrations(kx_service_migration_files()));
  return rt.run();
}
