// Vapi's REST API for assistants and phone numbers, as strict as Vapi's NestJS validation: an
// unknown or read-only top-level property is a 400 ("property X should not exist"), nested
// objects are checked for what Vapi requires (model.provider and model.model, voice.provider,
// server.url as a URL, serverMessages from Vapi's list), PATCH replaces each top-level property
// it names wholesale. Errors come in Vapi's shape {"message", "error", "statusCode"}.
#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>

#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "sandbox.hpp"

namespace kx::sandbox {

using Clock = std::chrono::system_clock;

// --- VapiObject and VapiStore ---------------------------------------------------------------

std::string VapiObject::json() const {
  json::Writer w;
  w.begin_object().field("id", id).field("orgId", "sandbox-org");
  w.field("createdAt", json::utc_timestamp(created_at));
  w.field("updatedAt", json::utc_timestamp(updated_at));
  for (const auto& [name, value] : fields)
    w.key(name).raw(value);
  w.end_object();
  return w.str();
}

std::optional<std::string> VapiObject::text(const std::string& name) const {
  auto it = fields.find(name);
  if (it == fields.end())
    return std::nullopt;
  auto doc = json::parse(it->second);
  if (!doc.IsString())
    return std::nullopt;
  return std::string(doc.GetString(), doc.GetStringLength());
}

VapiStore::VapiStore(int numbers) {
  for (int i = 1; i <= numbers; ++i) {
    char id[40], e164[20];
    std::snprintf(id, sizeof id, "5a4db0c5-0000-4000-8000-%012d", i);
    std::snprintf(e164, sizeof e164, "+49305550%04d", i);
    VapiObject o;
    o.id = id;
    o.seq = ++seq_;
    o.created_at = o.updated_at = Clock::now();
    o.fields = {{"provider", "\"vapi\""},
                {"number", std::string("\"") + e164 + "\""},
                {"status", "\"active\""}};
    numbers_[o.id] = std::move(o);
  }
}

std::optional<VapiObject> VapiStore::find(VapiKind kind, const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = of(kind).find(id);
  if (it == of(kind).end())
    return std::nullopt;
  return it->second;
}

std::vector<VapiObject> VapiStore::list(VapiKind kind) const {
  std::vector<VapiObject> out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, o] : of(kind))
      out.push_back(o);
  }
  std::sort(out.begin(), out.end(),
            [](const VapiObject& a, const VapiObject& b) { return a.seq > b.seq; });
  return out;
}

VapiObject VapiStore::insert(VapiKind kind, std::map<std::string, std::string> fields) {
  VapiObject o;
  o.id = crypto::uuid_v4();
  o.created_at = o.updated_at = Clock::now();
  o.fields = std::move(fields);
  std::lock_guard lock(mutex_);
  o.seq = ++seq_;
  of(kind)[o.id] = o;
  return o;
}

std::optional<VapiObject> VapiStore::update(VapiKind kind, const std::string& id,
                                            const std::map<std::string, std::string>& fields) {
  std::lock_guard lock(mutex_);
  auto it = of(kind).find(id);
  if (it == of(kind).end())
    return std::nullopt;
  for (const auto& [name, value] : fields)
    it->second.fields[name] = value;
  it->second.updated_at = Clock::now();
  return it->second;
}

std::optional<VapiObject> VapiStore::remove(VapiKind kind, const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = of(kind).find(id);
  if (it == of(kind).end())
    return std::nullopt;
  auto o = std::move(it->second);
  of(kind).erase(it);
  return o;
}

std::optional<VapiObject> VapiStore::number_by_e164(const std::string& e164) const {
  std::lock_guard lock(mutex_);
  for (const auto& [id, o] : numbers_) {
    if (o.text("number") == e164)
      return o;
  }
  return std::nullopt;
}

