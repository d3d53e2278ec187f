#include "agent_store.hpp"

#include <cctype>

#include "kx/crypto/crypto.hpp"

namespace kx::agent {
namespace {

std::optional<std::string> opt(const pqxx::field& f) {
  if (f.is_null())
    return std::nullopt;
  return f.as<std::string>();
}

constexpr const char* kTime = "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

std::string ts(const char* column) {
  char buf[160];
  std::snprintf(buf, sizeof buf, kTime, column);
  return buf;
}

const std::string& agent_select() {
  static const std::string sql =
      "SELECT a.id::text, a.user_id, a.status, a.definition::text, a.vapi_assistant_id, " +
      ts("(a.create_started_at - interval '1 minute')") +
      ", a.desired_version, a.synced_version, a.sync_state, a.sync_error, a.sync_attempts, " +
      ts("a.synced_at") + ", a.announced, " + ts("a.created_at") + ", " + ts("a.updated_at") +
      ", a.deleted_at IS NOT NULL, "
      "coalesce(o.account_status, 'active'), coalesce(o.credits_exhausted, false), "
      "coalesce(o.google_connected, false), o.deleted_at IS NOT NULL, "
      "n.id::text, n.e164, n.vapi_phone_number_id, "
      "s.id::text, s.e164, s.vapi_phone_number_id, a.announced_assistant_id "
      "FROM agents a LEFT JOIN owners o ON o.user_id = a.user_id "
      "LEFT JOIN phone_numbers n ON n.agent_id = a.id "
      "LEFT JOIN phone_numbers s ON s.synced_agent_id = a.id AND s.removed_at IS NULL ";
  return sql;
}

AgentRow agent_from(const pqxx::row& r) {
  AgentRow a;
  a.id = r[0].as<std::string>();
  a.user_id = r[1].as<std::string>();
  a.status = r[2].as<std::string>();
  a.definition = definition_from_json(r[3].as<std::string>());
  a.vapi_assistant_id = opt(r[4]);
  a.create_started_at = opt(r[5]);
  a.desired_version = r[6].as<std::int64_t>();
  a.synced_version = r[7].as<std::int64_t>();
  a.sync_state = r[8].as<std::string>();
  a.sync_error = opt(r[9]);
  a.sync_attempts = r[10].as<int>();
  a.synced_at = opt(r[11]);
  a.announced = r[12].as<bool>();
  a.created_at = r[13].as<std::string>();
  a.updated_at = r[14].as<std::string>();
  a.deleted = r[15].as<bool>();
  a.owner.account_status = r[16].as<std::string>();
  a.owner.credits_exhausted = r[17].as<bool>();
  a.owner.google_connected = r[18].as<bool>();
  a.owner.deleted = r[19].as<bool>();
  if (!r[20].is_null())
    a.number =
        AssignedNumber{r[20].as<std::string>(), r[21].as<std::string>(), r[22].as<std::string>()};
  if (!r[23].is_null())
    a.announced_number =
        AssignedNumber{r[23].as<std::string>(), r[24].as<std::string>(), r[25].as<std::string>()};
  a.announced_assistant_id = opt(r[26]);
  return a;
}

Draft draft_from(const pqxx::row& r) {
  Draft d;
  d.id = r[0].as<std::string>();
  d.user_id = r[1].as<std::string>();
  d.version = r[2].as<int>();
  d.step = r[3].as<int>();
  d.state = r[4].as<std::string>();
  d.created_at = r[5].as<std::string>();
  d.updated_at = r[6].as<std::string>();
  return d;
}

const std::string& draft_select() {
  static const std::string sql = "SELECT id::text, user_id, version, step, state::text, " +
                                 ts("created_at") + ", " + ts("updated_at") + " FROM drafts ";
  return sql;
}

const std::string& number_select() {
  static const std::string sql =
      "SELECT n.id::text, n.e164, n.vapi_phone_number_id, n.agent_id::text, a.name, a.user_id, "
      "n.synced_agent_id::text, n.synced_user_id, n.desired_version, n.synced_version, "
      "n.sync_error, n.sync_attempts, n.removed_at IS NOT NULL, " +
      ts("n.created_at") + " FROM phone_numbers n LEFT JOIN agents a ON a.id = n.agent_id ";
  return sql;
}

PhoneNumberRow number_from(const pqxx::row& r) {
  PhoneNumberRow n;
  n.id = r[0].as<std::string>();
  n.e164 = r[1].as<std::string>();
  n.vapi_phone_number_id = r[2].as<std::string>();
  n.agent_id = opt(r[3]);
  n.agent_name = opt(r[4]);
  n.user_id = opt(r[5]);
  n.synced_agent_id = opt(r[6]);
  n.synced_user_id = opt(r[7]);
  n.desired_version = r[8].as<std::int64_t>();
  n.synced_version = r[9].as<std::int64_t>();
  n.sync_error = opt(r[10]);
  n.sync_attempts = r[11].as<int>();
  n.removed = r[12].as<bool>();
  n.created_at = r[13].as<std::string>();
  return n;
}

std::vector<std::string> ids(const pqxx::result& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows)
    out.push_back(r[0].as<std::string>());
  return out;
}

// Applies one fact of an owner if the event is not older than the last one applied; returns
// the owner's agents when something changed.
std::vector<std::string> set_owner_fact(pqxx::work& tx, const std::string& user_id,
                                        const std::string& column, const std::string& value,
                                        const std::string& at_column, const std::string& at) {
  tx.exec_params("INSERT INTO owners (user_id) VALUES ($1) ON CONFLICT DO NOTHING", user_id);
  const std::string type = column == "account_status" ? "text" : "boolean";
  auto changed = tx.exec_params(
      "UPDATE owners SET " + column + " = $2::text::" + type + ", " + at_column +
          " = $3::timestamptz WHERE user_id = $1 AND deleted_at IS NULL AND (" + at_column +
          " IS NULL OR " + at_column + " <= $3::timestamptz) AND " + column +
          "::text IS DISTINCT FROM $2::text "
          "RETURNING 1",
      user_id, value, at);
  if (changed.empty())
    return {};
  return AgentStore::agent_ids_of(tx, user_id);
}

// Wakes the sync workers (VapiSync::wait_for_change) when the transaction commits.
void notify_sync(pqxx::work& tx) {
  tx.exec("NOTIFY kx_agent_sync");
}

}  // namespace

