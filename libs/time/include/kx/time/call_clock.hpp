#pragma once
// The date and time an agent speaks from, filled into its prompt per call. Vapi replaces
// {{name}} placeholders in an assistant's prompt with the variableValues of the call (sent in
// the assistant-request answer, or by the browser for a test call), so the agent knows "today"
// in its business's time zone at the moment of the call, never the day its prompt was saved.
// The agent service writes the placeholders (system prompt), telephony-webhook and the test
// call fill them: both use these names.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kx/time/format.hpp"
#include "kx/time/zone.hpp"

namespace kx::time {

inline constexpr std::string_view kVarDate = "kx_date";          ///< "Dienstag, 3. März 2026"
inline constexpr std::string_view kVarTime = "kx_time";          ///< "14:30 Uhr"
inline constexpr std::string_view kVarDateIso = "kx_date_iso";   ///< "2026-03-03"
inline constexpr std::string_view kVarTimezone = "kx_timezone";  ///< "Europe/Berlin"

/// The four variables (name, value) for the instant `now` in `zone`.
std::vector<std::pair<std::string, std::string>> call_clock_variables(const Zone& zone,
                                                                      Language language,
                                                                      Clock::time_point now);

}  // namespace kx::time
