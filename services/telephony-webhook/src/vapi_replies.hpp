#pragma once
// What we answer Vapi, and the sentences callers hear (German in the Sie-form; English for
// English agents). Tool results and transfer errors are read by the model, which speaks to the
// caller, so they are single-line sentences it can say or act on.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "escalation.hpp"

namespace kx::telephony {

/// True when the agent speaks English ("en", "en-US", ...); everything else is German.
bool speaks_english(std::string_view language);

std::string line_unavailable_text(std::string_view language);
std::string tool_unavailable_text(std::string_view language);
std::string tool_not_offered_text(std::string_view language);
std::string tool_arguments_unreadable_text(std::string_view language);
std::string transfer_announcement(std::string_view language, EscalationKind kind);
/// For the model when nobody can take the call: offer to take a message.
std::string take_message_text(std::string_view language, bool within_business_hours);
/// Tool result of transfer_to_human once the transfer has been handed to Vapi.
std::string transfer_started_text(std::string_view language);

/// assistant-request answer for an agent that may take calls.
/// With the call's local date and time as prompt variables (kx/time/call_clock.hpp).
std::string assistant_id_reply(const std::string& assistant_id, std::string_view language,
                               std::string_view timezone,
                               std::chrono::system_clock::time_point now);
/// assistant-request answer when the line is not available: a short transient assistant that
/// says so politely and hangs up, without sending server messages for the call.
std::string line_unavailable_reply(std::string_view language);

struct ToolResult {
  std::string tool_call_id;
  std::string name;
  std::string result;
};
/// {"results":[{"toolCallId","name","result"}, ...]} in the order given.
std::string tool_results_reply(const std::vector<ToolResult>& results);

/// transfer-destination-request answer: the number to transfer to with an announcement, or an
/// error (no transfer) telling the model to offer to take a message.
std::string transfer_destination_reply(const EscalationDecision& decision,
                                       std::string_view language);

}  // namespace kx::telephony
