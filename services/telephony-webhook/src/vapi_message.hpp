#pragma once
// Vapi server messages ({"message": {"type": ..., "call": {...}, ...}}) read defensively into
// plain values: every field is optional on the wire, types vary between Vapi versions (tool
// arguments as object or string, durations in several places), and the sender may be broken.
// The parser never throws for content; it returns what it could read, capped in size.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "call_rules.hpp"

namespace kx::telephony {

/// The call a message is about (message.call, with message-level fallbacks).
struct VapiCall {
  std::string id;    ///< Vapi's call id; empty when absent
  std::string type;  ///< inboundPhoneCall, outboundPhoneCall, webCall, ...
  std::string status;
  std::string assistant_id;
  std::string phone_number_id;  ///< call.phoneNumberId or message.phoneNumber.id
  std::string phone_number;     ///< the dialled number (E.164) when known
  std::string customer_number;  ///< the caller's number; empty for web calls or withheld ids
  std::string control_url;      ///< call.monitor.controlUrl (live call control), if any
  std::optional<Clock::time_point> created_at, started_at, ended_at;
  std::string ended_reason;
  bool is_web_call() const { return type == "webCall"; }
};

/// One turn of the transcript as we store it.
struct TranscriptEntry {
  std::string role;  ///< "assistant", "user", "tool_call" or "tool_result"
  std::string text;  ///< what was said; for tool calls the arguments, for results the result
  std::string tool_name;
  std::optional<std::int64_t> time_ms;  ///< epoch milliseconds
  std::optional<double> seconds_from_start;
};

/// One function call the model wants executed.
struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments_json = "{}";  ///< always a JSON object text
  bool arguments_valid = true;        ///< false when the arguments were not a JSON object
};

struct VapiMessage {
  std::string type;
  std::optional<Clock::time_point> timestamp;
  VapiCall call;
  std::string status;        ///< status-update
  std::string ended_reason;  ///< message.endedReason, else call.endedReason
  std::optional<Clock::time_point> started_at, ended_at;  ///< message level, else call level
  std::optional<double> reported_duration_seconds;
  std::optional<std::int64_t> cost_usd_micros;
  std::vector<TranscriptEntry> transcript;
  std::optional<std::string> summary;
  std::optional<std::string> structured_data_json;  ///< analysis.structuredData as JSON text
  std::optional<std::string> success_evaluation;
  std::string recording_url;
  std::string stereo_recording_url;
  std::vector<ToolCall> tool_calls;
};

struct ParsedMessage {
  std::optional<VapiMessage> message;  ///< set when the body is a server message
  std::string error;                   ///< why not, safe to log and show
  bool not_json = false;               ///< the body is not (strict) JSON at all
};

/// Size caps: bigger values are cut (text) or dropped (structured data).
inline constexpr std::size_t kMaxIdLength = 128;
inline constexpr std::size_t kMaxTextLength = 20'000;
inline constexpr std::size_t kMaxTranscriptEntries = 2'000;
inline constexpr std::size_t kMaxToolCalls = 32;
inline constexpr std::size_t kMaxJsonLength = 64 * 1024;
inline constexpr std::size_t kMaxUrlLength = 2'048;

/// Never throws for any input (bad_alloc aside).
ParsedMessage parse_vapi_message(std::string_view body);

/// Cuts a UTF-8 string to at most `max` bytes without splitting a character.
std::string truncate_utf8(std::string_view text, std::size_t max);

/// Rebuilds transcript entries from the plain "AI: ...\nUser: ..." text older payloads carry.
std::vector<TranscriptEntry> transcript_from_text(std::string_view text);

}  // namespace kx::telephony