namespace {

using http::Request;
using http::Response;

// --- Vapi's answers -------------------------------------------------------------------------

Response vapi_error(int status, const std::vector<std::string>& messages, bool as_list) {
  json::Writer w;
  w.begin_object().key("message");
  if (as_list) {
    w.begin_array();
    for (const auto& m : messages)
      w.value(m);
    w.end_array();
  } else {
    w.value(messages.empty() ? http::reason_phrase(status) : messages.front());
  }
  w.field("error", http::reason_phrase(status)).field("statusCode", status).end_object();
  return Response::json(status, w.str());
}

std::string fault_body(int status) {
  return vapi_error(status, {status == 429 ? "Too Many Requests" : http::reason_phrase(status)},
                    false)
      .body;
}

// --- validation -----------------------------------------------------------------------------

constexpr std::array kAssistantProperties = {"name",
                                             "transcriber",
                                             "model",
                                             "voice",
                                             "firstMessage",
                                             "firstMessageInterruptionsEnabled",
                                             "firstMessageMode",
                                             "voicemailDetection",
                                             "clientMessages",
                                             "serverMessages",
                                             "silenceTimeoutSeconds",
                                             "maxDurationSeconds",
                                             "backgroundSound",
                                             "backgroundDenoisingEnabled",
                                             "modelOutputInMessagesEnabled",
                                             "transportConfigurations",
                                             "observabilityPlan",
                                             "credentials",
                                             "credentialIds",
                                             "hooks",
                                             "voicemailMessage",
                                             "endCallMessage",
                                             "endCallPhrases",
                                             "compliancePlan",
                                             "metadata",
                                             "backgroundSpeechDenoisingPlan",
                                             "analysisPlan",
                                             "artifactPlan",
                                             "messagePlan",
                                             "startSpeakingPlan",
                                             "stopSpeakingPlan",
                                             "monitorPlan",
                                             "keypadInputPlan",
                                             "server"};

// clang-format off
constexpr std::array kNumberUpdateProperties = {
    "name", "assistantId", "squadId", "workflowId", "server", "fallbackDestination", "hooks",
    "number", "credentialId", "smsEnabled", "numberE164CheckEnabled"};
// What only a creation may set: the provider and its purchase or credentials.
constexpr std::array kNumberCreateOnlyProperties = {
    "provider", "numberDesiredAreaCode", "sipUri", "authentication", "twilioAccountSid",
    "twilioAuthToken", "twilioApiKey", "twilioApiSecret"};
// clang-format on

constexpr std::array kServerMessages = {"assistant.started",
                                        "assistant.speechStarted",
                                        "conversation-update",
                                        "end-of-call-report",
                                        "function-call",
                                        "hang",
                                        "language-changed",
                                        "language-change-detected",
                                        "model-output",
                                        "phone-call-control",
                                        "speech-update",
                                        "status-update",
                                        "transcript",
                                        "transcript[transcriptType=\"final\"]",
                                        "tool-calls",
                                        "transfer-destination-request",
                                        "handoff-destination-request",
                                        "transfer-update",
                                        "user-interrupted",
                                        "voice-input",
                                        "chat.created",
                                        "chat.deleted",
                                        "session.created",
                                        "session.updated",
                                        "session.deleted",
                                        "call.deleted",
                                        "call.delete.failed",
                                        "call.artifact.upload"};

constexpr std::array kModelProviders = {
    "openai",   "anthropic", "google",      "groq",     "openrouter",    "custom-llm", "vapi",
    "deepseek", "xai",       "together-ai", "anyscale", "perplexity-ai", "deep-infra", "cerebras"};

constexpr std::array kVoiceProviders = {
    "11labs",  "azure",     "cartesia", "deepgram",    "openai",    "playht",      "rime-ai",
    "lmnt",    "neuphonic", "hume",     "smallest-ai", "tavus",     "vapi",        "sesame",
    "inworld", "minimax",   "wellsaid", "xai",         "microsoft", "custom-voice"};

constexpr std::array kElevenLabsModels = {
    "eleven_multilingual_v2", "eleven_turbo_v2",       "eleven_turbo_v2_5", "eleven_flash_v2",
    "eleven_flash_v2_5",      "eleven_monolingual_v1", "eleven_v3"};

constexpr std::array kFirstMessageModes = {"assistant-speaks-first",
                                           "assistant-speaks-first-with-model-generated-message",
                                           "assistant-waits-for-user"};

constexpr std::array kNumberProviders = {"vapi", "twilio", "vonage", "telnyx", "byo-phone-number"};

template <std::size_t N>
bool one_of(const std::array<const char*, N>& values, std::string_view v) {
  return std::any_of(values.begin(), values.end(), [&](const char* x) { return v == x; });
}

template <std::size_t N>
std::string listing(const std::array<const char*, N>& values) {
  std::string out;
  for (const char* v : values)
    out += (out.empty() ? "" : ", ") + std::string(v);
  return out;
}

/// Collects class-validator style messages for one request body.
class Check {
 public:
  explicit Check(const json::Value& body) : body_(body) {}

