// telephony-webhook: Vapi's server messages (POST /webhooks/vapi), call records, escalations and
// the call history API, with a local copy of agent routing data fed by events.
#include <algorithm>

#include "call_maintenance.hpp"
#include "calls_api.hpp"
#include "kx/log/log.hpp"
#include "kx/service/owner_export.hpp"
#include "kx/service/runtime.hpp"
#include "kx/time/zone.hpp"
#include "owner_data.hpp"
#include "pending_messages.hpp"
#include "routing_events.hpp"
#include "vapi_webhook.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

int main() {
  using namespace kx::telephony;
  using std::chrono::milliseconds;
  kx::service::Runtime rt("telephony-webhook");
  auto& env = rt.env();
  WebhookSettings webhook_settings;
  webhook_settings.secret = env.optional_secret("VAPI_WEBHOOK_SECRET", 16);
  webhook_settings.signature_tolerance =
      std::chrono::seconds(env.integer("VAPI_SIGNATURE_TOLERANCE_S", 300, 0, 86'400));
  webhook_settings.tool_budget = milliseconds(env.integer("TOOL_TIMEOUT_MS", 5'000, 100, 20'000));
  auto integrations_urls = env.urls("INTEGRATIONS_URL");  // its replicas
  auto vapi_api_base = env.url("VAPI_API_BASE", "https://api.vapi.ai");
  MaintenanceSettings maintenance_settings;
  maintenance_settings.retention_days =
      static_cast<int>(env.integer("CALL_RETENTION_DAYS", 90, 1, 3'650));
  maintenance_settings.report_wait = env.millis("CALL_REPORT_WAIT_MS", milliseconds(600'000));
  maintenance_settings.interval = env.millis("MAINTENANCE_INTERVAL_MS", milliseconds(60'000));
  // A tool call holds its worker while integrations asks Google (up to TOOL_TIMEOUT_MS). Those
  // workers come on top of HTTP_WORKER_THREADS, so assistant-request and the reports always
  // find free workers however many callers are waiting on a calendar.
  webhook_settings.max_concurrent_tools =
      static_cast<int>(env.integer("TOOL_MAX_CONCURRENT", 32, 1, 1'000));
  rt.server_options().worker_threads +=
      static_cast<std::size_t>(webhook_settings.max_concurrent_tools);
  rt.open(kx::service::to_migrations(kx_service_migration_files()));
  if (webhook_settings.secret.empty())
    kx::log::warn("VAPI_WEBHOOK_SECRET is not set: every Vapi webhook is refused with 401");

  kx::time::load_database();  // without a tz database the service stops here, not on a call
  IntegrationsTools tools(integrations_urls, rt.signer());
  // Live call control URLs are Vapi's (https); the local sandbox serves plain HTTP.
  CallControl control(vapi_api_base.rfind("http://", 0) == 0 ? vapi_api_base : std::string());
  VapiWebhook webhook(rt.db(), rt.outbox(), webhook_settings, tools, control);
  webhook.add_routes(rt.router());
  CallsApi api(rt.db(), rt.outbox());
  api.add_routes(rt.router());
  kx::service::add_owner_export(rt.router(), rt.db(), "telephony-webhook", &owner_data);

  CallRecorder recorder(rt.db(), rt.outbox());
  PendingMessages pending(recorder);
  RoutingEvents routing(pending);
  rt.consume("agent.created", routing, &RoutingEvents::on_agent_changed);
  rt.consume("agent.updated", routing, &RoutingEvents::on_agent_changed);
  rt.consume("agent.deleted", routing, &RoutingEvents::on_agent_deleted);
  rt.consume("phone_number.assigned", routing, &RoutingEvents::on_phone_number_assigned);
  rt.consume("phone_number.released", routing, &RoutingEvents::on_phone_number_released);
  rt.consume("user.status_changed", routing, &RoutingEvents::on_user_status_changed);
  rt.consume("user.deleted", routing, &RoutingEvents::on_user_deleted);

  CallMaintenance maintenance(rt.db(), recorder, pending, maintenance_settings);
  rt.every("call-maintenance", maintenance_settings.interval,
           [&maintenance] { maintenance.run_once(Clock::now()); });
  return rt.run();
}