std::optional<std::string> pause_reason(const OwnerFacts& owner) {
  if (owner.deleted || owner.account_status != "active")
    return std::string("account_suspended");
  if (owner.credits_exhausted)
    return std::string("credits_exhausted");
  return std::nullopt;
}

std::string AgentRow::effective_status() const {
  if (status != "active")
    return "inactive";
  return pause_reason(owner) ? "paused" : "active";
}

OwnerFacts AgentStore::owner(pqxx::work& tx, const std::string& user_id) {
  OwnerFacts o;
  auto rows = tx.exec_params(
      "SELECT account_status, credits_exhausted, google_connected, deleted_at IS NOT NULL, "
      "coalesce(email_verified, false) FROM owners WHERE user_id = $1",
      user_id);
  if (!rows.empty()) {
    o.account_status = rows[0][0].as<std::string>();
    o.credits_exhausted = rows[0][1].as<bool>();
    o.google_connected = rows[0][2].as<bool>();
    o.deleted = rows[0][3].as<bool>();
    o.email_verified = rows[0][4].as<bool>();
  }
  return o;
}

std::vector<std::string> AgentStore::set_account_status(pqxx::work& tx, const std::string& user_id,
                                                        const std::string& status,
                                                        const std::string& at) {
  return set_owner_fact(tx, user_id, "account_status", status, "status_event_at", at);
}

std::vector<std::string> AgentStore::set_credits_exhausted(pqxx::work& tx,
                                                           const std::string& user_id,
                                                           bool exhausted, const std::string& at) {
  return set_owner_fact(tx, user_id, "credits_exhausted", exhausted ? "true" : "false",
                        "credits_event_at", at);
}

std::vector<std::string> AgentStore::set_google_connected(pqxx::work& tx,
                                                          const std::string& user_id,
                                                          bool connected, const std::string& at) {
  return set_owner_fact(tx, user_id, "google_connected", connected ? "true" : "false",
                        "google_event_at", at);
}

void AgentStore::set_email_verified(pqxx::work& tx, const std::string& user_id, bool verified,
                                    const std::string& at) {
  set_owner_fact(tx, user_id, "email_verified", verified ? "true" : "false", "verified_event_at",
                 at);
}

void AgentStore::mark_owner_deleted(pqxx::work& tx, const std::string& user_id) {
  tx.exec_params(
      "INSERT INTO owners (user_id, deleted_at) VALUES ($1, now()) "
      "ON CONFLICT (user_id) DO UPDATE SET deleted_at = coalesce(owners.deleted_at, now())",
      user_id);
}