  template <std::size_t N, std::size_t M = 0>
  void whitelist(const std::array<const char*, N>& allowed,
                 const std::array<const char*, M>& also = {}) {
    for (const auto& m : body_.GetObject()) {
      std::string_view name(m.name.GetString(), m.name.GetStringLength());
      if (!one_of(allowed, name) && !one_of(also, name))
        add("property " + std::string(name) + " should not exist");
    }
  }

  const json::Value* get(const json::Value& obj, const char* name) {
    auto it = obj.FindMember(name);
    return it == obj.MemberEnd() ? nullptr : &it->value;
  }

  void string(const json::Value& obj, const char* name, const std::string& path,
              std::size_t max_len = 0, bool required = false) {
    const auto* v = get(obj, name);
    if (!v) {
      if (required)
        add(path + " should not be empty");
      return;
    }
    if (!v->IsString()) {
      add(path + " must be a string");
    } else if (max_len && json::utf8_length({v->GetString(), v->GetStringLength()}) > max_len) {
      add(path + " must be shorter than or equal to " + std::to_string(max_len) + " characters");
    } else if (required && v->GetStringLength() == 0) {
      add(path + " should not be empty");
    }
  }

  static std::string num(double v) {
    auto whole = static_cast<std::int64_t>(v);
    return static_cast<double>(whole) == v ? std::to_string(whole) : std::to_string(v);
  }

  void number(const json::Value& obj, const char* name, const std::string& path, double min,
              double max) {
    const auto* v = get(obj, name);
    if (!v)
      return;
    if (!v->IsNumber()) {
      add(path + " must be a number conforming to the specified constraints");
    } else if (v->GetDouble() < min) {
      add(path + " must not be less than " + num(min));
    } else if (v->GetDouble() > max) {
      add(path + " must not be greater than " + num(max));
    }
  }

  void boolean(const json::Value& obj, const char* name, const std::string& path) {
    if (const auto* v = get(obj, name); v && !v->IsBool())
      add(path + " must be a boolean value");
  }

  template <std::size_t N>
  void enumerated(const json::Value& obj, const char* name, const std::string& path,
                  const std::array<const char*, N>& values, bool required = false) {
    const auto* v = get(obj, name);
    if (!v) {
      if (required)
        add(path + " must be one of the following values: " + listing(values));
      return;
    }
    if (!v->IsString() || !one_of(values, {v->GetString(), v->GetStringLength()}))
      add(path + " must be one of the following values: " + listing(values));
  }

  /// An object (or array) member; nullptr (with a message) when present but of another type.
  const json::Value* object(const json::Value& obj, const char* name, const std::string& path) {
    return typed(obj, name, path + " must be an object", &json::Value::IsObject);
  }
  const json::Value* array(const json::Value& obj, const char* name, const std::string& path) {
    return typed(obj, name, path + " must be an array", &json::Value::IsArray);
  }

