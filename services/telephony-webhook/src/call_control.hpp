#pragma once
// Vapi's live call control: a running call's monitor.controlUrl accepts commands such as
// {"type":"transfer","destination":{...}}. Used when the model asks for a human through the
// transfer_to_human function tool (a transferCall tool goes through
// transfer-destination-request instead and needs no control URL).

#include <chrono>
#include <string>
#include <string_view>

#include "kx/http/client.hpp"

namespace kx::telephony {

/// Thread-safe.
class CallControl {
 public:
  /// Control URLs must start with https://, or with `allowed_http_prefix` (the provider
  /// sandbox's plain-HTTP base URL in development; empty to allow none).
  explicit CallControl(std::string allowed_http_prefix);

  bool allowed(std::string_view control_url) const;
  /// Asks Vapi to transfer the call; true when Vapi accepted (2xx). Never throws.
  bool transfer(const std::string& control_url, const std::string& number,
                const std::string& announcement, std::chrono::milliseconds timeout);

 private:
  std::string allowed_http_prefix_;
  http::Client client_;
};

}  // namespace kx::telephony