std::vector<std::string> AgentStore::agent_ids_of(pqxx::work& tx, const std::string& user_id) {
  return ids(tx.exec_params(
      "SELECT id::text FROM agents WHERE user_id = $1 AND deleted_at IS NULL ORDER BY created_at",
      user_id));
}

Draft AgentStore::insert_draft(pqxx::work& tx, const std::string& user_id, int step,
                               const std::string& state) {
  auto rows = tx.exec_params(
      "INSERT INTO drafts (id, user_id, step, state) VALUES (gen_random_uuid(), $1, $2, "
      "$3::jsonb) RETURNING id::text",
      user_id, step, state);
  return *draft(tx, user_id, rows[0][0].as<std::string>());
}

std::vector<Draft> AgentStore::drafts(pqxx::work& tx, const std::string& user_id) {
  std::vector<Draft> out;
  for (const auto& r :
       tx.exec_params(draft_select() + "WHERE user_id = $1 ORDER BY updated_at DESC", user_id))
    out.push_back(draft_from(r));
  return out;
}

std::optional<Draft> AgentStore::draft(pqxx::work& tx, const std::string& user_id,
                                       const std::string& id, bool lock) {
  if (!crypto::is_uuid(id))
    return std::nullopt;
  auto rows = tx.exec_params(
      draft_select() + "WHERE id = $1::uuid AND user_id = $2" + (lock ? " FOR UPDATE" : ""), id,
      user_id);
  if (rows.empty())
    return std::nullopt;
  return draft_from(rows[0]);
}

std::optional<Draft> AgentStore::update_draft(pqxx::work& tx, const std::string& user_id,
                                              const std::string& id, int version, int step,
                                              const std::string& state) {
  if (!crypto::is_uuid(id))
    return std::nullopt;
  auto rows = tx.exec_params(
      "UPDATE drafts SET version = version + 1, step = $4, state = $5::jsonb, updated_at = now() "
      "WHERE id = $1::uuid AND user_id = $2 AND version = $3 RETURNING id",
      id, user_id, version, step, state);
  if (rows.empty())
    return std::nullopt;
  return draft(tx, user_id, id);
}

bool AgentStore::delete_draft(pqxx::work& tx, const std::string& user_id, const std::string& id) {
  if (!crypto::is_uuid(id))
    return false;
  return !tx.exec_params("DELETE FROM drafts WHERE id = $1::uuid AND user_id = $2 RETURNING 1", id,
                         user_id)
              .empty();
}

void AgentStore::delete_drafts_of(pqxx::work& tx, const std::string& user_id) {
  tx.exec_params("DELETE FROM drafts WHERE user_id = $1", user_id);
}

void AgentStore::insert_agent(pqxx::work& tx, const std::string& id, const std::string& user_id,
                              const Definition& d) {
  tx.exec_params("INSERT INTO owners (user_id) VALUES ($1) ON CONFLICT DO NOTHING", user_id);
  tx.exec_params(
      "INSERT INTO agents (id, user_id, name, definition) VALUES ($1::uuid, $2, $3, $4::jsonb)", id,
      user_id, d.name, definition_json(d));
  notify_sync(tx);
}

std::optional<AgentRow> AgentStore::agent(pqxx::work& tx, const std::string& id,
                                          const std::optional<std::string>& user_id, bool lock) {
  if (!crypto::is_uuid(id))
    return std::nullopt;
  if (lock)
    tx.exec_params("SELECT 1 FROM agents WHERE id = $1::uuid FOR UPDATE", id);
  auto rows = tx.exec_params(agent_select() +
                                 "WHERE a.id = $1::uuid AND a.deleted_at IS NULL AND "
                                 "($2::text IS NULL OR a.user_id = $2)",
                             id, user_id);
  if (rows.empty())
    return std::nullopt;
  return agent_from(rows[0]);
}

std::optional<AgentRow> AgentStore::agent_for_sync(pqxx::work& tx, const std::string& id) {
  auto rows = tx.exec_params(agent_select() + "WHERE a.id = $1::uuid", id);
  if (rows.empty())
    return std::nullopt;
  return agent_from(rows[0]);
}

std::vector<AgentRow> AgentStore::agents_of(pqxx::work& tx, const std::string& user_id) {
  std::vector<AgentRow> out;
  for (const auto& r :
       tx.exec_params(agent_select() + "WHERE a.user_id = $1 AND a.deleted_at IS NULL "
                                       "ORDER BY a.created_at",
                      user_id))
    out.push_back(agent_from(r));
  return out;
}

