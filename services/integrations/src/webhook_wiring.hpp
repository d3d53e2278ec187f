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

/// Several handlers for one event type. The runtime takes one handler per type, and more than
/// one area of this service reacts to some types (call.completed: call log and webhooks), so
/// each area adds its handlers here and register_with() gives the runtime one handler per type
/// that runs them in the order added, inside the same inbox transaction. Not thread-safe; use
/// during setup.
class EventDispatch {
 public:
  void on(const std::string& type, events::TxHandler handler);
  template <class T, class Fn>
  requires std::is_member_function_pointer_v<Fn>
  void on(const std::string& type, T& handlers, Fn fn) {
    on(type, events::TxHandler([&handlers, fn](const events::Event& e, pqxx::work& tx) {
         std::invoke(fn, handlers, e, tx);
       }));
  }
  /// The one handler for `type` that runs all added for it, in order; std::out_of_range when
  /// none was added.
  events::TxHandler combined(const std::string& type) const;
  /// Registers combined() of every type with the runtime.
  void register_with(service::Runtime& rt) const;

 private:
  std::map<std::string, std::vector<events::TxHandler>> handlers_;
};

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

/// After Runtime::open(): routes, consumers (through `events`) and the delivery job.
std::unique_ptr<Webhooks> wire_webhooks(service::Runtime& rt, EventDispatch& events,
                                        const crypto::Keyring& keys, const WebhookConfig& config);

}  // namespace kx::integrations
