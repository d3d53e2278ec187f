#pragma once
// Where a caller who asks for a human goes: the agent's escalation settings, read in the agent's
// time zone. Plain functions, no I/O.

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "time_zone.hpp"

namespace kx::telephony {

/// When the forwarding number is staffed, in the agent's local time. A window whose end is not
/// after its start runs past midnight (22:00-06:00 belongs to the day it starts); start == end
/// means the whole day.
struct BusinessHours {
  std::array<bool, 7> days{};  ///< Monday first
  int start_minutes = 9 * 60;
  int end_minutes = 17 * 60;
};

/// The agent's escalation settings as agent.created/agent.updated carry them.
struct EscalationSettings {
  bool enabled = false;
  std::string forwarding_number;  ///< E.164 or empty
  std::string fallback_number;
  std::string after_hours_number;
  BusinessHours hours;
  bool voicemail = true;
  int max_clarifications = 3;
};

enum class EscalationKind {
  forwarding,   ///< within business hours, to the forwarding number
  fallback,     ///< within business hours without a forwarding number, to the fallback number
  after_hours,  ///< outside business hours, to the after-hours number
  message,      ///< nobody to transfer to: the agent offers to take a message
};

struct EscalationDecision {
  EscalationKind kind = EscalationKind::message;
  std::string number;  ///< E.164 for the transfer kinds, empty for message
  bool within_business_hours = false;
  /// The call.escalated destination: the number, or "voicemail" when a message is taken.
  std::string destination() const { return number.empty() ? "voicemail" : number; }
};

std::string_view to_string(EscalationKind kind);

/// "HH:MM" (00:00-23:59) as minutes since midnight.
std::optional<int> parse_clock(std::string_view hh_mm);
/// "mon".."sun" as 0..6.
std::optional<int> parse_weekday(std::string_view day);
/// The weekdays as the event lists them ("mon,tue,...") for storage, and back.
std::string days_to_string(const std::array<bool, 7>& days);
std::array<bool, 7> days_from_string(std::string_view csv);

bool within_business_hours(const BusinessHours& hours, const LocalTime& now);

/// Business hours and days (in the agent's zone) → forwarding number, else fallback; outside
/// them → after-hours number; no number, or escalation disabled → take a message.
EscalationDecision decide_escalation(const EscalationSettings& settings, const LocalTime& now);

}  // namespace kx::telephony