std::vector<AgentRow> AgentStore::find_agents(pqxx::work& tx, const AgentFilter& f,
                                              std::int64_t& total) {
  // The effective status as SQL, matching AgentRow::effective_status().
  const std::string effective =
      "(CASE WHEN a.status <> 'active' THEN 'inactive' WHEN o.deleted_at IS NOT NULL OR "
      "coalesce(o.account_status, 'active') <> 'active' OR coalesce(o.credits_exhausted, false) "
      "THEN 'paused' ELSE 'active' END)";
  const std::string where =
      "WHERE a.deleted_at IS NULL AND ($1::text IS NULL OR a.user_id = $1) AND "
      "($2::text IS NULL OR " +
      effective +
      " = $2) AND ($3::text IS NULL OR a.sync_state = $3) "
      "AND ($4::text IS NULL OR a.name ILIKE '%' || replace(replace(replace($4, '\\', '\\\\'), "
      "'%', '\\%'), '_', '\\_') || '%') ";
  total = tx.exec_params(
                "SELECT count(*) FROM agents a LEFT JOIN owners o ON o.user_id = "
                "a.user_id " +
                    where,
                f.user_id, f.status, f.sync_state, f.text)[0][0]
              .as<std::int64_t>();
  std::vector<AgentRow> out;
  for (const auto& r : tx.exec_params(
           agent_select() + where + "ORDER BY a.created_at DESC, a.id LIMIT $5 OFFSET $6",
           f.user_id, f.status, f.sync_state, f.text, f.limit, f.offset))
    out.push_back(agent_from(r));
  return out;
}

void AgentStore::update_definition(pqxx::work& tx, const std::string& id, const Definition& d) {
  tx.exec_params(
      "UPDATE agents SET name = $2, definition = $3::jsonb, updated_at = now() "
      "WHERE id = $1::uuid",
      id, d.name, definition_json(d));
}

void AgentStore::set_status(pqxx::work& tx, const std::string& id, const std::string& status) {
  tx.exec_params("UPDATE agents SET status = $2, updated_at = now() WHERE id = $1::uuid", id,
                 status);
}

void AgentStore::mark_deleted(pqxx::work& tx, const std::string& id) {
  tx.exec_params("UPDATE agents SET deleted_at = now(), updated_at = now() WHERE id = $1::uuid",
                 id);
}

void AgentStore::want_sync(pqxx::work& tx, const std::string& id) {
  tx.exec_params(
      "UPDATE agents SET desired_version = desired_version + 1, sync_state = CASE WHEN "
      "sync_state = 'error' THEN 'error' ELSE 'pending' END, sync_attempts = 0, "
      "next_sync_at = now() WHERE id = $1::uuid",
      id);
  notify_sync(tx);
}

std::vector<std::string> AgentStore::agents_due(pqxx::work& tx, int limit) {
  return ids(tx.exec_params(
      "SELECT id::text FROM agents WHERE desired_version > synced_version AND next_sync_at <= "
      "now() ORDER BY next_sync_at LIMIT $1",
      limit));
}

void AgentStore::note_create_started(pqxx::work& tx, const std::string& id) {
  tx.exec_params(
      "UPDATE agents SET create_started_at = coalesce(create_started_at, now()) "
      "WHERE id = $1::uuid",
      id);
}

void AgentStore::set_assistant(pqxx::work& tx, const std::string& id,
                               const std::optional<std::string>& assistant_id) {
  tx.exec_params(
      "UPDATE agents SET vapi_assistant_id = $2, create_started_at = CASE WHEN $2::text IS NULL "
      "THEN NULL ELSE create_started_at END WHERE id = $1::uuid",
      id, assistant_id);
}

double AgentStore::mark_synced(pqxx::work& tx, const std::string& id, std::int64_t version) {
  auto rows = tx.exec_params(
      "UPDATE agents SET synced_version = greatest(synced_version, $2), "
      "sync_state = CASE WHEN desired_version <= $2 THEN 'synced' ELSE 'pending' END, "
      "sync_error = NULL, sync_attempts = 0, synced_at = now() WHERE id = $1::uuid "
      "RETURNING extract(epoch FROM now() - updated_at)::double precision",
      id, version);
  return rows.empty() ? 0.0 : rows[0][0].as<double>();
}

void AgentStore::mark_announced(pqxx::work& tx, const std::string& id) {
  tx.exec_params(
      "UPDATE agents SET announced = true, announced_assistant_id = coalesce(vapi_assistant_id, "
      "announced_assistant_id) WHERE id = $1::uuid",
      id);
}

