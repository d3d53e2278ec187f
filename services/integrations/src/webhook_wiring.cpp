#include "webhook_wiring.hpp"

#include "webhook_catalog.hpp"

namespace kx::integrations {

WebhookConfig webhook_config(config::Env& env) {
  WebhookConfig c;
  try {
    c.allowed = parse_allowed_targets(env.optional("WEBHOOK_ALLOWED_TARGETS", ""));
  } catch (const std::invalid_argument& e) {
    env.problem(e.what());
  }
  c.settings.timeout = env.millis("WEBHOOK_TIMEOUT_MS", c.settings.timeout);
  c.settings.workers = static_cast<int>(env.integer("WEBHOOK_WORKERS", c.settings.workers, 1, 256));
  c.settings.per_endpoint = static_cast<int>(
      env.integer("WEBHOOK_PER_ENDPOINT_CONCURRENCY", c.settings.per_endpoint, 1, 16));
  c.poll = env.millis("WEBHOOK_POLL_INTERVAL_MS", c.poll);
  return c;
}

std::unique_ptr<Webhooks> wire_webhooks(service::Runtime& rt, const crypto::Keyring& keys,
                                        const WebhookConfig& config) {
  TargetPolicy policy(config.allowed);
  auto w = std::unique_ptr<Webhooks>(new Webhooks{
      WebhookApi(rt.db(), keys, policy, config.settings), WebhookFanOut(config.settings),
      WebhookSender(rt.db(), keys, rt.outbox(), policy, config.settings)});
  w->api.add_routes(rt.router());
  // Other areas consume some of these types too: the runtime runs every handler of a type in
  // the event's one inbox transaction.
  for (const auto& t : webhook_event_types())
    rt.consume(t.type, w->fan_out, &WebhookFanOut::on_events);
  rt.consume("user.deleted", w->fan_out, &WebhookFanOut::on_user_deleted);
  rt.every("webhook-deliveries", config.poll, [sender = &w->sender] { sender->run_once(); });
  return w;
}

}  // namespace kx::integrations
