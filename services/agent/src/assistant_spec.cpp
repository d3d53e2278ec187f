#include "assistant_spec.hpp"

#include <algorithm>
#include <vector>

#include "kx/json/json.hpp"
#include "prompt.hpp"

namespace kx::agent {
namespace {

constexpr int kMaxMaxDurationSeconds = 43'200;
constexpr double kTemperature = 0.3;
constexpr int kServerTimeoutSeconds = 20;
constexpr int kToolDelayedMessageMs = 3000;

// Vapi does not retry a failed server message by default, and a lost end-of-call report is a
// call that is never charged. Shape from Vapi's OpenAPI BackoffPlan (as generated in the
// vapi-client crate, docs.rs vapi-client 0.4.2 src/models/backoff_plan.rs): type "fixed" |
// "exponential" (default fixed), maxRetries (default 0 = no retries), baseDelaySeconds (the
// first delay for exponential). 1, 2, 4, 8, 16 s covers a restart of the webhook service;
// telephony-webhook processes every message once however often it arrives.
constexpr int kBackoffMaxRetries = 5;
constexpr int kBackoffBaseDelaySeconds = 1;

// What telephony-webhook acts on (vapi_webhook.cpp); everything else it only acknowledges, so
// subscribing to it (hang, speech-update, conversation-update) would cost requests for nothing.
// assistant-request is not subscribable: Vapi always sends it for numbers without an assistant.
constexpr std::array<std::string_view, 4> kServerMessages = {
    "end-of-call-report", "status-update", "tool-calls", "transfer-destination-request"};

bool english(const Definition& d) {
  return d.language == "en";
}

std::string line_unavailable_text(bool en) {
  return en ? "Hello, this line is not available at the moment. Please try again later. Goodbye."
            : "Guten Tag, dieser Anschluss ist derzeit nicht erreichbar. Bitte versuchen Sie es "
              "später noch einmal. Auf Wiederhören.";
}

// A text the assistant carries in the agent's language.
struct Text {
  std::string_view de;
  std::string_view en;
  std::string_view in(bool english) const { return english ? en : de; }
};

struct Parameter {
  std::string_view name;
  Text description;
  bool required = true;
};

struct CalendarTool {
  std::string_view name;
  Text description;
  std::vector<Parameter> parameters;
  Text request_start;  ///< what the caller hears while the tool runs
};

// The descriptions tell the model when to call a tool and what to pass: integrations reads
// `date`/`time` as YYYY-MM-DD/HH:MM or as spoken words, and takes the caller's number from the
// call.
const std::vector<CalendarTool>& calendar_tools() {
  static const Parameter date{
      "date",
      {"Der Tag im Format JJJJ-MM-TT oder so, wie der Anrufer ihn nennt (z. B. morgen).",
       "The day as YYYY-MM-DD, or as the caller said it (e.g. tomorrow)."}};
  static const Parameter time{
      "time",
      {"Die Uhrzeit im Format HH:MM (24 Stunden) oder so, wie der Anrufer sie nennt.",
       "The time as HH:MM (24 hours), or as the caller said it."}};
  static const Parameter preference{
      "preference",
      {"Bevorzugte Tageszeit, falls der Anrufer eine nennt: vormittags, mittags, nachmittags "
       "oder abends.",
       "Preferred time of day if the caller named one: morning, midday, afternoon or evening."},
      false};
  static const Parameter name{"name",
                              {"Der vollständige Name des Anrufers.", "The caller's full name."}};
  static const Parameter known_date{
      "date",
      {"Der Tag des bestehenden Termins, falls der Anrufer ihn kennt.",
       "The day of the existing appointment, if the caller knows it."},
      false};
  static const Parameter known_time{
      "time",
      {"Die Uhrzeit des bestehenden Termins, falls der Anrufer sie kennt.",
       "The time of the existing appointment, if the caller knows it."},
      false};
  static const std::vector<CalendarTool> tools = {
      {kCheckAvailabilityTool,
       {"Nennt die freien Terminzeiten an einem Tag.",
        "Lists the free appointment times on a day."},
       {date, preference},
       {"Einen Moment, ich sehe im Kalender nach.", "One moment, I am checking the calendar."}},
      {kCheckConflictsTool,
       {"Prüft, ob eine bestimmte Uhrzeit an einem Tag frei ist.",
        "Checks whether a particular time on a day is free."},
       {date, time},
       {"Einen Moment, ich prüfe die Uhrzeit.", "One moment, I am checking that time."}},
      {kBookAppointmentTool,
       {"Trägt einen Termin für den Anrufer ein. Erst aufrufen, wenn der Anrufer Tag, Uhrzeit und "
        "Namen bestätigt hat.",
        "Books an appointment for the caller. Only after the caller has confirmed day, time and "
        "name."},
       {date, time, name},
       {"Einen Moment bitte, ich trage den Termin ein.",
        "One moment please, I am booking the appointment."}},
      {kRescheduleAppointmentTool,
       {"Verschiebt einen bestehenden Termin des Anrufers auf einen neuen Tag und eine neue "
        "Uhrzeit.",
        "Moves the caller's existing appointment to a new day and time."},
       {name,
        known_date,
        known_time,
        {"new_date",
         {"Der neue Tag im Format JJJJ-MM-TT oder so, wie der Anrufer ihn nennt.",
          "The new day as YYYY-MM-DD, or as the caller said it."}},
        {"new_time",
         {"Die neue Uhrzeit im Format HH:MM (24 Stunden) oder so, wie der Anrufer sie nennt.",
          "The new time as HH:MM (24 hours), or as the caller said it."}}},
       {"Einen Moment, ich verschiebe den Termin.", "One moment, I am moving the appointment."}},
      {kCancelAppointmentTool,
       {"Sagt einen bestehenden Termin des Anrufers ab.",
        "Cancels the caller's existing appointment."},
       {name, known_date, known_time},
       {"Einen Moment, ich sage den Termin ab.", "One moment, I am cancelling the appointment."}},
      {kFindNextFreeSlotTool,
       {"Sucht den nächsten freien Termin.", "Finds the next free appointment time."},
       {{"date",
         {"Der erste Tag, ab dem gesucht wird, falls der Anrufer einen nennt.",
          "The first day to consider, if the caller named one."},
         false},
        preference},
       {"Einen Moment, ich suche den nächsten freien Termin.",
        "One moment, I am looking for the next free time."}},
  };
  return tools;
}

void write_calendar_tool(json::Writer& w, const CalendarTool& tool, bool en) {
  w.begin_object().field("type", "function");
  w.key("function").begin_object();
  w.field("name", tool.name).field("description", tool.description.in(en));
  w.key("parameters").begin_object().field("type", "object");
  w.key("properties").begin_object();
  for (const auto& p : tool.parameters) {
    w.key(p.name).begin_object();
    w.field("type", "string").field("description", p.description.in(en)).end_object();
  }
  w.end_object();
  w.key("required").begin_array();
  for (const auto& p : tool.parameters) {
    if (p.required)
      w.value(p.name);
  }
  w.end_array().end_object();  // parameters
  w.end_object();              // function
  w.key("messages").begin_array();
  w.begin_object().field("type", "request-start").field("content", tool.request_start.in(en));
  w.end_object();
  w.begin_object().field("type", "request-response-delayed");
  w.field("content", en ? "This is taking a moment longer, please stay on the line."
                        : "Das dauert einen Moment länger, bitte bleiben Sie dran.");
  w.field("timingMilliseconds", kToolDelayedMessageMs).end_object();
  w.end_array();
  w.end_object();
}

void write_model(json::Writer& w, const Definition& d, const AssistantContext& ctx, bool active) {
  bool en = english(d);
  w.key("model").begin_object();
  w.field("provider", ctx.model_provider).field("model", ctx.model);
  w.field("temperature", active ? kTemperature : 0.0);
  std::string prompt =
      active ? system_prompt(d, {.calendar = ctx.calendar, .escalation = d.escalation.enabled})
      : en   ? "You only say the greeting and then end the call at once with the endCall tool. "
               "Do not answer questions."
           : "Sie sagen nur die Begrüßung und beenden das Gespräch dann sofort mit dem Werkzeug "
             "endCall. Beantworten Sie keine Fragen.";
  w.key("messages").begin_array();
  w.begin_object().field("role", "system").field("content", prompt).end_object();
  w.end_array();
  w.key("tools").begin_array();
  if (active && ctx.calendar) {
    for (const auto& tool : calendar_tools())
      write_calendar_tool(w, tool, en);
  }
  if (active && d.escalation.enabled) {
    // No destinations on purpose: Vapi then sends transfer-destination-request and
    // telephony-webhook chooses the number at the moment of the call (business hours in the
    // agent's zone, forwarding, fallback or after-hours number, or a message when nobody is
    // there; escalation.cpp) and records the escalation. Numbers baked in here would ignore
    // the hours and go stale between syncs.
    w.begin_object().field("type", "transferCall").end_object();
  }
  w.begin_object().field("type", "endCall").end_object();
  w.end_array();
  w.end_object();
}

void write_server(json::Writer& w, const AssistantContext& ctx) {
  if (ctx.server_url.empty())
    return;
  w.key("server").begin_object();
  w.field("url", ctx.server_url).field("timeoutSeconds", kServerTimeoutSeconds);
  if (!ctx.credential_id.empty()) {
    w.field("credentialId", ctx.credential_id);
  } else if (!ctx.server_secret.empty()) {
    w.key("headers").begin_object().field("X-Vapi-Secret", ctx.server_secret).end_object();
  }
  w.key("backoffPlan").begin_object();
  w.field("type", "exponential").field("maxRetries", kBackoffMaxRetries);
  w.field("baseDelaySeconds", kBackoffBaseDelaySeconds).end_object();
  w.end_object();
}

void write_analysis_plan(json::Writer& w, const Definition& d) {
  bool en = english(d);
  std::string instructions =
      en ? "Summarise the following phone call between the AI phone assistant of " + d.name +
               " and a caller in two to three sentences in English. State the caller's request, "
               "any appointment or callback that was arranged with the caller's name and "
               "number if given, and what the team still has to do. Write plainly, without "
               "bullet points."
         : "Fassen Sie das folgende Telefonat zwischen der KI-Telefonassistenz von " + d.name +
               " und einer anrufenden Person in zwei bis drei Sätzen auf Deutsch zusammen. "
               "Nennen Sie das Anliegen, vereinbarte Termine oder Rückrufwünsche mit Name und "
               "Rückrufnummer, falls genannt, und was das Team noch erledigen muss. Schreiben "
               "Sie sachlich und ohne Aufzählungszeichen.";
  std::string transcript = en ? "Transcript:\n{{transcript}}\n\nWhy the call ended: {{endedReason}}"
                              : "Gesprächsverlauf:\n{{transcript}}\n\nGrund für das "
                                "Gesprächsende: {{endedReason}}";
  w.key("analysisPlan").begin_object();
  w.key("summaryPlan").begin_object().field("enabled", true);
  w.key("messages").begin_array();
  w.begin_object().field("role", "system").field("content", instructions).end_object();
  w.begin_object().field("role", "user").field("content", transcript).end_object();
  w.end_array().end_object();
  w.end_object();
}

}  // namespace

std::string cut_to_chars(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80)
      continue;  // a continuation byte belongs to the character before it
    if (chars == max_chars)
      return std::string(text.substr(0, i));
    ++chars;
  }
  return std::string(text);
}

