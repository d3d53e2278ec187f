#include "integrations_tools.hpp"

#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "vapi_replies.hpp"

namespace kx::telephony {
namespace {

constexpr const char* kToolPath = "/internal/tools/execute";
constexpr std::chrono::milliseconds kMinimumBudget{50};
constexpr std::size_t kMaxResultLength = 4'000;

// Vapi asks for single-line results.
std::string one_line(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  return truncate_utf8(out, kMaxResultLength);
}

// The `error.code` of an error answer; empty when there is none (a 404 without `unknown_tool` is
// a missing endpoint, e.g. an older integrations during a deployment, not a missing tool).
std::string error_code(const std::string& body) {
  try {
    auto doc = json::parse(body);
    if (auto it = doc.FindMember("error"); it != doc.MemberEnd())
      return json::get_string(it->value, "code");
  } catch (const json::ParseError&) {
  }
  return {};
}

}  // namespace

std::string tool_request_body(const ToolRequest& r) {
  json::Writer w;
  w.begin_object()
      .field("tool", r.tool.name)
      .key("arguments")
      .raw(r.tool.arguments_json)
      .field("tool_call_id", r.tool.id)
      .field("call_id", r.call_id)
      .field("vapi_call_id", r.vapi_call_id)
      .field("agent_id", r.agent_id)
      .field("user_id", r.user_id)
      .field("caller_number", r.caller_number)
      .field("timezone", r.timezone)
      .field("language", r.language)
      .end_object();
  return w.str();
}

IntegrationsTools::IntegrationsTools(std::vector<std::string> urls,
                                     const http::IdentitySigner& signer)
    : signer_(signer),
      integrations_(
          std::move(urls),
          {.client = {.connect_timeout = std::chrono::milliseconds(1'000), .max_retries = 0}}) {}

ToolAnswer IntegrationsTools::execute(const ToolRequest& r, std::chrono::milliseconds budget) {
  ToolAnswer answer;
  answer.outcome = "timeout";
  answer.result = tool_unavailable_text(r.language);
  if (budget < kMinimumBudget)
    return answer;

  http::ClientRequest call;
  call.method = "POST";
  call.url = kToolPath;
  call.body = tool_request_body(r);
  call.timeout = budget;
  call.headers.set("Content-Type", "application/json");
  call.headers.set("X-Request-Id", r.request_id);
  call.headers.set("Idempotency-Key", r.vapi_call_id + ":" + r.tool.id);
  signer_.sign(call.headers, {"", "service:telephony-webhook"}, "POST", kToolPath, r.request_id);

  auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 started)
        .count();
  };
  try {
    auto res = integrations_.send(std::move(call));
    answer.latency_ms = elapsed();
    if (res.status == 200) {
      auto doc = json::parse(res.body);
      auto text = json::get_optional_string(doc, "result");
      if (text && !text->empty()) {
        answer.outcome = "ok";
        answer.result = one_line(*text);
        if (auto it = doc.FindMember("appointment");
            it != doc.MemberEnd() && it->value.IsObject()) {
          answer.appointment_booked = json::get_string(it->value, "action") == "booked";
        }
        return answer;
      }
    }
    if (res.status == 404 && error_code(res.body) == "unknown_tool") {
      answer.outcome = "rejected";
      answer.result = tool_not_offered_text(r.language);
      return answer;
    }
    answer.outcome = "unavailable";
    log::warn("tool execution failed in integrations",
              {{"request_id", r.request_id}, {"tool", r.tool.name}, {"status", res.status}});
  } catch (const http::ClientError& e) {
    answer.latency_ms = elapsed();
    answer.outcome = e.kind() == http::ClientError::Kind::timeout ? "timeout" : "unavailable";
    log::warn("integrations did not answer a tool call",
              {{"request_id", r.request_id}, {"tool", r.tool.name}, {"error", e.what()}});
  } catch (const json::ParseError&) {
    answer.latency_ms = elapsed();
    answer.outcome = "unavailable";
    log::warn("integrations answered a tool call with invalid JSON",
              {{"request_id", r.request_id}, {"tool", r.tool.name}});
  }
  answer.result = tool_unavailable_text(r.language);
  return answer;
}

}  // namespace kx::telephony