  void url(const json::Value& obj, const char* name, const std::string& path, bool required) {
    const auto* v = get(obj, name);
    if (!v) {
      if (required)
        add(path + " must be a URL address");
      return;
    }
    std::string_view s =
        v->IsString() ? std::string_view(v->GetString(), v->GetStringLength()) : std::string_view();
    auto scheme = s.find("://");
    bool ok = scheme != std::string_view::npos &&
              (s.substr(0, scheme) == "http" || s.substr(0, scheme) == "https") &&
              s.size() > scheme + 3 && s.find(' ') == std::string_view::npos;
    if (!ok)
      add(path + " must be a URL address");
  }

  void server(const json::Value& obj, const std::string& path) {
    const auto* s = object(obj, "server", path);
    if (!s)
      return;
    url(*s, "url", path + ".url", false);
    number(*s, "timeoutSeconds", path + ".timeoutSeconds", 1, 300);
    string(*s, "credentialId", path + ".credentialId");
    if (auto* h = object(*s, "headers", path + ".headers"); h) {
      for (const auto& m : h->GetObject()) {
        if (!m.value.IsString())
          add(path + ".headers." + m.name.GetString() + " must be a string");
      }
    }
    object(*s, "backoffPlan", path + ".backoffPlan");
  }

  void add(std::string message) { messages_.push_back(std::move(message)); }
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  const json::Value* typed(const json::Value& obj, const char* name, std::string problem,
                           bool (json::Value::*is)() const) {
    const auto* v = get(obj, name);
    if (v && !(v->*is)()) {
      add(std::move(problem));
      return nullptr;
    }
    return v;
  }

