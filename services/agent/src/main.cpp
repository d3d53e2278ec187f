// agent: agents, wizard drafts, templates, voices, AI texts and the phone-number pool. The
// stored agents are the truth; a sync worker brings Vapi's assistants and numbers to them and
// announces them to the other services (agent.*, phone_number.*).
#include <thread>

#include "admin_api.hpp"
#include "agents.hpp"
#include "agents_api.hpp"
#include "ai_texts.hpp"
#include "event_handlers.hpp"
#include "kx/log/log.hpp"
#include "kx/service/owner_export.hpp"
#include "kx/service/runtime.hpp"
#include "owner_data.hpp"
#include "phone_pool.hpp"
#include "service_settings.hpp"
#include "templates_api.hpp"
#include "vapi_sync.hpp"
#include "voices.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

int main() {
  using namespace kx::agent;
  kx::service::Runtime rt("agent");
  auto settings = read_settings(rt.env());
  auto ai_settings = read_ai_settings(rt.env());
  auto voice_settings = read_voice_settings(rt.env());
  rt.open(kx::service::to_migrations(kx_service_migration_files()));

  VapiClient vapi(settings.vapi_api_base, settings.vapi_api_key);
  Agents agents(rt.outbox());
  PhonePool pool(rt.db(), agents, vapi);
  VapiSync sync(rt.db(), agents, vapi,
                SyncSettings{.server_url = settings.vapi_server_url,
                             .server_secret = settings.vapi_webhook_secret,
                             .credential_id = settings.vapi_credential_id,
                             .model_provider = settings.model_provider,
                             .model = settings.model,
                             .max_call_seconds = settings.max_call_seconds});
  AgentsApi agents_api(rt.db(), agents,
                       TestCallSettings{settings.vapi_public_key, settings.vapi_simulator_url});
  AdminApi admin_api(rt.db(), agents, pool, vapi, rt.outbox());
  TemplatesApi templates_api;
  VoicesApi voices_api(rt.db(), voice_settings);
  AiTextsApi ai_api(rt.db(), ai_settings);
  agents_api.add_routes(rt.router());
  admin_api.add_routes(rt.router());
  templates_api.add_routes(rt.router());
  voices_api.add_routes(rt.router());
  ai_api.add_routes(rt.router());
  kx::service::add_owner_export(rt.router(), rt.db(), "agent", &owner_data);

  EventHandlers events(agents);
  rt.consume("user.registered", events, &EventHandlers::on_user_verification);
  rt.consume("user.updated", events, &EventHandlers::on_user_verification);
  rt.consume("user.status_changed", events, &EventHandlers::on_user_status_changed);
  rt.consume("user.deleted", events, &EventHandlers::on_user_deleted);
  rt.consume("credits.exhausted", events, &EventHandlers::on_credits_exhausted);
  rt.consume("credits.restored", events, &EventHandlers::on_credits_restored);
  rt.consume("integration.google.connected", events, &EventHandlers::on_google_connected);
  rt.consume("integration.google.disconnected", events, &EventHandlers::on_google_disconnected);

  // Pushes what is due, then sleeps until a change is committed (or the interval passed, for
  // retries that became due).
  rt.every("vapi-sync", std::chrono::milliseconds(1), [&sync, &settings] {
    try {
      while (sync.run_once() > 0) {
      }
    } catch (...) {
      std::this_thread::sleep_for(
          settings.sync_interval);  // no busy loop while the database is down
      throw;
    }
    sync.wait_for_change(settings.sync_interval);
  });
  rt.every("phone-pool-import", settings.pool_sync_interval, [&pool] { pool.import_from_vapi(); });
  return rt.run();
}