void AgentStore::mark_sync_failed(pqxx::work& tx, const std::string& id, std::int64_t version,
                                  const std::string& message, int delay_ms, bool give_up_state) {
  // An edit committed during the failed push is retried at once, as any change is.
  tx.exec_params(
      "UPDATE agents SET sync_attempts = sync_attempts + 1, sync_error = $2, "
      "sync_state = CASE WHEN $4 THEN 'error' ELSE sync_state END, "
      "next_sync_at = CASE WHEN desired_version > $5 THEN now() "
      "ELSE now() + make_interval(secs => $3::double precision / 1000) END "
      "WHERE id = $1::uuid",
      id, message, delay_ms, give_up_state, version);
}

void AgentStore::purge_agent(pqxx::work& tx, const std::string& id) {
  tx.exec_params("DELETE FROM agents WHERE id = $1::uuid AND deleted_at IS NOT NULL", id);
}

std::optional<AssignedNumber> AgentStore::take_free_number(pqxx::work& tx,
                                                           const std::string& agent_id) {
  // SKIP LOCKED: two agents created at once each take a different number (or none), never
  // the same one; the unique agent_id column backs that up.
  auto rows = tx.exec_params(
      "UPDATE phone_numbers SET agent_id = $1::uuid, assigned_at = now(), "
      "desired_version = desired_version + 1, sync_error = NULL, sync_attempts = 0, "
      "next_sync_at = now() WHERE id = (SELECT id FROM phone_numbers WHERE agent_id IS NULL "
      "AND removed_at IS NULL AND synced_agent_id IS NULL "
      "ORDER BY released_at NULLS FIRST, created_at, id "
      "LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id::text, e164, vapi_phone_number_id",
      agent_id);
  if (rows.empty())
    return std::nullopt;
  notify_sync(tx);
  return AssignedNumber{rows[0][0].as<std::string>(), rows[0][1].as<std::string>(),
                        rows[0][2].as<std::string>()};
}

std::vector<std::string> AgentStore::agents_waiting_for_number(pqxx::work& tx, int limit) {
  return ids(tx.exec_params(
      "SELECT a.id::text FROM agents a WHERE a.deleted_at IS NULL AND a.status = 'active' AND "
      "NOT EXISTS (SELECT 1 FROM phone_numbers n WHERE n.agent_id = a.id) "
      "ORDER BY a.created_at LIMIT $1",
      limit));
}

void AgentStore::release_number_of(pqxx::work& tx, const std::string& agent_id) {
  tx.exec_params(
      "UPDATE phone_numbers SET agent_id = NULL, assigned_at = NULL, released_at = now(), "
      "desired_version = "
      "desired_version + 1, sync_attempts = 0, next_sync_at = now() WHERE agent_id = $1::uuid",
      agent_id);
  notify_sync(tx);
}

void AgentStore::want_number_sync_for_agent(pqxx::work& tx, const std::string& agent_id) {
  tx.exec_params(
      "UPDATE phone_numbers SET desired_version = desired_version + 1, next_sync_at = now() "
      "WHERE agent_id = $1::uuid",
      agent_id);
  notify_sync(tx);
}

std::optional<PhoneNumberRow> AgentStore::number(pqxx::work& tx, const std::string& id, bool lock) {
  if (!crypto::is_uuid(id))
    return std::nullopt;
  if (lock)
    tx.exec_params("SELECT 1 FROM phone_numbers WHERE id = $1::uuid FOR UPDATE", id);
  auto rows = tx.exec_params(number_select() + "WHERE n.id = $1::uuid", id);
  if (rows.empty())
    return std::nullopt;
  return number_from(rows[0]);
}

std::optional<PhoneNumberRow> AgentStore::number_by_e164(pqxx::work& tx, const std::string& e164) {
  auto rows = tx.exec_params(number_select() + "WHERE n.e164 = $1", e164);
  if (rows.empty())
    return std::nullopt;
  return number_from(rows[0]);
}