  const json::Value& body_;
  std::vector<std::string> messages_;
};

void check_assistant(Check& c, const json::Value& b) {
  c.whitelist(kAssistantProperties);
  c.string(b, "name", "name", 40);
  c.string(b, "firstMessage", "firstMessage");
  c.enumerated(b, "firstMessageMode", "firstMessageMode", kFirstMessageModes);
  c.boolean(b, "firstMessageInterruptionsEnabled", "firstMessageInterruptionsEnabled");
  c.string(b, "endCallMessage", "endCallMessage", 1000);
  c.string(b, "voicemailMessage", "voicemailMessage", 1000);
  c.number(b, "maxDurationSeconds", "maxDurationSeconds", 10, 43200);
  c.number(b, "silenceTimeoutSeconds", "silenceTimeoutSeconds", 10, 3600);
  c.object(b, "metadata", "metadata");
  c.object(b, "analysisPlan", "analysisPlan");
  c.object(b, "artifactPlan", "artifactPlan");
  if (const auto* phrases = c.array(b, "endCallPhrases", "endCallPhrases")) {
    for (const auto& p : phrases->GetArray()) {
      if (!p.IsString())
        c.add("each value in endCallPhrases must be a string");
    }
  }
  if (const auto* list = c.array(b, "serverMessages", "serverMessages")) {
    for (const auto& m : list->GetArray()) {
      if (!m.IsString() || !one_of(kServerMessages, {m.GetString(), m.GetStringLength()})) {
        c.add("each value in serverMessages must be one of the following values: " +
              listing(kServerMessages));
        break;
      }
    }
  }
  c.array(b, "clientMessages", "clientMessages");
  if (const auto* model = c.object(b, "model", "model")) {
    c.enumerated(*model, "provider", "model.provider", kModelProviders, true);
    c.string(*model, "model", "model.model", 0, true);
    c.number(*model, "temperature", "model.temperature", 0, 2);
    c.number(*model, "maxTokens", "model.maxTokens", 50, 10000);
    if (const auto* messages = c.array(*model, "messages", "model.messages")) {
      for (const auto& m : messages->GetArray()) {
        if (!m.IsObject() || !m.HasMember("role") || !m["role"].IsString()) {
          c.add(
              "model.messages.role must be one of the following values: system, user, "
              "assistant, tool, function");
          break;
        }
      }
    }
    if (const auto* tools = c.array(*model, "tools", "model.tools")) {
      for (const auto& t : tools->GetArray()) {
        if (!t.IsObject() || !t.HasMember("type") || !t["type"].IsString()) {
          c.add("model.tools.type should not be empty");
          break;
        }
        std::string_view type(t["type"].GetString(), t["type"].GetStringLength());
        if (type == "function") {
          const auto* fn = c.object(t, "function", "model.tools.function");
          if (!fn)
            c.add("model.tools.function should not be empty");
          else
            c.string(*fn, "name", "model.tools.function.name", 64, true);
          c.server(t, "model.tools.server");
        } else if (type == "transferCall") {
          c.array(t, "destinations", "model.tools.destinations");
        }
      }
    }
  }
  if (const auto* voice = c.object(b, "voice", "voice")) {
    c.enumerated(*voice, "provider", "voice.provider", kVoiceProviders, true);
    if (json::get_string(*voice, "provider") == "11labs") {
      c.string(*voice, "voiceId", "voice.voiceId", 0, true);
      c.enumerated(*voice, "model", "voice.model", kElevenLabsModels);
    }
  }
  if (const auto* transcriber = c.object(b, "transcriber", "transcriber"))
    c.string(*transcriber, "provider", "transcriber.provider", 0, true);
  c.server(b, "server");
}

void check_number(Check& c, const json::Value& b, bool create) {
  if (create)
    c.whitelist(kNumberUpdateProperties, kNumberCreateOnlyProperties);
  else
    c.whitelist(kNumberUpdateProperties);
  c.string(b, "name", "name", 40);
  for (const char* ref : {"assistantId", "squadId", "workflowId"}) {
    if (const auto* v = c.get(b, ref); v && !v->IsNull() && !v->IsString())
      c.add(std::string(ref) + " must be a UUID");
  }
  c.server(b, "server");
  if (const auto* number = c.get(b, "number")) {
    std::string_view n = number->IsString()
                             ? std::string_view(number->GetString(), number->GetStringLength())
                             : std::string_view();
    bool e164 = n.size() >= 8 && n.size() <= 16 && n[0] == '+' &&
                std::all_of(n.begin() + 1, n.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (!e164)
      c.add("number must be a valid phone number in the E.164 format");
  }
  if (!create)
    return;
  c.enumerated(b, "provider", "provider", kNumberProviders, true);
  auto provider = json::get_string(b, "provider");
  if (provider == "vapi") {
    c.string(b, "numberDesiredAreaCode", "numberDesiredAreaCode", 3);
    if (b.HasMember("number"))
      c.add("property number should not exist");
  } else if (!provider.empty() && !b.HasMember("number")) {
    c.add("number should not be empty");
  }
}

std::map<std::string, std::string> fields_of(const json::Value& body) {
  std::map<std::string, std::string> fields;
  for (const auto& m : body.GetObject())
    fields[m.name.GetString()] = json::to_string(m.value);
  return fields;
}

// --- list filters -----------------------------------------------------------------------------

/// "2026-11-21T10:00:00Z" or with fractional seconds or an offset of "Z"; nullopt otherwise.
std::optional<Clock::time_point> parse_iso(const std::string& s) {
  int y, mo, d, h, mi, sec;
  char rest[32] = {};
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%31s", &y, &mo, &d, &h, &mi, &sec, rest) < 6)
    return std::nullopt;
  std::string tail = rest;
  std::chrono::milliseconds ms{0};
  if (!tail.empty() && tail[0] == '.') {
    std::size_t i = 1;
    std::string digits;
    while (i < tail.size() && std::isdigit(static_cast<unsigned char>(tail[i])))
      digits += tail[i++];
    digits = (digits + "000").substr(0, 3);
    ms = std::chrono::milliseconds(std::stoi(digits));
    tail = tail.substr(i);
  }
  if (!tail.empty() && tail != "Z" && tail != "+00:00")
    return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo),
                                  std::chrono::day(d)};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60)
    return std::nullopt;
  return std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(sec) + ms;
}

