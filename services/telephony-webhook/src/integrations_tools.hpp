#pragma once
// Calendar tools run in integrations; while the caller waits we ask it over internal HTTP
// (POST /internal/tools/execute, signed as service:telephony-webhook, see docs/telephony.md) and
// give up after the time we have, so the caller is never left in silence.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "kx/http/client.hpp"
#include "kx/http/identity.hpp"
#include "kx/http/replicas.hpp"
#include "vapi_message.hpp"

namespace kx::telephony {

struct ToolRequest {
  std::string call_id;
  std::string vapi_call_id;
  std::string agent_id;
  std::string user_id;
  std::optional<std::string> caller_number;
  std::string timezone;
  std::string language;
  std::string request_id;
  ToolCall tool;
};

struct ToolAnswer {
  std::string outcome;  ///< ok, timeout, unavailable (integrations failed), rejected (unknown tool)
  std::string result;   ///< what the model gets: integrations' text or our apology
  bool appointment_booked = false;
  std::int64_t latency_ms = 0;
};

/// The request body of POST /internal/tools/execute (exposed for tests).
std::string tool_request_body(const ToolRequest& request);

/// Thread-safe; blocks for at most the given budget plus the connect timeout.
class IntegrationsTools {
 public:
  /// `urls`: integrations' replicas.
  IntegrationsTools(std::vector<std::string> urls, const http::IdentitySigner& signer);

  /// Never throws for integrations' failures: they become an apology with outcome timeout or
  /// unavailable.
  ToolAnswer execute(const ToolRequest& request, std::chrono::milliseconds budget);

 private:
  const http::IdentitySigner& signer_;
  http::Replicas integrations_;
};

}  // namespace kx::telephony
