#include "agents.hpp"

#include "kx/crypto/crypto.hpp"
#include "kx/json/json.hpp"

namespace kx::agent {
namespace {

void optional_field(json::Writer& w, const char* key, const std::optional<std::string>& v) {
  w.key(key);
  if (v)
    w.value(*v);
  else
    w.null();
}

}  // namespace

void write_escalation(json::Writer& w, const Escalation& e) {
  w.begin_object().field("enabled", e.enabled);
  optional_field(w, "forwarding_number", e.forwarding_number);
  optional_field(w, "fallback_number", e.fallback_number);
  optional_field(w, "after_hours_number", e.after_hours_number);
  w.key("business_hours").begin_object().key("days").begin_array();
  for (const auto& d : e.business_hours.days)
    w.value(d);
  w.end_array()
      .field("start", e.business_hours.start)
      .field("end", e.business_hours.end)
      .end_object();
  w.field("voicemail", e.voicemail).field("max_clarifications", e.max_clarifications);
  w.end_object();
}

std::string agent_event_data(const AgentRow& a) {
  json::Writer w;
  w.begin_object()
      .field("agent_id", a.id)
      .field("user_id", a.user_id)
      .field("name", a.definition.name)
      .field("status", a.effective_status())
      .field("language", a.definition.language)
      .field("timezone", a.definition.timezone)
      .field("vapi_assistant_id", a.routed_assistant_id().value_or(""));
  w.key("phone_number");
  if (a.announced_number)
    w.value(a.announced_number->e164);
  else
    w.null();
  w.key("vapi_phone_number_id");
  if (a.announced_number)
    w.value(a.announced_number->vapi_phone_number_id);
  else
    w.null();
  w.key("escalation");
  write_escalation(w, a.definition.escalation);
  w.key("opening_hours");
  write_opening_hours(w, a.definition.business.opening_hours);
  w.end_object();
  return w.str();
}

AgentRow Agents::reload(pqxx::work& tx, const std::string& id) const {
  auto row = AgentStore::agent_for_sync(tx, id);
  if (!row)
    throw std::logic_error("agent vanished inside its own transaction");
  return *row;
}

AgentRow Agents::create(pqxx::work& tx, const std::string& user_id,
                        const Definition& definition) const {
  auto id = crypto::uuid_v4();
  AgentStore::insert_agent(tx, id, user_id, definition);
  AgentStore::take_free_number(tx, id);
  return reload(tx, id);
}

AgentRow Agents::update(pqxx::work& tx, const AgentRow& agent, const Definition& definition) const {
  AgentStore::update_definition(tx, agent.id, definition);
  if (definition.name != agent.definition.name)
    AgentStore::want_number_sync_for_agent(tx, agent.id);
  changed(tx, agent.id);
  return reload(tx, agent.id);
}

AgentRow Agents::set_status(pqxx::work& tx, const AgentRow& agent,
                            const std::string& status) const {
  if (agent.status == status)
    return agent;
  AgentStore::set_status(tx, agent.id, status);
  // A reactivated agent without a number gets one if the pool has one now.
  if (status == "active" && !agent.number)
    AgentStore::take_free_number(tx, agent.id);
  changed(tx, agent.id);
  return reload(tx, agent.id);
}

void Agents::remove(pqxx::work& tx, const AgentRow& agent) const {
  AgentStore::mark_deleted(tx, agent.id);
  AgentStore::release_number_of(tx, agent.id);
  AgentStore::want_sync(tx, agent.id);
  // The number just freed may serve an agent that has been waiting for one.
  assign_waiting(tx);
}

void Agents::changed(pqxx::work& tx, const std::string& agent_id) const {
  AgentStore::want_sync(tx, agent_id);
  auto row = reload(tx, agent_id);
  // Before the first sync there is no assistant and nothing announced: agent.created follows
  // the assistant's creation and carries the state of then.
  if (row.announced && !row.deleted && row.routed_assistant_id())
    outbox_.add(tx, "agent.updated", row.user_id, row.id, agent_event_data(row));
}

int Agents::assign_waiting(pqxx::work& tx) const {
  int assigned = 0;
  for (const auto& id : AgentStore::agents_waiting_for_number(tx, 100)) {
    if (!AgentStore::take_free_number(tx, id))
      break;
    ++assigned;
  }
  return assigned;
}

void Agents::announce(pqxx::work& tx, const std::string& agent_id, bool assistant_changed) const {
  auto row = reload(tx, agent_id);
  if (row.deleted || !row.vapi_assistant_id)
    return;
  if (!row.announced) {
    outbox_.add(tx, "agent.created", row.user_id, row.id, agent_event_data(row));
    AgentStore::mark_announced(tx, row.id);
  } else if (assistant_changed) {
    outbox_.add(tx, "agent.updated", row.user_id, row.id, agent_event_data(row));
    AgentStore::mark_announced(tx, row.id);  // remembers the new id
  }
}

void Agents::announce_deleted(pqxx::work& tx, const AgentRow& agent) const {
  // Also when the assistant had vanished in Vapi: telephony routes by the id it was told.
  auto assistant = agent.routed_assistant_id();
  if (!agent.announced || !assistant)
    return;
  json::Writer w;
  w.begin_object()
      .field("agent_id", agent.id)
      .field("user_id", agent.user_id)
      .field("vapi_assistant_id", *assistant)
      .end_object();
  outbox_.add(tx, "agent.deleted", agent.user_id, agent.id, w.str());
}

void Agents::announce_number(pqxx::work& tx, const PhoneNumberRow& number,
                             const std::optional<std::string>& agent_id,
                             const std::optional<std::string>& user_id) const {
  auto payload = [&](const std::string& agent, const std::string& user) {
    json::Writer w;
    w.begin_object()
        .field("phone_number_id", number.id)
        .field("e164", number.e164)
        .field("vapi_phone_number_id", number.vapi_phone_number_id)
        .field("agent_id", agent)
        .field("user_id", user)
        .end_object();
    return w.str();
  };
  // What the other services knew is replaced: released from the old agent, then assigned.
  if (number.synced_agent_id && number.synced_agent_id != agent_id)
    outbox_.add(tx, "phone_number.released", number.synced_user_id.value_or(""), number.id,
                payload(*number.synced_agent_id, number.synced_user_id.value_or("")));
  if (agent_id && number.synced_agent_id != agent_id)
    outbox_.add(tx, "phone_number.assigned", *user_id, number.id, payload(*agent_id, *user_id));
}

}  // namespace kx::agent
