#include "vapi_webhook.hpp"

#include <array>
#include <map>

#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"
#include "kx/time/zone.hpp"

namespace kx::telephony {
namespace {

using http::Error;
using http::Response;

constexpr std::array<std::string_view, 5> kAnsweredTypes = {"assistant-request", "status-update",
                                                            "end-of-call-report", "tool-calls",
                                                            "transfer-destination-request"};
constexpr std::size_t kMaxReasonLength = 200;

metrics::Counter& messages_counter(std::string_view type) {
  std::string label = "other";
  for (auto t : kAnsweredTypes) {
    if (t == type)
      label = std::string(t);
  }
  return metrics::Registry::global().counter(
      "kx_vapi_messages_total", "Authenticated Vapi server messages by type", {{"type", label}});
}

metrics::Counter& rejected_counter(VapiAuth reason) {
  return metrics::Registry::global().counter("kx_vapi_rejected_total",
                                             "Vapi webhook requests refused before parsing",
                                             {{"reason", std::string(to_string(reason))}});
}

metrics::Counter& tool_counter(const std::string& outcome) {
  return metrics::Registry::global().counter(
      "kx_vapi_tool_calls_total", "Tool calls answered, by outcome", {{"outcome", outcome}});
}

Response empty_ok() {
  return Response::json(200, "{}");
}

void require_call_id(const VapiMessage& m) {
  if (m.call.id.empty())
    throw Error::bad_request("Die Nachricht nennt keinen Anruf (message.call.id).",
                             "invalid_message");
}

}  // namespace

VapiWebhook::VapiWebhook(pg::Pool& db, const events::Outbox& outbox, WebhookSettings settings,
                         IntegrationsTools& tools, CallControl& control)
    : db_(db),
      outbox_(outbox),
      settings_(std::move(settings)),
      signature_(settings_.secret, settings_.signature_tolerance),
      tools_(tools),
      control_(control),
      recorder_(db, outbox) {}

void VapiWebhook::add_routes(http::Router& router) {
  router.add("POST", "/webhooks/vapi", *this, &VapiWebhook::handle,
             {.max_body = kWebhookBodyLimit, .access = http::Access::anonymous});
}

Response VapiWebhook::handle(http::Request& req) {
  auto auth = signature_.verify(req.headers, req.body, Clock::now());
  if (auth != VapiAuth::accepted) {
    rejected_counter(auth).inc();
    log::warn("vapi webhook refused",
              {{"request_id", req.request_id}, {"reason", to_string(auth)}});
    throw Error(401, "invalid_signature",
                "Die Anfrage ist nicht mit dem Vapi-Webhook-Geheimnis signiert.");
  }
  auto parsed = parse_vapi_message(req.body);
  if (!parsed.message) {
    log::warn("vapi webhook: unreadable message",
              {{"request_id", req.request_id}, {"error", parsed.error}});
    if (parsed.not_json)
      throw Error::bad_request("Der Inhalt ist kein gültiges JSON.", "invalid_json");
    throw Error::bad_request("Die Nachricht ist keine Vapi-Servernachricht.", "invalid_message");
  }
  const VapiMessage& m = *parsed.message;
  messages_counter(m.type).inc();
  if (m.type == "assistant-request")
    return assistant_request(m);
  if (m.type == "status-update" || m.type == "end-of-call-report")
    return record_call_message(m, req.body);
  if (m.type == "tool-calls")
    return tool_calls(m, req.request_id);
  if (m.type == "transfer-destination-request")
    return transfer_destination_request(m, crypto::sha256_hex(req.body).substr(0, 32));
  return empty_ok();
}

std::optional<AgentRoute> VapiWebhook::route_of_call(const VapiMessage& m) {
  return pg::autocommit(
      db_, [&](pqxx::transaction_base& tx) { return RoutingStore::for_call(tx, m.call); });
}

Response VapiWebhook::assistant_request(const VapiMessage& m) {
  // The dialled number decides; an assistant id appears only when one is attached already.
  auto route = pg::autocommit(db_, [&](pqxx::transaction_base& tx) {
    auto r = RoutingStore::by_phone_number(tx, m.call.phone_number_id, m.call.phone_number);
    if (!r)
      r = RoutingStore::by_assistant(tx, m.call.assistant_id);
    return r;
  });
  if (route && route->answers_calls() && !route->vapi_assistant_id.empty())
    return Response::json(
        200, assistant_id_reply(route->vapi_assistant_id, route->language, route->timezone,
                                std::chrono::system_clock::now()));
  log::info("line not available",
            {{"vapi_call_id", m.call.id},
             {"agent_id", route ? route->agent_id : std::string()},
             {"reason", !route                            ? "unknown number"
                        : route->owner_status != "active" ? "owner not active"
                                                          : "agent not active"}});
  metrics::Registry::global()
      .counter("kx_vapi_line_unavailable_total", "Calls answered with the line-unavailable text")
      .inc();
  return Response::json(200, line_unavailable_reply(route ? route->language : "de"));
}

Response VapiWebhook::record_call_message(const VapiMessage& m, const std::string& body) {
  require_call_id(m);
  pg::transact(db_, [&](pqxx::work& tx) {
    PendingMessages::lock_route(tx, m.call);
    if (m.type == "end-of-call-report") {
      if (auto routed = Calls::route_and_lock(tx, m.call))
        recorder_.record_report(tx, m, routed->route, std::move(routed->call));
      else
        PendingMessages::defer(tx, m, body);  // acknowledged: Vapi must not retry for days
    } else if (auto route = RoutingStore::for_call(tx, m.call)) {
      recorder_.record_status_update(tx, m, *route);
    } else {
      PendingMessages::defer(tx, m, body);
    }
  });
  return empty_ok();
}

Response VapiWebhook::tool_calls(const VapiMessage& m, const std::string& request_id) {
  auto deadline = std::chrono::steady_clock::now() + settings_.tool_budget;
  // The route, the call (created if new) and the answers stored for a retry, in one statement
  // that commits on its own: nothing else here writes, and nothing needs one snapshot.
  std::optional<AgentRoute> route;
  std::optional<CallRecord> call;
  std::map<std::string, ToolCallRecord> stored;
  if (!m.call.id.empty()) {
    std::vector<std::string> ids;
    for (const auto& tc : m.tool_calls)
      ids.push_back(tc.id);
    auto routed = pg::autocommit(db_, [&](pqxx::transaction_base& tx) {
      return Calls::route_and_lock_or_create(tx, m.call, new_call(m, AgentRoute{}, Clock::now()),
                                             ids);
    });
    if (routed) {
      route = std::move(routed->route);
      call = std::move(routed->locked.call);
      stored = std::move(routed->locked.answers);
    }
  }
  std::string language = route ? route->language : "de";
  std::vector<ToolResult> results;
  for (const auto& tc : m.tool_calls) {
    ToolResult out{tc.id, tc.name, {}};
    if (!route || !call) {
      out.result = tool_not_offered_text(language);
      tool_counter("rejected").inc();
      results.push_back(std::move(out));
      continue;
    }
    if (auto it = stored.find(tc.id);
        it != stored.end() && (it->second.outcome == "ok" || it->second.outcome == "local")) {
      out.result = it->second.result;  // a retried tool call is not run twice
      results.push_back(std::move(out));
      continue;
    }
    ToolCallRecord record{call->vapi_call_id, tc.id, tc.name, "rejected", {}, false, 0};
    if (tc.name == kTransferTool) {
      out = transfer_tool(m, *route, tc);
      record.outcome = "local";
    } else if (!tc.arguments_valid) {
      out.result = tool_arguments_unreadable_text(language);
    } else if (tools_in_flight_.fetch_add(1) >= settings_.max_concurrent_tools) {
      tools_in_flight_.fetch_sub(1);
      log::warn("too many tool calls waiting on integrations; answering with the apology",
                {{"request_id", request_id}, {"tool", tc.name}});
      out.result = tool_unavailable_text(language);
      record.outcome = "unavailable";
    } else {
      struct Release {
        std::atomic<int>& n;
        ~Release() { n.fetch_sub(1); }
      } release{tools_in_flight_};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      ToolRequest request{call->id,       call->vapi_call_id,  route->agent_id,
                          route->user_id, call->caller_number, route->timezone,
                          language,       request_id,          tc};
      auto answer = tools_.execute(request, left);
      out.result = answer.result;
      record.outcome = answer.outcome;
      record.appointment_booked = answer.appointment_booked;
      record.latency_ms = answer.latency_ms;
    }
    record.result = out.result;
    tool_counter(record.outcome).inc();
    pg::autocommit(db_, [&](pqxx::transaction_base& tx) { Calls::record_tool_call(tx, record); });
    stored.insert_or_assign(tc.id, std::move(record));  // the same id twice in one message
    results.push_back(std::move(out));
  }
  return Response::json(200, tool_results_reply(results));
}

EscalationDecision VapiWebhook::decide_now(const AgentRoute& route) {
  auto zone = time::Zone::find(route.timezone);
  if (!zone) {
    log::warn("unknown time zone, using Europe/Berlin",
              {{"agent_id", route.agent_id}, {"timezone", route.timezone}});
    zone = time::Zone::find("Europe/Berlin").value_or(time::Zone::utc());
  }
  return decide_escalation(route.escalation, zone->local(Clock::now()));
}

void VapiWebhook::record_escalation(const VapiMessage& m, const AgentRoute& route,
                                    const EscalationDecision& decision,
                                    const std::string& source_key, const std::string& reason) {
  pg::transact(db_, [&](pqxx::work& tx) {
    auto call = CallRecorder::lock(tx, m, route);
    NewEscalation e{call.id, call.user_id, call.agent_id, source_key,
                    reason,  decision,     Clock::now()};
    if (Calls::add_escalation(tx, e)) {
      outbox_.add(tx, "call.escalated", e.user_id, e.call_id, call_escalated_event(e));
      metrics::Registry::global()
          .counter("kx_escalations_total", "Escalations recorded, by kind",
                   {{"kind", std::string(to_string(decision.kind))}})
          .inc();
    }
  });
}

Response VapiWebhook::transfer_destination_request(const VapiMessage& m,
                                                   const std::string& body_key) {
  auto route = m.call.id.empty() ? std::nullopt : route_of_call(m);
  if (!route)
    return Response::json(200, transfer_destination_reply(EscalationDecision{}, "de"));
  auto decision = decide_now(*route);
  record_escalation(m, *route, decision, m.call.id + ":transfer:" + body_key, "transfer_requested");
  return Response::json(200, transfer_destination_reply(decision, route->language));
}

ToolResult VapiWebhook::transfer_tool(const VapiMessage& m, const AgentRoute& route,
                                      const ToolCall& tool) {
  auto decision = decide_now(route);
  std::string reason = "caller_request";
  try {
    auto args = json::parse(tool.arguments_json);
    if (auto r = json::get_optional_string(args, "reason"); r && !r->empty())
      reason = truncate_utf8(*r, kMaxReasonLength);
  } catch (const json::ParseError&) {
  }
  ToolResult out{tool.id, tool.name, {}};
  bool transferring = false;
  if (!decision.number.empty()) {
    transferring = control_.transfer(m.call.control_url, decision.number,
                                     transfer_announcement(route.language, decision.kind),
                                     settings_.control_timeout);
    if (!transferring) {
      log::warn("transfer could not be started; offering to take a message",
                {{"vapi_call_id", m.call.id}});
      bool within = decision.within_business_hours;
      decision = EscalationDecision{};
      decision.within_business_hours = within;
    }
  }
  record_escalation(m, route, decision, m.call.id + ":tool:" + tool.id, reason);
  out.result = transferring ? transfer_started_text(route.language)
                            : take_message_text(route.language, decision.within_business_hours);
  return out;
}

}  // namespace kx::telephony
