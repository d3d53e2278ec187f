#include "agent_json.hpp"

#include "kx/phone/phone.hpp"

namespace kx::agent {

void write_agent(json::Writer& w, const AgentRow& a, bool with_owner) {
  // The definition's members first, then what the platform adds.
  auto def = json::parse(definition_json(a.definition));
  w.begin_object().field("id", a.id);
  if (with_owner)
    w.field("user_id", a.user_id);
  for (auto& m : def.GetObject())
    w.key(std::string_view(m.name.GetString(), m.name.GetStringLength())).value(m.value);
  w.field("status", a.effective_status());
  w.key("paused_reason");
  if (a.status == "active" && pause_reason(a.owner))
    w.value(*pause_reason(a.owner));
  else
    w.null();
  w.key("phone_number");
  if (a.number)
    w.value(a.number->e164);
  else
    w.null();
  // As people read it ("+49 30 55500009"), grouped by the numbering plan.
  w.key("phone_number_display");
  if (a.number)
    w.value(phone::international_format(a.number->e164));
  else
    w.null();
  w.key("phone_number_missing");
  if (!a.number && a.status == "active")
    w.value("pool_empty");
  else
    w.null();
  w.field("vapi_assistant_id", a.vapi_assistant_id)
      .field("sync_state", a.sync_state)
      .field("sync_error", a.sync_error)
      .field("synced_at", a.synced_at)
      .field("created_at", a.created_at)
      .field("updated_at", a.updated_at)
      .end_object();
}

std::string agent_json(const AgentRow& agent, bool with_owner) {
  json::Writer w;
  write_agent(w, agent, with_owner);
  return w.str();
}

void write_draft(json::Writer& w, const Draft& d) {
  auto state = json::parse(d.state);
  w.begin_object()
      .field("id", d.id)
      .field("version", d.version)
      .field("step", d.step)
      .field("name", json::get_string(state, "name"))
      .key("state")
      .value(state)
      .field("created_at", d.created_at)
      .field("updated_at", d.updated_at)
      .end_object();
}

std::string draft_json(const Draft& d) {
  json::Writer w;
  write_draft(w, d);
  return w.str();
}

void write_number(json::Writer& w, const PhoneNumberRow& n) {
  w.begin_object()
      .field("id", n.id)
      .field("e164", n.e164)
      .field("display", phone::international_format(n.e164))
      .field("vapi_phone_number_id", n.vapi_phone_number_id)
      .field("status", n.agent_id ? "assigned" : "available")
      .field("agent_id", n.agent_id)
      .field("agent_name", n.agent_name)
      .field("user_id", n.user_id)
      .field("sync_state", n.desired_version <= n.synced_version ? "synced"
                           : n.sync_attempts >= 3                ? "error"
                                                                 : "pending")
      .field("sync_error", n.sync_error)
      .field("created_at", n.created_at)
      .end_object();
}

}  // namespace kx::agent
