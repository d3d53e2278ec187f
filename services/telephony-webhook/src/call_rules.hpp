#pragma once
// The rules of a call record: which status Vapi's endedReason means, how a status-update moves a
// call on, how long a call lasted. Plain functions, no I/O.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kx/time/timestamp.hpp"

namespace kx::telephony {

using Clock = std::chrono::system_clock;

/// A call's status. The first two are live states; the others are final.
enum class CallStatus {
  ringing,
  in_progress,
  completed,
  failed,
  no_answer,
  busy,
  transferred,
  escalated,
  voicemail,
};

std::string_view to_string(CallStatus status);
std::optional<CallStatus> call_status_from_string(std::string_view text);
bool is_final(CallStatus status);
/// Order of progress: ringing < in_progress < every final status. A call never moves back.
int progress_rank(CallStatus status);

/// Vapi's endedReason (a string enum of ~600 values that keeps growing) classified by exact
/// value and by prefix. `connected` says whether the call ever started; an unknown reason is
/// "completed" for a call that connected and "failed" for one that did not.
CallStatus status_from_ended_reason(std::string_view ended_reason, bool connected);

/// True when the reason says the caller never reached the assistant (busy, no answer, failed to
/// start, the assistant request failed, ...): such a call has no talk time and is never charged,
/// whatever duration the report carries.
bool never_connected(std::string_view ended_reason);

/// For a call the assistant answered and then could not hand over: how the forwarding failed
/// ("busy", "no_answer" or "failed"); nullopt for every other reason.
std::optional<std::string_view> forwarding_failure(std::string_view ended_reason);

/// The status stored when the end-of-call report arrives: as status_from_ended_reason, except
/// that a call which would count as completed but was escalated (a message was taken, or the
/// transfer was attempted) is "escalated".
CallStatus final_status(std::string_view ended_reason, bool connected, bool escalated);

/// The live status a status-update's `status` means: scheduled/queued/ringing → ringing,
/// in-progress/forwarding → in_progress; nullopt for "ended" (decided by the ended reason) and for
/// values that say nothing about the call's progress.
std::optional<CallStatus> live_status_from_update(std::string_view vapi_status);

/// What we know about a call's length.
struct DurationInputs {
  std::optional<double> reported_seconds;  ///< a duration field Vapi sent, already in seconds
  std::optional<Clock::time_point> started;
  std::optional<Clock::time_point> ended;
};

/// Whole seconds, rounded to the nearest second: the reported duration when Vapi sent a
/// plausible one (0 .. 24 h), else ended - started, else 0. Never negative.
std::int64_t call_duration_seconds(const DurationInputs& in);

/// RFC 3339 times from Vapi and from our own rows and cursors (libs/time).
using time::parse_timestamp;

/// Upper bound of a plausible call (Vapi's own maximum is 12 h).
inline constexpr std::int64_t kMaxCallSeconds = 24 * 3600;

}  // namespace kx::telephony
