// billing: prepaid credits. An append-only ledger per owner, calls charged from call.completed,
// credit packs bought through Stripe Checkout and booked from Stripe's signed webhooks, grace
// and low-balance alerts, and the admins' settings, adjustments and statistics.
#include <memory>
#include <vector>

#include "call_reconciliation.hpp"
#include "call_reconciliation_api.hpp"
#include "catalog_admin_api.hpp"
#include "checkout.hpp"
#include "credits_admin_api.hpp"
#include "credits_api.hpp"
#include "event_handlers.hpp"
#include "kx/service/owner_export.hpp"
#include "kx/service/runtime.hpp"
#include "ledger.hpp"
#include "owner_data.hpp"
#include "reconcile_command.hpp"
#include "reports_api.hpp"
#include "stripe_client.hpp"
#include "stripe_webhook.hpp"
#include "telephony_completions.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

int main(int argc, char** argv) {
  using namespace kx::billing;
  if (argc > 1)
    return run_reconcile_command(argc, argv);

  // Many owners' calls charged at once: batches of a partition's events per transaction, four
  // partitions at a time. The handlers keep no state of their own (only the transaction), and
  // the account row lock serialises the bookings of one owner.
  kx::service::Runtime rt("billing", {.events_max_batch = 200, .events_parallel_partitions = 4});
  auto& env = rt.env();
  StripeConfig stripe;
  stripe.secret_key = env.optional_secret("STRIPE_SECRET_KEY", 16);
  stripe.api_base = env.url("STRIPE_API_BASE", "https://api.stripe.com");
  stripe.api_version = env.optional("STRIPE_API_VERSION", kStripeApiVersion);
  auto webhook_secret = env.optional_secret("STRIPE_WEBHOOK_SECRET", 16);
  // Stripe sends the browser back to the dashboard; without Stripe nothing needs the origin.
  auto public_origin =
      env.url("PUBLIC_ORIGIN", stripe.secret_key.empty() ? "http://127.0.0.1:8080" : "");
  // Cross-service reconciliation of calls with telephony-webhook (docs/events.md).
  ReconciliationSettings reconcile;
  auto telephony_urls = env.urls("TELEPHONY_WEBHOOK_URL");  // its replicas
  reconcile.days = static_cast<int>(env.integer("RECONCILE_DAYS", 3, 1, 31));
  reconcile.settle = env.millis("RECONCILE_SETTLE_MS", reconcile.settle);
  reconcile.interval =
      std::chrono::milliseconds(env.integer("RECONCILE_INTERVAL_MS", 600'000, 1'000, 86'400'000));
  rt.open(kx::service::to_migrations(kx_service_migration_files()));

  std::shared_ptr<StripeClient> stripe_client;
  if (!stripe.secret_key.empty())
    stripe_client = std::make_shared<StripeClient>(stripe);
  Ledger ledger(rt.outbox());
  Checkout checkout(rt.db(), ledger, stripe_client, checkout_urls(public_origin));
  CreditsApi credits(rt.db(), checkout);
  CatalogAdminApi catalog(rt.db(), rt.outbox());
  CreditsAdminApi credits_admin(rt.db(), ledger, rt.outbox());
  ReportsApi reports(rt.db(), rt.outbox());
  StripeWebhook webhook(rt.db(), ledger, webhook_secret);
  EventHandlers events(ledger);
  TelephonyCompletions telephony(telephony_urls, rt.signer());
  CallReconciliation reconciliation(rt.db(), telephony, reconcile);
  CallReconciliationApi reconciliation_api(rt.db(), reconciliation, rt.outbox());
  credits.add_routes(rt.router());
  catalog.add_routes(rt.router());
  credits_admin.add_routes(rt.router());
  reports.add_routes(rt.router());
  webhook.add_routes(rt.router());
  reconciliation_api.add_routes(rt.router());
  kx::service::add_owner_export(rt.router(), rt.db(), "billing", &owner_data);

  rt.consume("user.registered", events, &EventHandlers::on_user_registered);
  rt.consume("call.completed", events, &EventHandlers::on_call_completed);
  rt.consume("user.deleted", events, &EventHandlers::on_user_deleted);
  rt.every("call-reconciliation", reconcile.interval,
           [&reconciliation] { reconciliation.run_if_due(); });
  return rt.run();
}
