#include "call_rules.hpp"

#include <array>
#include <cmath>
#include <utility>

namespace kx::telephony {
namespace {

// What an endedReason says: the call's status, whether the caller ever reached the assistant,
// and for a forwarding that failed after the assistant answered, how it failed.
enum class Reached { never, assistant, unknown };
struct Rule {
  std::string_view reason;
  CallStatus status;
  Reached reached;
  std::string_view forwarding = {};  ///< busy, no_answer, failed: a transfer that did not happen
};

using enum CallStatus;
constexpr auto kNever = Reached::never;
constexpr auto kAssistant = Reached::assistant;
constexpr auto kUnknown = Reached::unknown;

// Exact values first (Vapi's current set plus the legacy forwarding values of older payloads).
constexpr std::array kExact = {
    Rule{"customer-ended-call", completed, kUnknown},
    Rule{"assistant-ended-call", completed, kAssistant},
    Rule{"assistant-said-end-call-phrase", completed, kAssistant},
    Rule{"assistant-ended-call-after-message-spoken", completed, kAssistant},
    Rule{"assistant-ended-call-with-hangup-task", completed, kAssistant},
    Rule{"exceeded-max-duration", completed, kAssistant},
    Rule{"silence-timed-out", completed, kAssistant},
    Rule{"call.in-progress.twilio-completed-call", completed, kAssistant},
    Rule{"call.in-progress.sip-completed-call", completed, kAssistant},
    Rule{"vonage-completed", completed, kAssistant},
    Rule{"customer-ended-call-before-warm-transfer", completed, kAssistant},
    Rule{"call.ringing.hook-executed-say", completed, kUnknown},
    Rule{"call.ending.hook-executed-say", completed, kAssistant},
    Rule{"voicemail", voicemail, kAssistant},
    Rule{"assistant-forwarded-call", transferred, kAssistant},
    Rule{"call.ringing.hook-executed-transfer", transferred, kUnknown},
    Rule{"call.ending.hook-executed-transfer", transferred, kAssistant},
    Rule{"forwarded-call", transferred, kAssistant},
    Rule{"call-forwarded", transferred, kAssistant},
    Rule{"call.in-progress.error-transfer-failed", escalated, kAssistant, "failed"},
    Rule{"customer-ended-call-during-transfer", escalated, kAssistant},
    Rule{"customer-ended-call-after-warm-transfer-attempt", escalated, kAssistant},
    // The assistant answered and then could not hand the caller over.
    Rule{"call.forwarding.operator-busy", escalated, kAssistant, "busy"},
    Rule{"forwarding-failed-busy", escalated, kAssistant, "busy"},
    Rule{"transfer-failed-busy", escalated, kAssistant, "busy"},
    Rule{"call.forwarding.no-answer", escalated, kAssistant, "no_answer"},
    Rule{"forwarding-failed-no-answer", escalated, kAssistant, "no_answer"},
    Rule{"transfer-failed-no-answer", escalated, kAssistant, "no_answer"},
    // The caller never reached the assistant.
    Rule{"customer-busy", busy, kNever},
    Rule{"customer-did-not-answer", no_answer, kNever},
    Rule{"customer-did-not-give-microphone-permission", no_answer, kNever},
    Rule{"call.ringing.sip-inbound-caller-hungup-before-call-connect", no_answer, kNever},
    Rule{"phone-call-provider-bypass-enabled-but-no-call-received", no_answer, kNever},
    Rule{"manually-canceled", no_answer, kNever},
    Rule{"assistant-not-found", failed, kNever},
    Rule{"assistant-not-valid", failed, kNever},
    Rule{"assistant-join-timed-out", failed, kNever},
    Rule{"assistant-error", failed, kUnknown},
    Rule{"worker-shutdown", failed, kUnknown},
    Rule{"phone-call-provider-closed-websocket", failed, kUnknown},
    Rule{"twilio-failed-to-connect-call", failed, kNever},
    Rule{"twilio-reported-customer-misdialed", failed, kNever},
    Rule{"vonage-failed-to-connect-call", failed, kNever},
    Rule{"vonage-disconnected", failed, kUnknown},
    Rule{"vonage-rejected", failed, kNever},
    Rule{"scheduled-call-deleted", failed, kNever},
    Rule{"call-deleted", failed, kNever},
    Rule{"call.in-progress.error-sip-inbound-call-failed-to-connect", failed, kNever},
    Rule{"call.in-progress.error-sip-outbound-call-failed-to-connect", failed, kNever},
    Rule{"call.in-progress.error-assistant-did-not-receive-customer-audio", failed, kNever},
};

// Then prefixes, most specific first.
constexpr std::array kPrefix = {
    Rule{"call.in-progress.error-warm-transfer-", escalated, kAssistant, "failed"},
    Rule{"forwarding-failed", escalated, kAssistant, "failed"},
    Rule{"transfer-failed", escalated, kAssistant, "failed"},
    Rule{"pipeline-error-", failed, kUnknown},
    Rule{"call.in-progress.error-", failed, kUnknown},
    Rule{"call.start.", failed, kNever},
    Rule{"call.ringing.error-", failed, kNever},
    Rule{"call-start-error-", failed, kNever},
    Rule{"assistant-request-", failed, kNever},
};

const Rule* rule_of(std::string_view reason) {
  for (const auto& r : kExact) {
    if (r.reason == reason)
      return &r;
  }
  for (const auto& r : kPrefix) {
    if (reason.substr(0, r.reason.size()) == r.reason)
      return &r;
  }
  return nullptr;
}

constexpr std::array<std::string_view, 9> kNames = {
    "ringing", "in_progress", "completed", "failed",    "no_answer",
    "busy",    "transferred", "escalated", "voicemail",
};

}  // namespace

std::string_view to_string(CallStatus status) {
  return kNames[static_cast<std::size_t>(status)];
}

std::optional<CallStatus> call_status_from_string(std::string_view text) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == text)
      return static_cast<CallStatus>(i);
  }
  return std::nullopt;
}