std::string assistant_body(const Definition& d, const AssistantContext& ctx) {
  const bool en = english(d);
  // Web calls reach the assistant directly, without the assistant-request that refuses calls
  // to lines that are not active, so a paused or inactive agent's assistant declines by itself:
  // it says the line is not available and hangs up within Vapi's shortest allowed call, with no
  // tools to use and no server messages, so such a call is neither stored nor charged (like
  // telephony-webhook's line-unavailable assistant).
  const bool active = ctx.status == "active";
  const std::string goodbye = en ? "Goodbye" : "Auf Wiederhören";

  std::string greeting = d.greeting;
  if (greeting.empty()) {
    greeting = en ? d.name + ", hello! How can I help you?"
                  : d.name + ", guten Tag! Wie kann ich Ihnen helfen?";
  }
  std::string farewell = d.farewell;
  if (farewell.empty())
    farewell =
        en ? "Thank you for calling. Goodbye!" : "Vielen Dank für Ihren Anruf. Auf Wiederhören!";

  json::Writer w;
  w.begin_object();
  w.field("name", cut_to_chars(d.name.empty() ? "Kametrix" : d.name, kMaxAssistantNameChars));
  w.field("firstMessage", active ? greeting : line_unavailable_text(en));
  w.field("firstMessageMode", "assistant-speaks-first");
  write_model(w, d, ctx, active);

  w.key("voice").begin_object().field("provider", "11labs");
  w.field("voiceId", d.voice_id.empty() ? std::string(kDefaultVoiceId) : d.voice_id);
  w.field("model", "eleven_turbo_v2_5").field("language", en ? "en" : "de").end_object();
  w.key("transcriber").begin_object().field("provider", "deepgram");
  w.field("model", en ? "nova-3" : "nova-2").field("language", en ? "en" : "de").end_object();

  w.field("endCallMessage", active ? farewell : goodbye + ".");
  w.key("endCallPhrases").begin_array().value(goodbye).end_array();
  w.field("maxDurationSeconds", active ? std::clamp(ctx.max_duration_seconds,
                                                    kMinMaxDurationSeconds, kMaxMaxDurationSeconds)
                                       : kMinMaxDurationSeconds);
  write_server(w, ctx);
  w.key("serverMessages").begin_array();
  if (active) {
    for (auto m : kServerMessages)
      w.value(m);
  }
  w.end_array();
  write_analysis_plan(w, d);
  w.key("metadata").begin_object();
  w.field("kametrix_agent_id", ctx.agent_id).field("kametrix_user_id", ctx.user_id);
  w.field("kametrix_status", ctx.status).end_object();
  w.end_object();
  return w.str();
}

}  // namespace kx::agent
