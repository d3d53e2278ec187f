#pragma once
// The calendar tools an agent calls while the caller waits (POST /internal/tools/execute, see
// docs/telephony.md): availability, conflicts, booking, rescheduling, cancelling, the next free
// slot. Answers are one or two sentences for the model to say, in the agent's language. Callers
// hear "belegt" about other people's appointments and nothing more, and change only their own
// bookings (matched by the calling number and the name). Google failing is an error status
// (telephony-webhook then apologises), never a made-up answer.

#include <chrono>
#include <optional>
#include <string>

#include "google_accounts.hpp"
#include "kx/events/outbox.hpp"
#include "kx/http/router.hpp"
#include "slots.hpp"

namespace kx::integrations {

struct ToolSettings {
  std::chrono::milliseconds budget{4'000};          ///< the whole tool call (Vapi waits 5 s)
  std::chrono::milliseconds google_timeout{2'000};  ///< one Google request
  std::chrono::minutes lead{15};                    ///< earliest start after now
  int search_days = 14;                             ///< how far "next free" looks
};

/// One tool call as telephony-webhook forwards it.
struct ToolCall {
  std::string tool;
  std::string idempotency_key;
  std::string call_id;
  std::string agent_id;
  std::string user_id;
  std::optional<std::string> caller_number;
  std::string timezone;
  std::string language;
  // Arguments (all optional; which ones a tool needs is the tool's business).
  std::optional<std::string> date, time, preference, name, new_date, new_time;
};

struct ToolAnswer {
  std::string result;
  std::string action;  ///< "booked", "rescheduled", "cancelled" or empty
  std::string booking_id;
};

/// Thread-safe.
class Tools {
 public:
  Tools(pg::Pool& db, GoogleAccounts& accounts, GoogleClient& google, const events::Outbox& outbox,
        ToolSettings settings);
  void add_routes(http::Router& router);

  http::Response execute(http::Request& req);
  /// Runs one call at `now` (tests pass a fixed now). Throws GoogleError when Google failed and
  /// http::Error for requests the contract refuses.
  ToolAnswer run(const ToolCall& call, time::Clock::time_point now);

  /// Deletes calendar events whose insert timed out and that no booking claims (older than a
  /// minute); returns how many attempts were settled.
  int sweep_attempts();

 private:
  struct Context;
  /// What a call starts from (see kToolStart in tools.cpp): one row, always.
  pqxx::row start(const ToolCall& call);
  ToolAnswer run(const ToolCall& call, const pqxx::row& agent, time::Clock::time_point now);
  ToolAnswer dispatch(Context& ctx, const ToolCall& call);

  pg::Pool& db_;
  GoogleAccounts& accounts_;
  GoogleClient& google_;
  const events::Outbox& outbox_;
  ToolSettings settings_;
};

/// Whether the name a caller gives matches the name on a booking: the same surname, and the
/// same first name when both name one ("Frau Muster" matches "Erika Muster", "Max Muster" does
/// not). Case, umlauts and titles (Frau, Herr, Dr.) do not matter.
bool same_person(std::string_view said, std::string_view booked);

/// Opening hours from the agent events' form ({"mon": [{"start", "end"}], …}).
OpeningHours opening_hours_from_json(std::string_view json_text);

/// The Google event id for a tool call: base32hex (a–v, 0–9) of a hash of the idempotency key,
/// so Vapi's repeat of a booking is Google's 409 and never a second event.
std::string event_id_for(std::string_view idempotency_key);

}  // namespace kx::integrations