std::vector<PhoneNumberRow> AgentStore::numbers(pqxx::work& tx, const NumberFilter& f,
                                                std::int64_t& total) {
  const std::string where =
      "WHERE n.removed_at IS NULL AND ($1::text IS NULL OR ($1 = 'assigned') = (n.agent_id IS "
      "NOT NULL)) AND ($2::text IS NULL OR n.e164 LIKE '%' || $2 || '%') ";
  total = tx.exec_params("SELECT count(*) FROM phone_numbers n " + where, f.status, f.digits)[0][0]
              .as<std::int64_t>();
  std::vector<PhoneNumberRow> out;
  for (const auto& r :
       tx.exec_params(number_select() + where + "ORDER BY n.e164 LIMIT $3 OFFSET $4", f.status,
                      f.digits, f.limit, f.offset))
    out.push_back(number_from(r));
  return out;
}

PoolSummary AgentStore::pool_summary(pqxx::work& tx) {
  auto r = tx.exec(
      "SELECT count(*), count(*) FILTER (WHERE agent_id IS NULL), count(agent_id), "
      "(SELECT count(*) FROM agents a WHERE a.deleted_at IS NULL AND a.status = 'active' AND "
      "NOT EXISTS (SELECT 1 FROM phone_numbers n WHERE n.agent_id = a.id)) "
      "FROM phone_numbers WHERE removed_at IS NULL")[0];
  return PoolSummary{r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::int64_t>(),
                     r[3].as<std::int64_t>()};
}

bool AgentStore::add_number(pqxx::work& tx, const std::string& id, const std::string& e164,
                            const std::string& vapi_id) {
  auto revived = tx.exec_params(
      "UPDATE phone_numbers SET removed_at = NULL, vapi_phone_number_id = $2, "
      "desired_version = desired_version + 1, next_sync_at = now() "
      "WHERE e164 = $1 AND removed_at IS NOT NULL RETURNING 1",
      e164, vapi_id);
  if (!revived.empty()) {
    notify_sync(tx);
    return true;
  }
  bool added = !tx.exec_params(
                      "INSERT INTO phone_numbers (id, e164, vapi_phone_number_id) VALUES "
                      "($1::uuid, $2, $3) ON CONFLICT DO NOTHING RETURNING 1",
                      id, e164, vapi_id)
                    .empty();
  if (added)
    notify_sync(tx);
  return added;
}

void AgentStore::assign_number(pqxx::work& tx, const std::string& number_id,
                               const std::string& agent_id) {
  tx.exec_params(
      "UPDATE phone_numbers SET agent_id = $2::uuid, assigned_at = now(), desired_version = "
      "desired_version + 1, sync_attempts = 0, sync_error = NULL, next_sync_at = now() "
      "WHERE id = $1::uuid",
      number_id, agent_id);
  notify_sync(tx);
}

void AgentStore::release_number(pqxx::work& tx, const std::string& number_id) {
  tx.exec_params(
      "UPDATE phone_numbers SET agent_id = NULL, assigned_at = NULL, released_at = now(), "
      "desired_version = "
      "desired_version + 1, sync_attempts = 0, sync_error = NULL, next_sync_at = now() "
      "WHERE id = $1::uuid",
      number_id);
  notify_sync(tx);
}

void AgentStore::remove_number(pqxx::work& tx, const std::string& number_id) {
  tx.exec_params("UPDATE phone_numbers SET removed_at = now() WHERE id = $1::uuid", number_id);
}

std::vector<std::string> AgentStore::numbers_due(pqxx::work& tx, int limit) {
  return ids(tx.exec_params(
      "SELECT id::text FROM phone_numbers WHERE desired_version > synced_version AND "
      "next_sync_at <= now() ORDER BY next_sync_at LIMIT $1",
      limit));
}

void AgentStore::mark_number_synced(pqxx::work& tx, const std::string& id, std::int64_t version,
                                    const std::optional<std::string>& agent_id,
                                    const std::optional<std::string>& user_id) {
  tx.exec_params(
      "UPDATE phone_numbers SET synced_version = greatest(synced_version, $2), "
      "synced_agent_id = $3::uuid, synced_user_id = $4, sync_error = NULL, sync_attempts = 0 "
      "WHERE id = $1::uuid",
      id, version, agent_id, user_id);
}

void AgentStore::mark_number_sync_failed(pqxx::work& tx, const std::string& id,
                                         std::int64_t version, const std::string& message,
                                         int delay_ms) {
  // A change committed during the failed push is retried at once, as for agents.
  tx.exec_params(
      "UPDATE phone_numbers SET sync_attempts = sync_attempts + 1, sync_error = $2, "
      "next_sync_at = CASE WHEN desired_version > $4 THEN now() "
      "ELSE now() + make_interval(secs => $3::double precision / 1000) END "
      "WHERE id = $1::uuid",
      id, message, delay_ms, version);
}

}  // namespace kx::agent
