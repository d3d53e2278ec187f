#pragma once
// How the webhooks area plugs into the integrations service: its settings, its routes, the
// consumers of every catalog event, and the delivery job.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kx/service/runtime.hpp"
#include "webhook_api.hpp"
#include "webhook_delivery.hpp"

namespace kx::integrations {

struct WebhookConfig {
  WebhookSettings settings;
  std::vector<AllowedTarget> allowed;
  std::chrono::milliseconds poll{250};
};

/// Reads WEBHOOK_ALLOWED_TARGETS, WEBHOOK_TIMEOUT_MS, WEBHOOK_WORKERS,
/// WEBHOOK_PER_ENDPOINT_CONCURRENCY and WEBHOOK_POLL_INTERVAL_MS (before Runtime::open()).
WebhookConfig webhook_config(config::Env& env);

/// The webhooks area, alive while the service runs.
struct Webhooks {
  WebhookApi api;
  WebhookFanOut fan_out;
  WebhookSender sender;
};

/// After Runtime::open(): routes, consumers and the delivery job.
std::unique_ptr<Webhooks> wire_webhooks(service::Runtime& rt, const crypto::Keyring& keys,
                                        const WebhookConfig& config);

}  // namespace kx::integrations
