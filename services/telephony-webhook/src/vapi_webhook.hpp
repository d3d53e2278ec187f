#pragma once
// POST /webhooks/vapi: Vapi's server messages, verified against VAPI_WEBHOOK_SECRET before
// anything is parsed, then answered by type. assistant-request, tool-calls and
// transfer-destination-request are answered synchronously; status-update and end-of-call-report
// are stored idempotently; every other type is acknowledged and ignored.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "call_control.hpp"
#include "call_recorder.hpp"
#include "integrations_tools.hpp"
#include "kx/events/events.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"
#include "pending_messages.hpp"
#include "routing_store.hpp"
#include "vapi_replies.hpp"
#include "vapi_signature.hpp"

namespace kx::telephony {

/// The function tool that hands the caller to a human (a transferCall tool arrives as a
/// transfer-destination-request instead).
inline constexpr const char* kTransferTool = "transfer_to_human";
inline constexpr std::size_t kWebhookBodyLimit = 2 * 1024 * 1024;

struct WebhookSettings {
  std::string secret;  ///< VAPI_WEBHOOK_SECRET; empty: every request is refused
  std::chrono::seconds signature_tolerance{300};
  std::chrono::milliseconds tool_budget{5'000};  ///< for all tool calls of one message
  std::chrono::milliseconds control_timeout{2'000};
  /// Tool calls waiting on integrations at once; more are answered with the apology at once, so
  /// a slow integrations cannot occupy every worker (assistant-request must stay fast).
  int max_concurrent_tools = 8;
};

/// Thread-safe.
class VapiWebhook {
 public:
  VapiWebhook(pg::Pool& db, const events::Outbox& outbox, WebhookSettings settings,
              IntegrationsTools& tools, CallControl& control);
  void add_routes(http::Router& router);
  http::Response handle(http::Request& req);

 private:
  http::Response assistant_request(const VapiMessage& m);
  /// Records a status-update or end-of-call-report, or keeps it until its agent is known.
  http::Response record_call_message(const VapiMessage& m, const std::string& body);
  http::Response tool_calls(const VapiMessage& m, const std::string& request_id);
  http::Response transfer_destination_request(const VapiMessage& m, const std::string& body_key);

  /// The agent of a call (RoutingStore::for_call).
  std::optional<AgentRoute> route_of_call(const VapiMessage& m);
  EscalationDecision decide_now(const AgentRoute& route);
  /// Records the escalation once per source key and publishes call.escalated with it.
  void record_escalation(const VapiMessage& m, const AgentRoute& route,
                         const EscalationDecision& decision, const std::string& source_key,
                         const std::string& reason);
  ToolResult transfer_tool(const VapiMessage& m, const AgentRoute& route, const ToolCall& tool);

  pg::Pool& db_;
  const events::Outbox& outbox_;
  WebhookSettings settings_;
  VapiSignature signature_;
  IntegrationsTools& tools_;
  CallControl& control_;
  CallRecorder recorder_;
  std::atomic<int> tools_in_flight_{0};
};

}  // namespace kx::telephony
