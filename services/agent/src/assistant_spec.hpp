#pragma once
// The Vapi assistant for an agent: the body of POST /assistant and of PATCH /assistant/{id}
// (Vapi's CreateAssistantDTO; it refuses unknown and read-only fields, and a PATCH replaces each
// top-level field it carries, so the body always carries every field we manage). Pure
// function, no I/O; the sync worker sends it.

#include <array>
#include <string>
#include <string_view>

#include "definition.hpp"

namespace kx::agent {

/// An ElevenLabs multilingual voice that speaks German well ("Sarah"), used when the owner
/// chose none. The voice catalogue (voices.hpp) lists it.
inline constexpr std::string_view kDefaultVoiceId = "EXAVITQu4vr4xnSDxMaL";

/// The calendar tools integrations serves on POST /internal/tools/execute (issue 11's contract),
/// forwarded to it by telephony-webhook when Vapi sends tool-calls.
inline constexpr std::string_view kCheckAvailabilityTool = "check_availability";
inline constexpr std::string_view kCheckConflictsTool = "check_conflicts";
inline constexpr std::string_view kBookAppointmentTool = "book_appointment";
inline constexpr std::string_view kRescheduleAppointmentTool = "reschedule_appointment";
inline constexpr std::string_view kCancelAppointmentTool = "cancel_appointment";
inline constexpr std::string_view kFindNextFreeSlotTool = "find_next_free_slot";
inline constexpr std::array<std::string_view, 6> kCalendarTools = {
    kCheckAvailabilityTool,     kCheckConflictsTool,    kBookAppointmentTool,
    kRescheduleAppointmentTool, kCancelAppointmentTool, kFindNextFreeSlotTool};

/// Vapi's limits that the body respects.
inline constexpr std::size_t kMaxAssistantNameChars = 40;
inline constexpr int kMinMaxDurationSeconds = 10;

/// What the assistant needs besides the owner's definition.
struct AssistantContext {
  std::string agent_id;
  std::string user_id;
  /// The effective status: "active", or "inactive" / "paused" (deactivated, owner suspended,
  /// credits exhausted). Anything but "active" builds an assistant that declines every call.
  std::string status = "active";
  bool calendar = false;      ///< the owner's Google calendar is connected
  std::string server_url;     ///< where Vapi posts server messages (the gateway's /webhooks/vapi)
  std::string server_secret;  ///< sent as X-Vapi-Secret when credential_id is empty
  std::string credential_id;  ///< a Vapi credential for the server URL; preferred
  std::string model_provider = "openai";
  std::string model = "gpt-4o-mini";
  int max_duration_seconds = 600;
};

/// The assistant JSON for `d` in `ctx`. The same body creates and updates the assistant.
std::string assistant_body(const Definition& d, const AssistantContext& ctx);

/// `text` cut to at most `max_chars` characters (code points), never inside a UTF-8 sequence.
std::string cut_to_chars(std::string_view text, std::size_t max_chars);

}  // namespace kx::agent
