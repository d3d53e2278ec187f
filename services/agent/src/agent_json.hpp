#pragma once
// The JSON shapes of the agent service's API (docs/api.md, "Agents").

#include <string>

#include "agent_store.hpp"
#include "kx/json/json.hpp"

namespace kx::agent {

/// An agent: its definition's fields plus id, status, number and sync state. `with_owner` adds
/// user_id (admin views).
void write_agent(json::Writer& w, const AgentRow& agent, bool with_owner = false);
std::string agent_json(const AgentRow& agent, bool with_owner = false);
void write_draft(json::Writer& w, const Draft& draft);
std::string draft_json(const Draft& draft);
void write_number(json::Writer& w, const PhoneNumberRow& number);

}  // namespace kx::agent
