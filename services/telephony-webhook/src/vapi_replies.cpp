#include "vapi_replies.hpp"

#include "kx/json/json.hpp"
#include "kx/time/call_clock.hpp"

namespace kx::telephony {
namespace {

// The transient "line not available" assistant: no tools but hanging up, a hard time limit, and
// no server messages, so such a call leaves no record and is never charged.
constexpr int kUnavailableMaxSeconds = 30;

}  // namespace

bool speaks_english(std::string_view language) {
  return language.substr(0, 2) == "en";
}

std::string line_unavailable_text(std::string_view language) {
  if (speaks_english(language))
    return "Hello, this number is not available at the moment. Please try again later. Goodbye.";
  return "Guten Tag, diese Rufnummer ist im Moment leider nicht erreichbar. Bitte versuchen Sie "
         "es später noch einmal. Auf Wiederhören.";
}

std::string tool_unavailable_text(std::string_view language) {
  if (speaks_english(language))
    return "I am sorry, I cannot look that up right now because the calendar is not responding. "
           "I am happy to take down your request so that the team can get back to you.";
  return "Es tut mir leid, das kann ich gerade nicht nachsehen, weil der Kalender im Moment nicht "
         "antwortet. Ich nehme Ihr Anliegen gern auf, dann meldet sich das Team bei Ihnen.";
}

std::string tool_not_offered_text(std::string_view language) {
  if (speaks_english(language))
    return "I am sorry, I cannot do that on this line. I am happy to take down your request so "
           "that the team can get back to you.";
  return "Das kann ich über diese Leitung leider nicht erledigen. Ich nehme Ihr Anliegen aber "
         "gern auf, dann meldet sich das Team bei Ihnen.";
}

std::string tool_arguments_unreadable_text(std::string_view language) {
  if (speaks_english(language))
    return "The details for this request could not be read. Please ask the caller for them "
           "again and try once more.";
  return "Die Angaben zu dieser Anfrage waren nicht lesbar. Bitte fragen Sie den Anrufer noch "
         "einmal danach und versuchen Sie es erneut.";
}

std::string transfer_announcement(std::string_view language, EscalationKind kind) {
  bool on_call = kind == EscalationKind::after_hours;
  if (speaks_english(language))
    return on_call ? "One moment please, I am connecting you to our on-call service."
                   : "One moment please, I am connecting you to a member of our team.";
  return on_call ? "Einen Moment bitte, ich verbinde Sie mit unserer Rufbereitschaft."
                 : "Einen Moment bitte, ich verbinde Sie mit einer Mitarbeiterin oder einem "
                   "Mitarbeiter.";
}

std::string take_message_text(std::string_view language, bool within_business_hours) {
  if (speaks_english(language)) {
    return std::string(within_business_hours ? "Nobody can take the call right now."
                                             : "Nobody can take the call outside business hours.") +
           " Apologise and offer to take a message with the caller's name, callback number "
           "and request.";
  }
  return std::string(within_business_hours
                         ? "Im Moment kann leider niemand das Gespräch übernehmen."
                         : "Außerhalb der Geschäftszeiten kann leider niemand das Gespräch "
                           "übernehmen.") +
         " Entschuldigen Sie sich und bieten Sie an, eine Nachricht mit Name, Rückrufnummer und "
         "Anliegen aufzunehmen.";
}

std::string transfer_started_text(std::string_view language) {
  if (speaks_english(language))
    return "The caller is being connected now. Do not say anything else.";
  return "Der Anrufer wird jetzt verbunden. Sagen Sie nichts weiter.";
}

std::string assistant_id_reply(const std::string& assistant_id, std::string_view language,
                               std::string_view timezone,
                               std::chrono::system_clock::time_point now) {
  auto zone = time::Zone::find(timezone).value_or(time::Zone::utc());
  auto lang = speaks_english(language) ? time::Language::en : time::Language::de;
  json::Writer w;
  w.begin_object().field("assistantId", assistant_id);
  // The prompt's date and time placeholders, filled with this call's moment in the agent's
  // zone (kx/time/call_clock.hpp).
  w.key("assistantOverrides").begin_object().key("variableValues").begin_object();
  for (const auto& [name, value] : time::call_clock_variables(zone, lang, now))
    w.field(name, value);
  w.end_object().end_object().end_object();
  return w.str();
}

std::string line_unavailable_reply(std::string_view language) {
  bool en = speaks_english(language);
  std::string text = line_unavailable_text(language);
  std::string goodbye = en ? "Goodbye" : "Auf Wiederhören";
  json::Writer w;
  w.begin_object().key("assistant").begin_object();
  w.field("name", en ? "Line not available" : "Nicht erreichbar");
  w.field("firstMessage", text);
  w.field("firstMessageMode", "assistant-speaks-first");
  w.key("model").begin_object();
  w.field("provider", "openai").field("model", "gpt-4o-mini").field("temperature", 0.0);
  w.key("messages").begin_array().begin_object().field("role", "system");
  w.field("content", en ? "You only say the greeting and then end the call at once with the "
                          "endCall tool. Do not answer questions."
                        : "Du sagst nur die Begrüßung und beendest das Gespräch dann sofort mit "
                          "dem Werkzeug endCall. Beantworte keine Fragen.");
  w.end_object().end_array();
  w.key("tools").begin_array().begin_object().field("type", "endCall").end_object().end_array();
  w.end_object();
  w.key("voice").begin_object().field("provider", "azure");
  w.field("voiceId", en ? "en-US-JennyNeural" : "de-DE-KatjaNeural").end_object();
  w.key("transcriber").begin_object().field("provider", "deepgram").field("model", "nova-2");
  w.field("language", en ? "en" : "de").end_object();
  w.key("endCallPhrases").begin_array().value(goodbye).end_array();
  w.field("endCallMessage", goodbye + ".");
  w.field("maxDurationSeconds", kUnavailableMaxSeconds);
  w.key("serverMessages").begin_array().end_array();
  w.end_object().end_object();
  return w.str();
}

std::string tool_results_reply(const std::vector<ToolResult>& results) {
  json::Writer w;
  w.begin_object().key("results").begin_array();
  for (const auto& r : results) {
    w.begin_object()
        .field("toolCallId", r.tool_call_id)
        .field("name", r.name)
        .field("result", r.result)
        .end_object();
  }
  w.end_array().end_object();
  return w.str();
}

std::string transfer_destination_reply(const EscalationDecision& d, std::string_view language) {
  json::Writer w;
  w.begin_object();
  if (d.number.empty()) {
    w.field("error", take_message_text(language, d.within_business_hours));
  } else {
    auto announcement = transfer_announcement(language, d.kind);
    w.key("destination").begin_object();
    w.field("type", "number").field("number", d.number).field("message", announcement);
    w.end_object();
  }
  w.end_object();
  return w.str();
}

}  // namespace kx::telephony