/// Vapi's list: limit (default 100, at most 1000) and createdAt/updatedAt Gt/Ge/Lt/Le filters.
Response list_objects(const Request& req, const std::vector<VapiObject>& all) {
  std::vector<std::string> problems;
  std::int64_t limit = 100;
  if (auto l = req.query_param("limit")) {
    try {
      limit = std::stoll(*l);
    } catch (const std::exception&) {
      limit = -1;
    }
    if (limit < 0 || limit > 1000)
      problems.push_back("limit must not be greater than 1000");
  }
  struct Filter {
    bool created;
    std::string op;
    Clock::time_point at;
  };
  std::vector<Filter> filters;
  for (const char* field : {"createdAt", "updatedAt"}) {
    for (const char* op : {"Gt", "Ge", "Lt", "Le"}) {
      auto name = std::string(field) + op;
      if (auto v = req.query_param(name)) {
        if (auto at = parse_iso(*v))
          filters.push_back({std::string(field) == "createdAt", op, *at});
        else
          problems.push_back(name + " must be a valid ISO 8601 date string");
      }
    }
  }
  if (!problems.empty())
    return vapi_error(400, problems, true);
  json::Writer w;
  w.begin_array();
  std::int64_t n = 0;
  for (const auto& o : all) {
    bool keep = true;
    for (const auto& f : filters) {
      auto t = std::chrono::time_point_cast<std::chrono::milliseconds>(f.created ? o.created_at
                                                                                 : o.updated_at);
      keep = keep && (f.op == "Gt"   ? t > f.at
                      : f.op == "Ge" ? t >= f.at
                      : f.op == "Lt" ? t < f.at
                                     : t <= f.at);
    }
    if (keep && n < limit) {
      w.raw(o.json());
      ++n;
    }
  }
  w.end_array();
  return Response::json(200, w.str());
}

// --- the API ----------------------------------------------------------------------------------

class VapiApi {
 public:
  VapiApi(const SandboxSettings& settings, VapiStore& store) : settings_(settings), store_(store) {}

  Response create(Request& req, VapiKind kind) {
    return authorized(req, [&] {
      return with_body(req, kind, true, [&](const json::Value& body) {
        auto fields = fields_of(body);
        if (kind == VapiKind::phone_number) {
          auto provider = json::get_string(body, "provider");
          if (provider == "vapi")
            fields["number"] =
                "\"" + next_number(json::get_string(body, "numberDesiredAreaCode")) + "\"";
          else if (store_.number_by_e164(json::get_string(body, "number")))
            return vapi_error(400, {"Number Already Exists"}, false);
          fields.erase("numberDesiredAreaCode");
          fields["status"] = "\"active\"";
        }
        auto o = store_.insert(kind, std::move(fields));
        log::info("vapi object created", {{"kind", label(kind)}, {"vapi_id", o.id}});
        return Response::json(201, o.json());
      });
    });
  }

  Response list(Request& req, VapiKind kind) {
    return authorized(req, [&] { return list_objects(req, store_.list(kind)); });
  }

  Response get(Request& req, VapiKind kind) {
    return authorized(req, [&] {
      auto o = store_.find(kind, req.param("id"));
      return o ? Response::json(200, o->json()) : not_found(kind);
    });
  }

  Response patch(Request& req, VapiKind kind) {
    return authorized(req, [&] {
      if (!store_.find(kind, req.param("id")))
        return not_found(kind);
      return with_body(req, kind, false, [&](const json::Value& body) {
        if (kind == VapiKind::phone_number && body.HasMember("number")) {
          auto same = store_.number_by_e164(json::get_string(body, "number"));
          if (same && same->id != req.param("id"))
            return vapi_error(400, {"Number Already Exists"}, false);
        }
        auto o = store_.update(kind, req.param("id"), fields_of(body));
        return o ? Response::json(200, o->json()) : not_found(kind);
      });
    });
  }

