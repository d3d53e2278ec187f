#include "escalation.hpp"

namespace kx::telephony {

std::string_view to_string(EscalationKind kind) {
  switch (kind) {
    case EscalationKind::forwarding:
      return "forwarding";
    case EscalationKind::fallback:
      return "fallback";
    case EscalationKind::after_hours:
      return "after_hours";
    case EscalationKind::message:
      return "message";
  }
  return "message";
}

EscalationDecision decide_escalation(const EscalationSettings& s, const time::LocalTime& now) {
  EscalationDecision d;
  d.within_business_hours = time::within_business_hours(s.hours, now);
  if (!s.enabled)
    return d;
  if (d.within_business_hours) {
    if (!s.forwarding_number.empty()) {
      d.kind = EscalationKind::forwarding;
      d.number = s.forwarding_number;
    } else if (!s.fallback_number.empty()) {
      d.kind = EscalationKind::fallback;
      d.number = s.fallback_number;
    }
  } else if (!s.after_hours_number.empty()) {
    d.kind = EscalationKind::after_hours;
    d.number = s.after_hours_number;
  }
  return d;
}

}  // namespace kx::telephony
