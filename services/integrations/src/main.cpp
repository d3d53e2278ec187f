// integrations: Google Calendar booking by phone (the calendar tools), the Google Sheets call
// log, the owner's Google connection, the owners' e-mail and their signed outgoing webhooks.
#include "call_log.hpp"
#include "dashboard_api.hpp"
#include "event_handlers.hpp"
#include "kx/log/log.hpp"
#include "kx/service/owner_export.hpp"
#include "kx/service/runtime.hpp"
#include "mail_wiring.hpp"
#include "owner_data.hpp"
#include "tools.hpp"
#include "webhook_wiring.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

int main() {
  using namespace kx::integrations;
  kx::service::Runtime rt("integrations", {.events_max_batch = 100});
  auto& env = rt.env();
  GoogleEndpoints endpoints;
  endpoints.auth_url = env.url("GOOGLE_AUTH_URL", endpoints.auth_url);
  endpoints.token_url = env.url("GOOGLE_TOKEN_URL", endpoints.token_url);
  endpoints.revoke_url = env.url("GOOGLE_REVOKE_URL", endpoints.revoke_url);
  endpoints.userinfo_url = env.url("GOOGLE_USERINFO_URL", endpoints.userinfo_url);
  endpoints.calendar_base = env.url("GOOGLE_CALENDAR_API_BASE", endpoints.calendar_base);
  endpoints.sheets_base = env.url("GOOGLE_SHEETS_API_BASE", endpoints.sheets_base);
  endpoints.drive_base = env.url("GOOGLE_DRIVE_API_BASE", endpoints.drive_base);
  endpoints.client_id = env.required("GOOGLE_CLIENT_ID");
  endpoints.client_secret = env.secret("GOOGLE_CLIENT_SECRET", 16);
  endpoints.redirect_uri = env.url("GOOGLE_REDIRECT_URI");
  kx::crypto::Keyring keys;
  try {
    keys = keyring_from_config(env.secret("TOKEN_ENCRYPTION_KEYS", 40));
  } catch (const std::invalid_argument& e) {
    env.problem(e.what());
  }
  OAuthSettings oauth;
  oauth.cookie_secure = env.flag("COOKIE_SECURE", true);
  ToolSettings tools_settings;
  tools_settings.budget = env.millis("TOOL_BUDGET_MS", tools_settings.budget);
  tools_settings.google_timeout = env.millis("GOOGLE_TIMEOUT_MS", tools_settings.google_timeout);
  CallLogSettings log_settings;
  auto log_interval = env.millis("CALL_LOG_INTERVAL_MS", std::chrono::milliseconds(1'000));
  auto webhook_settings = webhook_config(env);
  // Mail: owners' e-mail over SMTP (mail_wiring.hpp).
  auto mail_config = read_mail_config(env);
  rt.open(kx::service::to_migrations(kx_service_migration_files()));
  auto mail = wire_mail(rt, mail_config);

  GoogleClient google(endpoints);
  GoogleAccounts accounts(rt.db(), google, keys, rt.outbox());
  DashboardApi dashboard(rt.db(), accounts, google, keys, oauth);
  Tools tools(rt.db(), accounts, google, rt.outbox(), tools_settings);
  CallLog call_log(rt.db(), accounts, google, log_settings);
  dashboard.add_routes(rt.router());
  tools.add_routes(rt.router());
  kx::service::add_owner_export(rt.router(), rt.db(), "integrations", &owner_data);

  // Several areas react to some event types (call.completed: call log, mail, webhooks); the
  // runtime runs every handler of a type in the event's one inbox transaction.
  EventHandlers events(accounts);
  rt.consume("agent.created", events, &EventHandlers::on_agent_changed);
  rt.consume("agent.updated", events, &EventHandlers::on_agent_changed);
  rt.consume("agent.deleted", events, &EventHandlers::on_agent_deleted);
  rt.consume("user.deleted", events, &EventHandlers::on_user_deleted);
  rt.consume("call.completed", call_log, &CallLog::on_calls_completed);

  // Owners' outgoing webhooks.
  auto webhooks = wire_webhooks(rt, keys, webhook_settings);

  rt.every("call-log", log_interval, [&call_log] {
    while (call_log.run_once() > 0) {
    }
  });
  rt.every("booking-attempts", std::chrono::seconds(30), [&tools] { tools.sweep_attempts(); });
  return rt.run();
}
