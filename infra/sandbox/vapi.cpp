// Vapi stand-in: simulates whole calls without a Vapi account. POST /vapi/simulate/call plays a
// call to an assistant or a phone number by posting signed server messages in Vapi's documented
// shapes (assistant-request, status-update, tool-calls, transfer-destination-request,
// end-of-call-report) to the gateway's /webhooks/vapi, the way Vapi would during a real call, and
// answers with every message sent, every answer received and the conversation's transcript. A
// number known to the sandbox's Vapi API (vapi_api.cpp) is resolved from its E.164 alone, and an
// assistant stored there speaks its own firstMessage and endCallMessage, so an edited greeting
// shows in simulated calls. An assistant-request answered with {"error": …} ends the call with
// endedReason assistant-request-returned-error, as Vapi does. POST /vapi/calls/{id}/control
// stands in for a live call's control URL (transfers asked for by telephony-webhook).
#include <atomic>
#include <chrono>
#include <mutex>
#include <vector>

#include "kx/crypto/crypto.hpp"
#include "kx/http/client.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "sandbox.hpp"

namespace kx::sandbox {
namespace {

using Clock = std::chrono::system_clock;
using http::Error;
using http::Request;
using http::Response;

constexpr std::size_t kMaxTools = 8;

struct ToolStep {
  std::string name;
  std::string arguments = "{}";  // JSON object text
};

struct Scenario {
  std::string assistant_id;
  std::string phone_number_id;
  std::string phone_number;
  std::string customer_number = "+4915112345678";
  bool web = false;
  std::vector<ToolStep> tools;
  bool transfer = false;
  std::string ended_reason;
  std::int64_t duration_seconds = 95;
  std::string summary = "Der Anrufer hat nach einem freien Termin gefragt.";
  bool report = true;
};

std::string iso(Clock::time_point t) {
  return json::utc_timestamp(t);
}

std::int64_t epoch_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

Scenario read_scenario(const Request& req) {
  auto doc = http::parse_body(req.body.empty() ? "{}" : req.body);
  json::FieldReader in(doc);
  Scenario s;
  s.assistant_id = in.optional_string("assistant_id", 128).value_or("");
  s.phone_number_id = in.optional_string("phone_number_id", 128).value_or("");
  s.phone_number = in.optional_string("phone_number", 32).value_or("");
  s.customer_number = in.optional_string("customer_number", 32).value_or(s.customer_number);
  s.web = in.optional_bool("web").value_or(false);
  s.transfer = in.optional_bool("transfer").value_or(false);
  s.ended_reason = in.optional_string("ended_reason", 200).value_or("");
  s.duration_seconds = in.optional_int("duration_seconds").value_or(s.duration_seconds);
  s.summary = in.optional_string("summary", 2000).value_or(s.summary);
  s.report = in.optional_bool("report").value_or(true);
  if (const auto* tools = in.optional_array("tools")) {
    for (const auto& t : tools->GetArray()) {
      if (s.tools.size() >= kMaxTools || !t.IsObject())
        break;
      ToolStep step;
      step.name = json::get_string(t, "name");
      if (auto it = t.FindMember("arguments"); it != t.MemberEnd() && it->value.IsObject())
        step.arguments = json::to_string(it->value);
      if (!step.name.empty())
        s.tools.push_back(std::move(step));
    }
  }
  if (s.assistant_id.empty() && s.phone_number_id.empty() && s.phone_number.empty())
    in.add_error("assistant_id", "assistant_id, phone_number_id oder phone_number angeben");
  if (s.web && s.assistant_id.empty())
    in.add_error("assistant_id", "ein Web-Anruf braucht eine assistant_id");
  if (s.duration_seconds < 0 || s.duration_seconds > 43'200)
    in.add_error("duration_seconds", "muss zwischen 0 und 43200 liegen");
  http::require_valid(in);
  return s;
}

/// One simulated call: builds the messages and posts them like Vapi does.
class SimulatedCall {
 public:
  SimulatedCall(const SandboxSettings& settings, http::Client& client, const VapiStore& store,
                Scenario scenario)
      : settings_(settings), client_(client), store_(store), s_(std::move(scenario)) {
    id_ = crypto::uuid_v4();
    ended_ = Clock::now();
    started_ = ended_ - std::chrono::seconds(s_.duration_seconds);
    created_ = started_ - std::chrono::seconds(3);
    resolve_number();
  }

  std::string run() {
    Speech speech;
    if (s_.assistant_id.empty()) {
      auto answer = post(assistant_request(), "assistant-request");
      if (answer.IsObject() && answer.HasMember("assistantId") &&
          answer["assistantId"].IsString()) {
        s_.assistant_id = answer["assistantId"].GetString();
        speech = speech_of(answer);
      } else if (answer.IsObject() && answer.HasMember("error")) {
        return refused();
      } else {
        // A transient assistant answers; it has no server, so no further messages are sent.
        if (answer.IsObject() && answer.HasMember("assistant") && answer["assistant"].IsObject())
          say("bot", json::get_string(answer["assistant"], "firstMessage"));
        return result("line_unavailable", "customer-ended-call");
      }
    } else {
      speech = speech_of(json::Document());
    }
    post(status_update("ringing", created_), "ringing");
    post(status_update("in-progress", started_), "in-progress");
    if (!speech.first_message.empty())
      say("bot", speech.first_message);
    else
      say("bot", s_.web ? "Guten Tag, hier ist der Testanruf. Wie kann ich helfen?"
                        : "Guten Tag, Sie sprechen mit der digitalen Assistenz. Wie kann ich "
                          "helfen?");
    say("user", speech.english ? "I would like to book an appointment, please."
                               : "Ich hätte gern einen Termin.");
    int n = 0;
    for (const auto& tool : s_.tools) {
      std::string tool_call_id = "call_sim_" + std::to_string(++n) + "_" + id_.substr(0, 8);
      auto answer = post(tool_calls(tool, tool_call_id), "tool-calls");
      std::string result;
      if (answer.IsObject() && answer.HasMember("results") && answer["results"].IsArray() &&
          !answer["results"].Empty() && answer["results"][0].IsObject())
        result = json::get_string(answer["results"][0], "result");
      tool_turn(tool, tool_call_id, result);
      say("bot", result.empty() ? "Einen Moment bitte." : result);
    }
    std::string ended_reason = s_.ended_reason;
    if (s_.transfer) {
      say("user", "Kann ich bitte mit jemandem persönlich sprechen?");
      auto answer = post(transfer_request(), "transfer-destination-request");
      bool forwarded = answer.IsObject() && answer.HasMember("destination");
      if (ended_reason.empty())
        ended_reason = forwarded ? "assistant-forwarded-call" : "customer-ended-call";
      if (!forwarded)
        say("bot", "Leider ist gerade niemand erreichbar. Darf ich Ihnen eine Nachricht notieren?");
    }
    if (ended_reason.empty()) {
      ended_reason = "customer-ended-call";
      if (!speech.end_call_message.empty()) {
        if (s_.tools.empty())
          say("bot", speech.english ? "Certainly, I have noted your request."
                                    : "Sehr gern, ich habe Ihren Wunsch notiert.");
        say("user", speech.english ? "Thank you, that is all." : "Danke, das war alles.");
        say("bot", speech.end_call_message);
        ended_reason = "assistant-said-end-call-phrase";
      }
    }
    post(status_update("ended", ended_, ended_reason), "ended");
    if (s_.report)
      post(report(ended_reason), "end-of-call-report");
    return result("simulated", ended_reason);
  }

 private:
  // --- what the assistant says -------------------------------------------------------------

  struct Speech {
    std::string first_message;
    std::string end_call_message;
    bool english = false;
  };

  // A number given only by its E.164 (or only by its id) is completed from the stored pool.
  void resolve_number() {
    if (s_.web)
      return;
    std::optional<VapiObject> number;
    if (s_.phone_number_id.empty() && !s_.phone_number.empty())
      number = store_.number_by_e164(s_.phone_number);
    else if (!s_.phone_number_id.empty() && s_.phone_number.empty())
      number = store_.find(VapiKind::phone_number, s_.phone_number_id);
    if (number) {
      s_.phone_number_id = number->id;
      s_.phone_number = number->text("number").value_or("");
    }
  }

  // The stored assistant's texts, with the assistant-request answer's overrides and variable
  // values applied the way Vapi renders {{name}} templates.
  Speech speech_of(const json::Value& answer) {
    Speech sp;
    auto assistant = store_.find(VapiKind::assistant, s_.assistant_id);
    if (!assistant)
      return sp;
    sp.first_message = assistant->text("firstMessage").value_or("");
    sp.end_call_message = assistant->text("endCallMessage").value_or("");
    if (auto it = assistant->fields.find("transcriber"); it != assistant->fields.end()) {
      auto transcriber = json::parse(it->second);
      if (transcriber.IsObject())
        sp.english = json::get_string(transcriber, "language").rfind("en", 0) == 0;
    }
    if (!answer.IsObject() || !answer.HasMember("assistantOverrides") ||
        !answer["assistantOverrides"].IsObject())
      return sp;
    const auto& overrides = answer["assistantOverrides"];
    sp.first_message = json::get_string(overrides, "firstMessage", sp.first_message);
    sp.end_call_message = json::get_string(overrides, "endCallMessage", sp.end_call_message);
    if (overrides.HasMember("variableValues") && overrides["variableValues"].IsObject()) {
      for (const auto& v : overrides["variableValues"].GetObject()) {
        std::string value = v.value.IsString() ? v.value.GetString() : json::to_string(v.value);
        std::string name = v.name.GetString();
        for (auto* text : {&sp.first_message, &sp.end_call_message}) {
          replace_all(*text, "{{" + name + "}}", value);
          replace_all(*text, "{{ " + name + " }}", value);
        }
      }
    }
    return sp;
  }

  // Vapi ends a call whose assistant-request was answered with an error before it connects.
  std::string refused() {
    const std::string reason = "assistant-request-returned-error";
    started_ = ended_ = created_;
    s_.duration_seconds = 0;
    post(status_update("ended", ended_, reason), "ended");
    if (s_.report)
      post(report(reason), "end-of-call-report");
    return result("line_unavailable", reason);
  }

  // --- the messages -------------------------------------------------------------------------

  void call_object(json::Writer& w, const std::string& status,
                   const std::string& ended_reason = {}) {
    w.key("call").begin_object();
    w.field("id", id_).field("orgId", "sandbox-org");
    w.field("type", s_.web ? "webCall" : "inboundPhoneCall").field("status", status);
    if (!s_.assistant_id.empty())
      w.field("assistantId", s_.assistant_id);
    if (!s_.web) {
      if (!s_.phone_number_id.empty())
        w.field("phoneNumberId", s_.phone_number_id);
      w.field("phoneCallProvider", "vapi").field("phoneCallTransport", "pstn");
      w.key("customer").begin_object().field("number", s_.customer_number).end_object();
    }
    w.key("monitor").begin_object();
    w.field("controlUrl", settings_.public_url + "/vapi/calls/" + id_ + "/control").end_object();
    w.field("createdAt", iso(created_)).field("updatedAt", iso(Clock::now()));
    if (status == "in-progress" || status == "ended")
      w.field("startedAt", iso(started_));
    if (status == "ended") {
      w.field("endedAt", iso(ended_));
      if (!ended_reason.empty())
        w.field("endedReason", ended_reason);
    }
    w.end_object();
  }

  void phone_number_object(json::Writer& w) {
    if (s_.web || (s_.phone_number_id.empty() && s_.phone_number.empty()))
      return;
    w.key("phoneNumber").begin_object().field("id", s_.phone_number_id);
    w.field("provider", "vapi").field("number", s_.phone_number).end_object();
  }

  std::string assistant_request() {
    json::Writer w;
    w.begin_object().key("message").begin_object();
    w.field("type", "assistant-request").field("timestamp", epoch_ms(created_));
    phone_number_object(w);
    w.key("customer").begin_object().field("number", s_.customer_number).end_object();
    call_object(w, "ringing");
    w.end_object().end_object();
    return w.str();
  }

  std::string status_update(const std::string& status, Clock::time_point at,
                            const std::string& ended_reason = {}) {
    json::Writer w;
    w.begin_object().key("message").begin_object();
    w.field("type", "status-update").field("status", status).field("timestamp", epoch_ms(at));
    if (!ended_reason.empty())
      w.field("endedReason", ended_reason);
    phone_number_object(w);
    call_object(w, status, ended_reason);
    w.end_object().end_object();
    return w.str();
  }

  std::string tool_calls(const ToolStep& tool, const std::string& tool_call_id) {
    json::Writer w;
    w.begin_object().key("message").begin_object();
    w.field("type", "tool-calls").field("timestamp", epoch_ms(Clock::now()));
    phone_number_object(w);
    call_object(w, "in-progress");
    w.key("toolCallList").begin_array().begin_object();
    w.field("id", tool_call_id).field("type", "function");
    w.key("function").begin_object().field("name", tool.name).key("arguments").raw(tool.arguments);
    w.end_object().end_object().end_array();
    w.key("toolWithToolCallList").begin_array().begin_object();
    w.field("type", "function").key("function").begin_object().field("name", tool.name);
    w.end_object().key("toolCall").begin_object();
    w.field("id", tool_call_id).field("type", "function").key("function").begin_object();
    w.field("name", tool.name).field("arguments", tool.arguments).end_object();
    w.end_object().end_object().end_array();
    w.end_object().end_object();
    return w.str();
  }

  std::string transfer_request() {
    json::Writer w;
    w.begin_object().key("message").begin_object();
    w.field("type", "transfer-destination-request").field("timestamp", epoch_ms(Clock::now()));
    phone_number_object(w);
    call_object(w, "in-progress");
    w.end_object().end_object();
    return w.str();
  }

  std::string report(const std::string& ended_reason) {
    json::Writer w;
    w.begin_object().key("message").begin_object();
    w.field("type", "end-of-call-report").field("timestamp", epoch_ms(Clock::now()));
    w.field("endedReason", ended_reason);
    w.field("startedAt", iso(started_)).field("endedAt", iso(ended_));
    double cost = 0.0012 * static_cast<double>(s_.duration_seconds);
    w.field("cost", cost);
    phone_number_object(w);
    call_object(w, "ended", ended_reason);
    w.key("artifact").begin_object();
    std::string transcript;
    for (const auto& t : turns_) {
      if (t.role == "bot" || t.role == "user")
        transcript += (t.role == "bot" ? "AI: " : "User: ") + t.text + "\n";
    }
    w.field("transcript", transcript);
    w.field("recordingUrl", settings_.public_url + "/vapi/recordings/" + id_ + "-mono.wav");
    w.field("stereoRecordingUrl", settings_.public_url + "/vapi/recordings/" + id_ + "-stereo.wav");
    w.key("messages").begin_array();
    for (const auto& t : turns_) {
      w.begin_object().field("role", t.role).field("time", t.time_ms);
      w.field("secondsFromStart", static_cast<double>(t.time_ms - epoch_ms(started_)) / 1000.0);
      if (t.role == "tool_calls") {
        w.field("message", "");
        w.key("toolCalls").begin_array().begin_object().field("id", t.tool_call_id);
        w.field("type", "function").key("function").begin_object().field("name", t.tool_name);
        w.field("arguments", t.text).end_object().end_object().end_array();
      } else if (t.role == "tool_call_result") {
        w.field("toolCallId", t.tool_call_id).field("name", t.tool_name).field("result", t.text);
      } else {
        w.field("message", t.text);
      }
      w.end_object();
    }
    w.end_array().end_object();
    w.key("analysis").begin_object().field("summary", s_.summary);
    w.key("structuredData").begin_object().field("simulated", true);
    w.field("callbackRequested", false).end_object();
    w.field("successEvaluation", "true").end_object();
    w.end_object().end_object();
    return w.str();
  }

  // --- the conversation as it goes ----------------------------------------------------------

  struct Turn {
    std::string role;
    std::string text;
    std::string tool_name;
    std::string tool_call_id;
    std::int64_t time_ms = 0;
  };

  // Turns are spread over the call's length so the transcript's times look like a call.
  std::int64_t next_time() {
    auto step = std::max<std::int64_t>(1, s_.duration_seconds * 1000 / 12);
    return epoch_ms(started_) + step * static_cast<std::int64_t>(turns_.size());
  }
  void say(const std::string& role, const std::string& text) {
    turns_.push_back({role, text, {}, {}, next_time()});
  }
  void tool_turn(const ToolStep& tool, const std::string& id, const std::string& result) {
    turns_.push_back({"tool_calls", tool.arguments, tool.name, id, next_time()});
    turns_.push_back({"tool_call_result", result, tool.name, id, next_time()});
  }

  // --- posting ------------------------------------------------------------------------------

  json::Document post(const std::string& body, const std::string& label) {
    http::ClientRequest req;
    req.method = "POST";
    req.url = settings_.gateway_url + "/webhooks/vapi";
    req.body = body;
    req.headers.set("Content-Type", "application/json");
    if (!settings_.vapi_webhook_secret.empty()) {
      auto ts = std::to_string(
          std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch())
              .count());
      auto sig = crypto::hmac_sha256_hex(settings_.vapi_webhook_secret, ts + "." + body);
      req.headers.set("X-Vapi-Signature", sig);
      req.headers.set("X-Timestamp", ts);
    }
    json::Document answer;
    json::Writer step;
    step.begin_object().field("message", label);
    try {
      auto res = client_.send(req);
      step.field("status", res.status);
      try {
        answer = json::parse(res.body);
        step.key("response").raw(json::to_string(answer));
      } catch (const json::ParseError&) {
        step.field("response", res.body.substr(0, 500));
      }
    } catch (const http::ClientError& e) {
      step.field("status", 0).field("error", e.what());
    }
    steps_.push_back(step.end_object().str());
    return answer;
  }

  std::string result(const std::string& outcome, const std::string& ended_reason) {
    json::Writer w;
    w.begin_object().field("call_id", id_).field("outcome", outcome);
    w.field("ended_reason", ended_reason);
    w.field("assistant_id", s_.assistant_id).key("steps").begin_array();
    for (const auto& s : steps_)
      w.raw(s);
    w.end_array().key("transcript").begin_array();
    for (const auto& t : turns_) {
      if (t.role == "bot" || t.role == "user") {
        w.begin_object().field("role", t.role == "bot" ? "assistant" : "user");
        w.field("text", t.text).end_object();
      }
    }
    w.end_array().end_object();
    log::info("simulated vapi call", {{"vapi_call_id", id_}, {"outcome", outcome}});
    return w.str();
  }

  const SandboxSettings& settings_;
  http::Client& client_;
  const VapiStore& store_;
  Scenario s_;
  std::string id_;
  Clock::time_point created_, started_, ended_;
  std::vector<Turn> turns_;
  std::vector<std::string> steps_;
};

}  // namespace

void add_vapi_routes(http::Router& router, const SandboxSettings& settings, VapiStore& store) {
  static http::Client client(
      http::ClientOptions{.request_timeout = std::chrono::seconds(15), .max_retries = 0});
  router.add("POST", "/vapi/simulate/call",
             [settings, &store](Request& req) {
               SimulatedCall call(settings, client, store, read_scenario(req));
               return Response::json(200, call.run());
             },
             {.max_body = 64 * 1024, .access = http::Access::open});
  // The recording links of simulated calls play one second of silence.
  router.add("GET", "/vapi/recordings/{file}",
             [](Request&) {
               constexpr std::uint32_t kRate = 8000, kBytes = 8000;
               std::string wav = "RIFF";
               auto u32 = [&](std::uint32_t v) {
                 for (int i = 0; i < 4; ++i)
                   wav += static_cast<char>((v >> (8 * i)) & 0xFF);
               };
               auto u16 = [&](std::uint16_t v) {
                 wav += static_cast<char>(v & 0xFF);
                 wav += static_cast<char>(v >> 8);
               };
               u32(36 + kBytes);
               wav += "WAVEfmt ";
               u32(16);
               u16(1);  // PCM
               u16(1);  // mono
               u32(kRate);
               u32(kRate);  // bytes per second at 8 bits
               u16(1);
               u16(8);
               wav += "data";
               u32(kBytes);
               wav.append(kBytes, static_cast<char>(0x80));  // 8-bit silence
               return Response::text(200, wav, "audio/wav");
             },
             {.max_body = 0, .access = http::Access::open});
  router.add("POST", "/vapi/calls/{id}/control",
             [](Request& req) {
               auto doc = http::parse_body(req.body);
               log::info("vapi call control", {{"vapi_call_id", req.param("id")},
                                               {"command", json::get_string(doc, "type")}});
               return Response::json(200, "{}");
             },
             {.max_body = 16 * 1024, .access = http::Access::open});
}

}  // namespace kx::sandbox
