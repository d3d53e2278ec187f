#pragma once
// An agent's definition: everything the owner decides in the wizard or the edit page, as one
// value. POST /api/agents, publishing a draft and PATCH /api/agents/{id} all go through
// read_definition()/apply_patch(), so every path validates the same way and stores the same
// normalised shape (phone numbers in E.164, trimmed texts, sorted weekdays).
//
// JSON shape (docs/api.md, "Agents"):
//   {"name", "business_type", "language": "de"|"en", "timezone": "Europe/Berlin",
//    "business": {"description", "opening_hours": {"mon": [{"start": "09:00", "end": "12:00"},
//                  …], …}, "services": ["…"], "address", "phone", "email", "website"},
//    "faqs": [{"question", "answer"}], "policies", "special_instructions",
//    "voice_id", "assistant_name", "greeting", "farewell",
//    "escalation": {"enabled", "forwarding_number", "fallback_number", "after_hours_number",
//                   "business_hours": {"days": ["mon", …], "start", "end"},
//                   "voicemail", "max_clarifications"}}

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kx/json/json.hpp"

namespace kx::agent {

enum class BusinessType { gastronomy, salon, medical, trades, retail, services, general };

/// "gastronomy", "salon", … as the API spells them; nullopt for anything else.
std::optional<BusinessType> parse_business_type(std::string_view text);
std::string_view to_string(BusinessType type);

/// A local time range "HH:MM"–"HH:MM" (start before end, same day).
struct TimeRange {
  std::string start;
  std::string end;
};

/// Opening hours per weekday, Monday first; an empty day is closed. At most 3 ranges a day,
/// sorted and not overlapping (split hours: 09:00–12:00 and 14:00–18:00).
using OpeningHours = std::array<std::vector<TimeRange>, 7>;

/// {"mon": [{"start", "end"}, …], …, "sun": […]}: the form of the definition and the events.
void write_opening_hours(json::Writer& w, const OpeningHours& hours);

struct Faq {
  std::string question;
  std::string answer;
};

struct Business {
  std::string description;
  OpeningHours opening_hours;
  std::vector<std::string> services;
  std::string address;               ///< optional contact facts the prompt may give callers
  std::optional<std::string> phone;  ///< E.164
  std::string email;
  std::string website;
};

struct BusinessHours {
  std::vector<std::string> days = {"mon", "tue", "wed", "thu", "fri"};  ///< "mon".."sun", sorted
  std::string start = "09:00";
  std::string end = "17:00";
};

struct Escalation {
  bool enabled = false;
  std::optional<std::string> forwarding_number;   ///< E.164
  std::optional<std::string> fallback_number;     ///< E.164
  std::optional<std::string> after_hours_number;  ///< E.164
  BusinessHours business_hours;
  bool voicemail = true;
  int max_clarifications = 3;  ///< 1..10
};

struct Definition {
  std::string name;  ///< the business's name, shown on the agent card; 1..100 characters
  BusinessType business_type = BusinessType::general;
  std::string language = "de";             ///< "de" or "en"
  std::string timezone = "Europe/Berlin";  ///< IANA name known to kx::time
  Business business;
  std::vector<Faq> faqs;  ///< at most kMaxFaqs
  std::string policies;
  std::string special_instructions;
  std::string voice_id;  ///< a voice ID; empty = kDefaultVoiceId (assistant_spec.hpp)
  std::string assistant_name;
  std::string greeting;  ///< the first sentence the caller hears
  std::string farewell;  ///< spoken when the agent ends the call
  Escalation escalation;
};

/// Limits, shared with the dashboard's form hints (docs/api.md lists them).
inline constexpr std::size_t kMaxFaqs = 30;
inline constexpr std::size_t kMaxServices = 50;

/// Reads a whole definition (POST /api/agents, publish). Required: name, greeting (and a
/// forwarding number when escalation is enabled); everything else has a default, and a missing
/// business_type is detected from name, description and services (detect_business_type in
/// templates.hpp). voice_id is checked as an ID only ([A-Za-z0-9_-], at most 64 characters);
/// whether the catalogue knows it is the caller's check. Every problem
/// is collected with its field path ("escalation.forwarding_number", "faqs[2].answer") and a
/// German message (English when the request's language is "en" is not needed: the API speaks
/// German); throws http::Error::validation (422) with all of them. Unknown fields are refused.
Definition read_definition(const json::Value& doc);

/// Applies a partial update (PATCH /api/agents/{id}): every top-level field present replaces the
/// current one (objects such as "escalation" and "business" are merged one level deep), then
/// the result is validated as read_definition() does. Throws like read_definition().
Definition apply_patch(const Definition& current, const json::Value& patch);

/// Checks a wizard draft's state: the definition's shape with every field optional (a draft may
/// be half-filled), types, lengths and list sizes enforced, unknown fields refused, phone
/// numbers that are given must parse (the wizard shows the message at once). Returns the state
/// normalised as JSON text with exactly the fields the draft had (an empty number as null).
/// Throws http::Error::validation (422).
std::string check_draft_state(const json::Value& state);

/// The definition as the API shows it and the database stores it (the shape above).
void write_definition(json::Writer& w, const Definition& d);
std::string definition_json(const Definition& d);
/// Reads what definition_json() wrote (from the database; trusted, no validation errors).
Definition definition_from_json(std::string_view text);

}  // namespace kx::agent
