#pragma once
// Where a caller who asks for a human goes: the agent's escalation settings, read in the agent's
// time zone. Plain functions, no I/O.

#include <string>
#include <string_view>

#include "kx/time/business_hours.hpp"
#include "kx/time/zone.hpp"

namespace kx::telephony {

// The agent events and the routing copy carry business hours in kx::time's text forms.
using time::days_from_string;
using time::days_to_string;
using time::parse_clock;
using time::parse_weekday;

/// The agent's escalation settings as agent.created/agent.updated carry them.
struct EscalationSettings {
  bool enabled = false;
  std::string forwarding_number;  ///< E.164 or empty
  std::string fallback_number;
  std::string after_hours_number;
  time::BusinessHours hours;  ///< when the forwarding number is staffed, in the agent's zone
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

/// Business hours and days (in the agent's zone) → forwarding number, else fallback; outside
/// them → after-hours number; no number, or escalation disabled → take a message.
EscalationDecision decide_escalation(const EscalationSettings& settings,
                                     const time::LocalTime& now);

}  // namespace kx::telephony
