#include "vapi_message.hpp"

#include <cmath>

#include "kx/json/json.hpp"

namespace kx::telephony {
namespace {

using json::Value;

const Value* member(const Value* parent, const char* name) {
  if (!parent || !parent->IsObject())
    return nullptr;
  auto it = parent->FindMember(name);
  return it == parent->MemberEnd() ? nullptr : &it->value;
}

const Value* object(const Value* parent, const char* name) {
  const Value* v = member(parent, name);
  return v && v->IsObject() ? v : nullptr;
}

const Value* array(const Value* parent, const char* name) {
  const Value* v = member(parent, name);
  return v && v->IsArray() ? v : nullptr;
}

// PostgreSQL text cannot hold NUL, and a "\u0000" escape is legal JSON.
std::string clean(std::string_view s, std::size_t max) {
  return truncate_utf8(json::without_nul(s), max);
}

std::string text(const Value* parent, const char* name, std::size_t max = kMaxTextLength) {
  const Value* v = member(parent, name);
  if (!v || !v->IsString())
    return {};
  return clean(std::string_view(v->GetString(), v->GetStringLength()), max);
}

std::string id(const Value* parent, const char* name) {
  const Value* v = member(parent, name);
  if (!v || !v->IsString() || v->GetStringLength() > kMaxIdLength)
    return {};
  return clean(std::string_view(v->GetString(), v->GetStringLength()), kMaxIdLength);
}

std::optional<double> number(const Value* parent, const char* name) {
  const Value* v = member(parent, name);
  if (!v || !v->IsNumber())
    return std::nullopt;
  double d = v->GetDouble();
  if (!std::isfinite(d))
    return std::nullopt;
  return d;
}

std::optional<Clock::time_point> time_of(const Value* parent, const char* name) {
  const Value* v = member(parent, name);
  if (!v)
    return std::nullopt;
  if (v->IsString())
    return parse_timestamp(std::string_view(v->GetString(), v->GetStringLength()));
  if (v->IsNumber()) {
    double ms = v->GetDouble();
    // Epoch milliseconds between 2000 and 2200; anything else is not a time we trust.
    if (!std::isfinite(ms) || ms < 946'684'800'000.0 || ms > 7'258'118'400'000.0)
      return std::nullopt;
    return Clock::time_point(std::chrono::milliseconds(static_cast<std::int64_t>(ms)));
  }
  return std::nullopt;
}

std::string url(const Value* parent, const char* name) {
  const Value* v = member(parent, name);
  if (!v || !v->IsString() || v->GetStringLength() > kMaxUrlLength)
    return {};
  std::string_view s(v->GetString(), v->GetStringLength());
  if (s.rfind("https://", 0) != 0 && s.rfind("http://", 0) != 0)
    return {};
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '"' || c == '<' || c == '>')
      return {};
  }
  return std::string(s);
}

// Copies a JSON value into the writer without NUL characters.
void write_clean(json::Writer& w, const Value& v) {
  switch (v.GetType()) {
    case rapidjson::kObjectType:
      w.begin_object();
      for (const auto& m : v.GetObject()) {
        w.key(
            clean(std::string_view(m.name.GetString(), m.name.GetStringLength()), kMaxJsonLength));
        write_clean(w, m.value);
      }
      w.end_object();
      break;
    case rapidjson::kArrayType:
      w.begin_array();
      for (const auto& item : v.GetArray())
        write_clean(w, item);
      w.end_array();
      break;
    case rapidjson::kStringType:
      w.value(clean(std::string_view(v.GetString(), v.GetStringLength()), kMaxJsonLength));
      break;
    default:
      w.value(v);
      break;
  }
}

std::optional<std::string> clean_json(const Value& v) {
  json::Writer w;
  write_clean(w, v);
  auto out = w.str();
  if (out.size() > kMaxJsonLength)
    return std::nullopt;
  return out;
}

// Tool arguments arrive as an object, as a JSON string holding an object, or not at all.
void read_arguments(const Value* args, ToolCall& call) {
  if (!args || args->IsNull())
    return;
  if (args->IsObject()) {
    if (auto text = clean_json(*args))
      call.arguments_json = *text;
    else
      call.arguments_valid = false;
    return;
  }
  if (args->IsString()) {
    std::string_view s(args->GetString(), args->GetStringLength());
    if (s.empty())
      return;
    try {
      auto doc = json::parse(s, 32);
      if (doc.IsObject()) {
        if (auto text = clean_json(doc)) {
          call.arguments_json = *text;
          return;
        }
      }
    } catch (const json::ParseError&) {
    }
  }
  call.arguments_valid = false;
}

std::optional<ToolCall> read_tool_call(const Value& tc) {
  if (!tc.IsObject())
    return std::nullopt;
  ToolCall call;
  call.id = id(&tc, "id");
  const Value* fn = object(&tc, "function");
  call.name = text(fn, "name", 64);
  if (call.name.empty())
    call.name = text(&tc, "name", 64);
  if (call.id.empty())
    return std::nullopt;
  const Value* args = member(fn, "arguments");
  if (!args)
    args = member(&tc, "arguments");
  if (!args)
    args = member(fn, "parameters");
  if (!args)
    args = member(&tc, "parameters");
  read_arguments(args, call);
  return call;
}

void read_tool_calls(const Value* msg, VapiMessage& out) {
  if (const Value* list = array(msg, "toolCallList")) {
    for (const auto& tc : list->GetArray()) {
      if (out.tool_calls.size() >= kMaxToolCalls)
        break;
      if (auto call = read_tool_call(tc))
        out.tool_calls.push_back(std::move(*call));
    }
    return;
  }
  if (const Value* list = array(msg, "toolWithToolCallList")) {
    for (const auto& item : list->GetArray()) {
      if (out.tool_calls.size() >= kMaxToolCalls)
        break;
      if (const Value* tc = object(&item, "toolCall")) {
        if (auto call = read_tool_call(*tc))
          out.tool_calls.push_back(std::move(*call));
      }
    }
  }
}

void read_transcript(const Value* messages, VapiMessage& out) {
  for (const auto& m : messages->GetArray()) {
    if (out.transcript.size() >= kMaxTranscriptEntries)
      break;
    if (!m.IsObject())
      continue;
    std::string role = text(&m, "role", 32);
    TranscriptEntry e;
    if (auto t = time_of(&m, "time"))
      e.time_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
    e.seconds_from_start = number(&m, "secondsFromStart");
    if (role == "bot" || role == "assistant" || role == "user") {
      e.role = role == "user" ? "user" : "assistant";
      e.text = text(&m, "message");
      if (e.text.empty())
        e.text = text(&m, "content");
      out.transcript.push_back(std::move(e));
    } else if (role == "tool_calls") {
      if (const Value* calls = array(&m, "toolCalls")) {
        for (const auto& tc : calls->GetArray()) {
          if (auto call = read_tool_call(tc);
              call && out.transcript.size() < kMaxTranscriptEntries) {
            TranscriptEntry c = e;
            c.role = "tool_call";
            c.tool_name = call->name;
            c.text = truncate_utf8(call->arguments_json, kMaxTextLength);
            out.transcript.push_back(std::move(c));
          }
        }
      }
    } else if (role == "tool_call_result") {
      e.role = "tool_result";
      e.tool_name = text(&m, "name", 64);
      e.text = text(&m, "result");
      out.transcript.push_back(std::move(e));
    }
    // "system" (our own prompt) and unknown roles are not part of the conversation.
  }
}

void read_call(const Value* msg, VapiMessage& out) {
  const Value* call = object(msg, "call");
  VapiCall& c = out.call;
  c.id = id(call, "id");
  c.type = text(call, "type", 64);
  c.status = text(call, "status", 64);
  c.assistant_id = id(call, "assistantId");
  c.phone_number_id = id(call, "phoneNumberId");
  const Value* number_obj = object(msg, "phoneNumber");
  if (!number_obj)
    number_obj = object(call, "phoneNumber");
  if (c.phone_number_id.empty())
    c.phone_number_id = id(number_obj, "id");
  c.phone_number = text(number_obj, "number", 64);
  const Value* customer = object(call, "customer");
  if (!customer)
    customer = object(msg, "customer");
  c.customer_number = text(customer, "number", 64);
  c.control_url = url(object(call, "monitor"), "controlUrl");
  c.created_at = time_of(call, "createdAt");
  c.started_at = time_of(call, "startedAt");
  c.ended_at = time_of(call, "endedAt");
  c.ended_reason = text(call, "endedReason", 256);
}

void read_report(const Value* msg, VapiMessage& out) {
  const Value* call = object(msg, "call");
  out.ended_reason = text(msg, "endedReason", 256);
  if (out.ended_reason.empty())
    out.ended_reason = out.call.ended_reason;
  out.started_at = time_of(msg, "startedAt");
  if (!out.started_at)
    out.started_at = out.call.started_at;
  out.ended_at = time_of(msg, "endedAt");
  if (!out.ended_at)
    out.ended_at = out.call.ended_at;

  for (const Value* where : {msg, call}) {
    if (out.reported_duration_seconds)
      break;
    if (auto s = number(where, "durationSeconds"))
      out.reported_duration_seconds = *s;
    else if (auto ms = number(where, "durationMs"))
      out.reported_duration_seconds = *ms / 1000.0;
    else if (auto min = number(where, "durationMinutes"))
      out.reported_duration_seconds = *min * 60.0;
  }

  std::optional<double> cost = number(msg, "cost");
  if (!cost)
    cost = number(call, "cost");
  if (!cost)
    cost = number(object(call, "costBreakdown"), "total");
  if (!cost)
    cost = number(object(msg, "costBreakdown"), "total");
  if (cost && *cost >= 0 && *cost <= 10'000)
    out.cost_usd_micros = static_cast<std::int64_t>(std::llround(*cost * 1'000'000.0));

  const Value* artifact = object(msg, "artifact");
  if (!artifact)
    artifact = object(call, "artifact");
  if (const Value* messages = array(artifact, "messages"))
    read_transcript(messages, out);
  else if (const Value* legacy = array(msg, "messages"))
    read_transcript(legacy, out);
  if (out.transcript.empty()) {
    std::string plain = text(artifact, "transcript", kMaxTextLength * 10);
    if (plain.empty())
      plain = text(msg, "transcript", kMaxTextLength * 10);
    out.transcript = transcript_from_text(plain);
  }

  out.recording_url = url(artifact, "recordingUrl");
  out.stereo_recording_url = url(artifact, "stereoRecordingUrl");
  const Value* recording = object(artifact, "recording");
  if (out.recording_url.empty())
    out.recording_url = url(object(recording, "mono"), "combinedUrl");
  if (out.stereo_recording_url.empty())
    out.stereo_recording_url = url(recording, "stereoUrl");
  if (out.recording_url.empty())
    out.recording_url = url(msg, "recordingUrl");
  if (out.stereo_recording_url.empty())
    out.stereo_recording_url = url(msg, "stereoRecordingUrl");

  const Value* analysis = object(msg, "analysis");
  if (!analysis)
    analysis = object(call, "analysis");
  if (const Value* s = member(analysis, "summary"); s && s->IsString() && s->GetStringLength() > 0)
    out.summary = text(analysis, "summary");
  else if (const Value* legacy = member(msg, "summary");
           legacy && legacy->IsString() && legacy->GetStringLength() > 0)
    out.summary = text(msg, "summary");
  if (const Value* data = member(analysis, "structuredData"); data && !data->IsNull())
    out.structured_data_json = clean_json(*data);
  if (const Value* eval = member(analysis, "successEvaluation"); eval && !eval->IsNull()) {
    if (eval->IsString())
      out.success_evaluation = text(analysis, "successEvaluation", 1000);
    else if (eval->IsBool() || eval->IsNumber())
      out.success_evaluation = json::to_string(*eval);
  }
}

}  // namespace

std::string truncate_utf8(std::string_view text, std::size_t max) {
  if (text.size() <= max)
    return std::string(text);
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  return std::string(text.substr(0, cut));
}

std::vector<TranscriptEntry> transcript_from_text(std::string_view text) {
  std::vector<TranscriptEntry> out;
  while (!text.empty() && out.size() < kMaxTranscriptEntries) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    auto colon = line.find(": ");
    if (colon == std::string_view::npos)
      continue;
    auto speaker = line.substr(0, colon);
    TranscriptEntry e;
    if (speaker == "AI" || speaker == "Assistant" || speaker == "bot")
      e.role = "assistant";
    else if (speaker == "User" || speaker == "Customer")
      e.role = "user";
    else
      continue;
    e.text = clean(line.substr(colon + 2), kMaxTextLength);
    out.push_back(std::move(e));
  }
  return out;
}

ParsedMessage parse_vapi_message(std::string_view body) {
  ParsedMessage result;
  json::Document doc;
  try {
    doc = json::parse(body);
  } catch (const json::ParseError& e) {
    result.error = std::string("the body is not JSON: ") + e.what();
    result.not_json = true;
    return result;
  }
  const Value* msg = object(&doc, "message");
  std::string type = text(msg, "type", 128);
  if (!msg || type.empty()) {
    result.error = "not a Vapi server message (no message.type)";
    return result;
  }
  VapiMessage out;
  out.type = std::move(type);
  out.timestamp = time_of(msg, "timestamp");
  out.status = text(msg, "status", 64);
  read_call(msg, out);
  if (out.type == "status-update") {
    out.ended_reason = text(msg, "endedReason", 256);
    if (out.ended_reason.empty())
      out.ended_reason = out.call.ended_reason;
    out.started_at = out.call.started_at;
    out.ended_at = out.call.ended_at;
  } else if (out.type == "end-of-call-report") {
    read_report(msg, out);
  } else if (out.type == "tool-calls") {
    read_tool_calls(msg, out);
  }
  result.message = std::move(out);
  return result;
}

}  // namespace kx::telephony