  Response remove(Request& req, VapiKind kind) {
    return authorized(req, [&] {
      auto o = store_.remove(kind, req.param("id"));
      if (!o)
        return not_found(kind);
      log::info("vapi object deleted", {{"kind", label(kind)}, {"vapi_id", o->id}});
      return Response::json(200, o->json());
    });
  }

 private:
  static const char* label(VapiKind kind) {
    return kind == VapiKind::assistant ? "assistant" : "phone_number";
  }

  static Response not_found(VapiKind kind) {
    return vapi_error(
        404,
        {kind == VapiKind::assistant ? "Couldn't Find Assistant" : "Couldn't Find Phone Number"},
        false);
  }

  template <typename Fn>
  Response authorized(const Request& req, Fn&& fn) {
    auto token = http::bearer_token(req.header("Authorization").value_or(""));
    bool ok = token && !token->empty() &&
              (settings_.vapi_api_key.empty() ||
               crypto::constant_time_equal(*token, settings_.vapi_api_key));
    if (!ok) {
      return vapi_error(401,
                        {"Invalid Key. Hot tip, you may be using the private key instead of the "
                         "public key, or vice versa."},
                        false);
    }
    return fn();
  }

  template <typename Fn>
  Response with_body(const Request& req, VapiKind kind, bool create, Fn&& fn) {
    json::Document body;
    try {
      body = json::parse(req.body.empty() ? "{}" : req.body);
    } catch (const json::ParseError& e) {
      return vapi_error(400, {std::string("Unexpected token in JSON: ") + e.what()}, false);
    }
    if (!body.IsObject())
      return vapi_error(400, {"the request body must be an object"}, true);
    Check check(body);
    if (kind == VapiKind::assistant)
      check_assistant(check, body);
    else
      check_number(check, body, create);
    if (!check.messages().empty())
      return vapi_error(400, check.messages(), true);
    return fn(body);
  }

  // A bought Vapi number: the desired area code when given (Berlin otherwise), then 5551 and a
  // running number, so it never collides with the seeded pool (…5550…).
  std::string next_number(std::string area) {
    if (area.empty() || !std::all_of(area.begin(), area.end(), ::isdigit) || area[0] == '0')
      area = "30";
    char tail[8];
    std::snprintf(tail, sizeof tail, "%04d", ++bought_ % 10000);
    return "+49" + area + "5551" + tail;
  }

  const SandboxSettings settings_;
  VapiStore& store_;
  std::atomic<int> bought_{0};
};

}  // namespace

void add_vapi_api_routes(http::Router& router, const SandboxSettings& settings, VapiStore& store,
                         Control& control) {
  auto api = std::make_shared<VapiApi>(settings, store);
  for (auto [prefix, kind] : {std::pair{"/vapi/assistant", VapiKind::assistant},
                              std::pair{"/vapi/phone-number", VapiKind::phone_number}}) {
    std::string base = prefix;
    auto bind = [api, kind](Response (VapiApi::*fn)(Request&, VapiKind)) {
      return [api, kind, fn](Request& req, const Fault*) { return ((*api).*fn)(req, kind); };
    };
    control.route(router, "POST", base, fault_body, bind(&VapiApi::create));
    control.route(router, "GET", base, fault_body, bind(&VapiApi::list), 0);
    control.route(router, "GET", base + "/{id}", fault_body, bind(&VapiApi::get), 0);
    control.route(router, "PATCH", base + "/{id}", fault_body, bind(&VapiApi::patch));
    control.route(router, "DELETE", base + "/{id}", fault_body, bind(&VapiApi::remove), 0);
  }
}

}  // namespace kx::sandbox
