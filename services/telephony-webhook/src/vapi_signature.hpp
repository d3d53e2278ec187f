#pragma once
// Who may post Vapi server messages: a request must prove it knows VAPI_WEBHOOK_SECRET, checked
// against the raw body before anything is parsed. Accepted credentials, in this order:
//   - X-Vapi-Signature: hex HMAC-SHA256 (optionally "sha256=" prefixed) of the raw body, or of
//     "<X-Timestamp>.<body>" when an X-Timestamp header is present;
//   - X-Signature + X-Timestamp: Vapi's HMAC credential with its defaults (sha256, hex,
//     "{timestamp}.{body}");
//   - Authorization: Bearer <secret>;
//   - X-Vapi-Secret: <secret> (the legacy inline server secret).
// A signed timestamp (seconds or milliseconds since the epoch) must lie within the tolerance, so
// a captured request cannot be replayed later. Every comparison is constant-time. With no secret
// configured nothing is accepted.

#include <chrono>
#include <string>
#include <string_view>

#include "kx/http/message.hpp"

namespace kx::telephony {

enum class VapiAuth {
  accepted,
  no_secret_configured,
  missing_credentials,
  invalid_credentials,
  stale_timestamp,
};

std::string_view to_string(VapiAuth result);

/// Immutable; thread-safe.
class VapiSignature {
 public:
  /// `tolerance` 0 turns the timestamp check off.
  explicit VapiSignature(std::string secret,
                         std::chrono::seconds tolerance = std::chrono::seconds(300));

  VapiAuth verify(const http::Headers& headers, std::string_view raw_body,
                  std::chrono::system_clock::time_point now) const;

  /// The X-Vapi-Signature value for a body (and optional timestamp), as the provider sandbox
  /// and the tests send it.
  static std::string sign(std::string_view secret, std::string_view body,
                          std::string_view timestamp = {});

 private:
  bool fresh(std::string_view timestamp, std::chrono::system_clock::time_point now) const;

  std::string secret_;
  std::chrono::seconds tolerance_;
};

}  // namespace kx::telephony
