#pragma once
// The agent's system prompt: built from the owner's definition in fixed sections (date and
// time, forwarding, identity, context, business facts, contact, FAQs, policies, calendar, duties,
// limits, speaking style, special instructions), German in the Sie-form or English for English
// agents, plain text without Markdown because every answer is spoken. Pure function, no I/O.
//
// The date and time the agent works with are those of the call, not of the last save: the
// prompt names them only through Vapi template variables, which the assistant-request answer
// (and a test call's assistantOverrides) fills per call in `variableValues`:
//   {"kx_date": "Dienstag, 3. März 2026", "kx_time": "14:30 Uhr",
//    "kx_date_iso": "2026-03-03", "kx_timezone": "Europe/Berlin"}
// (English agents: "Tuesday, 3 March 2026", "2:30 pm"), all in the agent's time zone.

#include <string>
#include <string_view>

#include "definition.hpp"

namespace kx::agent {

/// Names of the per-call variables (without braces), the keys of `variableValues`.
inline constexpr std::string_view kDateVariable = "kx_date";          ///< weekday, day, month, year
inline constexpr std::string_view kTimeVariable = "kx_time";          ///< "14:30 Uhr" / "2:30 pm"
inline constexpr std::string_view kDateIsoVariable = "kx_date_iso";   ///< "2026-03-03"
inline constexpr std::string_view kTimezoneVariable = "kx_timezone";  ///< IANA name

struct PromptOptions {
  bool calendar = false;    ///< Google is connected: the calendar tools are on the assistant
  bool escalation = false;  ///< the transfer tool is on the assistant
};

/// The system prompt for `d`, in d.language.
std::string system_prompt(const Definition& d, const PromptOptions& options);

}  // namespace kx::agent
