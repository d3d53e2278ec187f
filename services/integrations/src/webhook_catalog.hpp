#pragma once
// What owners' webhooks carry: the catalog of public event types, the payload made from an
// event ({type, timestamp, data} with provider-internal ids left out), the signing secret and
// the Standard Webhooks signature. Pure functions; thread-safe.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kx::integrations {

struct WebhookEventType {
  std::string type;  ///< e.g. "call.completed"; the same name as the platform event
  std::string description_de;
  std::string description_en;
};

/// The public event types, in documentation order. "webhook.test" is not in it: only the test
/// button sends it.
const std::vector<WebhookEventType>& webhook_event_types();
bool is_webhook_event_type(std::string_view type);

/// The body sent to receivers, built once per event: {"type","timestamp","data"}; `data` is the
/// event's data without fields that name provider-internal objects (Vapi, Stripe ids).
/// `timestamp` is when the event happened (ISO-8601 UTC). Throws json::ParseError on bad data.
std::string webhook_payload(std::string_view type, std::string_view timestamp,
                            std::string_view event_data);

/// `whsec_` + base64 of 32 random bytes.
std::string new_webhook_secret();

/// webhook-id: stable per (event, endpoint) so receivers can dedupe retries and replays;
/// "msg_" + 32 hex characters (no '.').
std::string webhook_message_id(std::string_view event_id, std::string_view endpoint_id);

/// "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>" with key = base64-decoded part of `secret`
/// after "whsec_". Throws std::invalid_argument for a secret not of that form.
std::string webhook_signature(std::string_view secret, std::string_view message_id,
                              std::int64_t timestamp, std::string_view body);

}  // namespace kx::integrations