bool is_final(CallStatus status) {
  return status != CallStatus::ringing && status != CallStatus::in_progress;
}

int progress_rank(CallStatus status) {
  if (status == CallStatus::ringing)
    return 1;
  if (status == CallStatus::in_progress)
    return 2;
  return 3;
}

CallStatus status_from_ended_reason(std::string_view reason, bool connected) {
  if (const Rule* r = rule_of(reason))
    return r->status;
  return connected ? CallStatus::completed : CallStatus::failed;
}

bool never_connected(std::string_view reason) {
  const Rule* r = rule_of(reason);
  return r && r->reached == Reached::never;
}

std::optional<std::string_view> forwarding_failure(std::string_view reason) {
  const Rule* r = rule_of(reason);
  if (!r || r->forwarding.empty())
    return std::nullopt;
  return r->forwarding;
}

CallStatus final_status(std::string_view reason, bool connected, bool escalated) {
  auto status = status_from_ended_reason(reason, connected);
  if (escalated && status == CallStatus::completed)
    return CallStatus::escalated;
  return status;
}

std::optional<CallStatus> live_status_from_update(std::string_view s) {
  if (s == "scheduled" || s == "queued" || s == "ringing")
    return CallStatus::ringing;
  if (s == "in-progress" || s == "forwarding")
    return CallStatus::in_progress;
  return std::nullopt;
}

std::int64_t call_duration_seconds(const DurationInputs& in) {
  if (in.reported_seconds && std::isfinite(*in.reported_seconds) && *in.reported_seconds >= 0 &&
      *in.reported_seconds <= static_cast<double>(kMaxCallSeconds)) {
    return static_cast<std::int64_t>(std::llround(*in.reported_seconds));
  }
  if (in.started && in.ended && *in.ended >= *in.started) {
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(*in.ended - *in.started).count();
    return std::min<std::int64_t>((ms + 500) / 1000, kMaxCallSeconds);
  }
  return 0;
}

}  // namespace kx::telephony
