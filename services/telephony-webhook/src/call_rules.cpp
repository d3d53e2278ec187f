#include "call_rules.hpp"

#include <array>
#include <cmath>
#include <utility>

namespace kx::telephony {
namespace {

using Rule = std::pair<std::string_view, CallStatus>;

// Exact values first (Vapi's current set plus the legacy forwarding values of older payloads).
constexpr std::array kExact = {
    Rule{"customer-ended-call", CallStatus::completed},
    Rule{"assistant-ended-call", CallStatus::completed},
    Rule{"assistant-said-end-call-phrase", CallStatus::completed},
    Rule{"assistant-ended-call-after-message-spoken", CallStatus::completed},
    Rule{"assistant-ended-call-with-hangup-task", CallStatus::completed},
    Rule{"exceeded-max-duration", CallStatus::completed},
    Rule{"silence-timed-out", CallStatus::completed},
    Rule{"call.in-progress.twilio-completed-call", CallStatus::completed},
    Rule{"call.in-progress.sip-completed-call", CallStatus::completed},
    Rule{"vonage-completed", CallStatus::completed},
    Rule{"customer-ended-call-before-warm-transfer", CallStatus::completed},
    Rule{"call.ringing.hook-executed-say", CallStatus::completed},
    Rule{"call.ending.hook-executed-say", CallStatus::completed},
    Rule{"voicemail", CallStatus::voicemail},
    Rule{"assistant-forwarded-call", CallStatus::transferred},
    Rule{"call.ringing.hook-executed-transfer", CallStatus::transferred},
    Rule{"call.ending.hook-executed-transfer", CallStatus::transferred},
    Rule{"forwarded-call", CallStatus::transferred},
    Rule{"call-forwarded", CallStatus::transferred},
    Rule{"call.in-progress.error-transfer-failed", CallStatus::escalated},
    Rule{"customer-ended-call-during-transfer", CallStatus::escalated},
    Rule{"customer-ended-call-after-warm-transfer-attempt", CallStatus::escalated},
    Rule{"customer-busy", CallStatus::busy},
    Rule{"call.forwarding.operator-busy", CallStatus::busy},
    Rule{"forwarding-failed-busy", CallStatus::busy},
    Rule{"transfer-failed-busy", CallStatus::busy},
    Rule{"customer-did-not-answer", CallStatus::no_answer},
    Rule{"customer-did-not-give-microphone-permission", CallStatus::no_answer},
    Rule{"call.forwarding.no-answer", CallStatus::no_answer},
    Rule{"forwarding-failed-no-answer", CallStatus::no_answer},
    Rule{"transfer-failed-no-answer", CallStatus::no_answer},
    Rule{"call.ringing.sip-inbound-caller-hungup-before-call-connect", CallStatus::no_answer},
    Rule{"phone-call-provider-bypass-enabled-but-no-call-received", CallStatus::no_answer},
    Rule{"assistant-not-found", CallStatus::failed},
    Rule{"assistant-not-valid", CallStatus::failed},
    Rule{"assistant-join-timed-out", CallStatus::failed},
    Rule{"assistant-error", CallStatus::failed},
    Rule{"worker-shutdown", CallStatus::failed},
    Rule{"phone-call-provider-closed-websocket", CallStatus::failed},
    Rule{"twilio-failed-to-connect-call", CallStatus::failed},
    Rule{"twilio-reported-customer-misdialed", CallStatus::failed},
    Rule{"vonage-failed-to-connect-call", CallStatus::failed},
    Rule{"vonage-disconnected", CallStatus::failed},
    Rule{"vonage-rejected", CallStatus::failed},
    Rule{"scheduled-call-deleted", CallStatus::failed},
    Rule{"call-deleted", CallStatus::failed},
};

// Then prefixes, most specific first.
constexpr std::array kPrefix = {
    Rule{"call.in-progress.error-warm-transfer-", CallStatus::escalated},
    Rule{"forwarding-failed", CallStatus::escalated},
    Rule{"transfer-failed", CallStatus::escalated},
    Rule{"pipeline-error-", CallStatus::failed},
    Rule{"call.in-progress.error-", CallStatus::failed},
    Rule{"call.start.", CallStatus::failed},
    Rule{"call.ringing.error-", CallStatus::failed},
    Rule{"call-start-error-", CallStatus::failed},
    Rule{"assistant-request-", CallStatus::failed},
};

constexpr std::array<std::string_view, 9> kNames = {
    "ringing", "in_progress", "completed", "failed",    "no_answer",
    "busy",    "transferred", "escalated", "voicemail",
};

bool digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
  }
  return !s.empty();
}

int number(std::string_view s) {
  int v = 0;
  for (char c : s)
    v = v * 10 + (c - '0');
  return v;
}

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
  for (const auto& [value, status] : kExact) {
    if (value == reason)
      return status;
  }
  for (const auto& [prefix, status] : kPrefix) {
    if (reason.substr(0, prefix.size()) == prefix)
      return status;
  }
  return connected ? CallStatus::completed : CallStatus::failed;
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

std::optional<Clock::time_point> parse_timestamp(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  auto y = s.substr(0, 4), mo = s.substr(5, 2), d = s.substr(8, 2), h = s.substr(11, 2),
       mi = s.substr(14, 2), se = s.substr(17, 2);
  if (!digits(y) || !digits(mo) || !digits(d) || !digits(h) || !digits(mi) || !digits(se))
    return std::nullopt;
  std::chrono::year_month_day date{std::chrono::year(number(y)),
                                   std::chrono::month(static_cast<unsigned>(number(mo))),
                                   std::chrono::day(static_cast<unsigned>(number(d)))};
  // The clock's nanosecond time_point ends in 2262; nothing we read is that far away.
  if (!date.ok() || number(y) < 1970 || number(y) > 2200 || number(h) > 23 || number(mi) > 59 ||
      number(se) > 60)
    return std::nullopt;
  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
      ++pos;
    std::size_t n = pos - start;
    if (n == 0 || n > 9)
      return std::nullopt;
    nanos = number(s.substr(start, n));
    for (std::size_t i = n; i < 9; ++i)
      nanos *= 10;
  }
  std::int64_t offset_seconds = 0;
  auto zone = s.substr(pos);
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
             digits(zone.substr(1, 2)) && digits(zone.substr(4, 2))) {
    offset_seconds = number(zone.substr(1, 2)) * 3600 + number(zone.substr(4, 2)) * 60;
    if (zone[0] == '-')
      offset_seconds = -offset_seconds;
  } else if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-') && digits(zone.substr(1))) {
    offset_seconds = number(zone.substr(1, 2)) * 3600 + number(zone.substr(3, 2)) * 60;
    if (zone[0] == '-')
      offset_seconds = -offset_seconds;
  } else {
    return std::nullopt;
  }
  auto days = std::chrono::sys_days(date).time_since_epoch().count();
  std::int64_t seconds =
      days * 86'400 + number(h) * 3600 + number(mi) * 60 + number(se) - offset_seconds;
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
      std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanos)));
}

}  // namespace kx::telephony
