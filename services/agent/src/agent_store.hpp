#pragma once
// The agent service's tables (migrations/0001_agents.sql): owners' facts, drafts, agents and
// the phone-number pool. Plain SQL on the caller's transaction; no business rules beyond what
// keeps the rows consistent (one number per agent, one agent per number, versions).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "definition.hpp"

namespace kx::agent {

/// What other services told us about an owner.
struct OwnerFacts {
  std::string account_status = "active";  ///< active | inactive | suspended
  bool credits_exhausted = false;
  bool google_connected = false;
  bool deleted = false;
  /// Whether the owner confirmed their e-mail address; false while not told (see
  /// migrations/0005_owner_verified.sql).
  bool email_verified = false;
};

/// Why an active agent does not take calls, or nullopt.
std::optional<std::string> pause_reason(const OwnerFacts& owner);

struct Draft {
  std::string id;
  std::string user_id;
  int version = 1;
  int step = 1;
  std::string state = "{}";  ///< JSON object text
  std::string created_at;
  std::string updated_at;
};

struct AssignedNumber {
  std::string id;
  std::string e164;
  std::string vapi_phone_number_id;
};

struct AgentRow {
  std::string id;
  std::string user_id;
  std::string status;  ///< the owner's choice: active | inactive
  Definition definition;
  std::optional<std::string> vapi_assistant_id;
  /// A minute before a create was started (so Vapi's clock may run a little behind ours), the
  /// time from which to look for an assistant that create may have left; null when none was.
  std::optional<std::string> create_started_at;
  std::int64_t desired_version = 1;
  std::int64_t synced_version = 0;
  std::string sync_state;
  std::optional<std::string> sync_error;
  int sync_attempts = 0;
  std::optional<std::string> synced_at;
  bool announced = false;
  std::string created_at;
  std::string updated_at;
  bool deleted = false;
  OwnerFacts owner;
  /// The number wanted for this agent (may not be pushed to Vapi yet).
  std::optional<AssignedNumber> number;
  /// The number Vapi and the other services know as this agent's (what events carry).
  std::optional<AssignedNumber> announced_number;
  /// The assistant id the other services were last told.
  std::optional<std::string> announced_assistant_id;
  /// The assistant id events carry: Vapi's current one, else the one last announced.
  std::optional<std::string> routed_assistant_id() const {
    return vapi_assistant_id ? vapi_assistant_id : announced_assistant_id;
  }

  /// active | inactive | paused: what callers get.
  std::string effective_status() const;
};

struct AgentFilter {
  std::optional<std::string> user_id;
  std::optional<std::string> status;  ///< effective status
  std::optional<std::string> sync_state;
  std::optional<std::string> text;  ///< part of the name
  int limit = 50;
  int offset = 0;
};

struct PhoneNumberRow {
  std::string id;
  std::string e164;
  std::string vapi_phone_number_id;
  std::optional<std::string> agent_id;
  std::optional<std::string> agent_name;
  std::optional<std::string> user_id;
  std::optional<std::string> synced_agent_id;
  std::optional<std::string> synced_user_id;
  std::int64_t desired_version = 1;
  std::int64_t synced_version = 0;
  std::optional<std::string> sync_error;
  int sync_attempts = 0;
  bool removed = false;
  std::string created_at;
};

struct NumberFilter {
  std::optional<std::string> status;
  std::optional<std::string> digits;
  int limit = 100;
  int offset = 0;
};

struct PoolSummary {
  std::int64_t total = 0;
  std::int64_t available = 0;
  std::int64_t assigned = 0;
  std::int64_t agents_without_number = 0;
};

class AgentStore {
 public:
  // Owners.
  static OwnerFacts owner(pqxx::work& tx, const std::string& user_id);
  /// Each returns the owner's agents (not deleted) whose Vapi assistant must follow, or an
  /// empty list when the event is older than what was applied or changes nothing.
  static std::vector<std::string> set_account_status(pqxx::work& tx, const std::string& user_id,
                                                     const std::string& status,
                                                     const std::string& at);
  static std::vector<std::string> set_credits_exhausted(pqxx::work& tx, const std::string& user_id,
                                                        bool exhausted, const std::string& at);
  static std::vector<std::string> set_google_connected(pqxx::work& tx, const std::string& user_id,
                                                       bool connected, const std::string& at);
  /// Applies email_verified from user.registered/user.updated unless a newer event did.
  static void set_email_verified(pqxx::work& tx, const std::string& user_id, bool verified,
                                 const std::string& at);
  static void mark_owner_deleted(pqxx::work& tx, const std::string& user_id);
  static std::vector<std::string> agent_ids_of(pqxx::work& tx, const std::string& user_id);

  // Drafts.
  static Draft insert_draft(pqxx::work& tx, const std::string& user_id, int step,
                            const std::string& state);
  static std::vector<Draft> drafts(pqxx::work& tx, const std::string& user_id);
  static std::optional<Draft> draft(pqxx::work& tx, const std::string& user_id,
                                    const std::string& id, bool lock = false);
  /// Saves when `version` is the current one; nullopt when the draft is newer (or gone).
  static std::optional<Draft> update_draft(pqxx::work& tx, const std::string& user_id,
                                           const std::string& id, int version, int step,
                                           const std::string& state);
  static bool delete_draft(pqxx::work& tx, const std::string& user_id, const std::string& id);
  static void delete_drafts_of(pqxx::work& tx, const std::string& user_id);

  // Agents.
  static void insert_agent(pqxx::work& tx, const std::string& id, const std::string& user_id,
                           const Definition& definition);
  /// The agent if it exists, is not deleted and (when user_id is given) belongs to that owner.
  static std::optional<AgentRow> agent(pqxx::work& tx, const std::string& id,
                                       const std::optional<std::string>& user_id,
                                       bool lock = false);
  /// Also deleted agents (the sync worker finishes their deletion).
  static std::optional<AgentRow> agent_for_sync(pqxx::work& tx, const std::string& id);
  static std::vector<AgentRow> agents_of(pqxx::work& tx, const std::string& user_id);
  static std::vector<AgentRow> find_agents(pqxx::work& tx, const AgentFilter& filter,
                                           std::int64_t& total);
  static void update_definition(pqxx::work& tx, const std::string& id, const Definition& d);
  static void set_status(pqxx::work& tx, const std::string& id, const std::string& status);
  static void mark_deleted(pqxx::work& tx, const std::string& id);
  /// Raises the desired version: the sync worker will push the agent again.
  static void want_sync(pqxx::work& tx, const std::string& id);

  // Sync bookkeeping (the worker).
  static std::vector<std::string> agents_due(pqxx::work& tx, int limit);
  static void note_create_started(pqxx::work& tx, const std::string& id);
  static void set_assistant(pqxx::work& tx, const std::string& id,
                            const std::optional<std::string>& assistant_id);
  /// Records a successful push of `version`; returns the seconds since the agent's last change
  /// (the sync lag).
  static double mark_synced(pqxx::work& tx, const std::string& id, std::int64_t version);
  /// The agent was announced with its current assistant id (agent.created or agent.updated).
  static void mark_announced(pqxx::work& tx, const std::string& id);
  /// Records a failed push of `version`: retried after `delay_ms`, or at once when the agent
  /// changed meanwhile.
  static void mark_sync_failed(pqxx::work& tx, const std::string& id, std::int64_t version,
                               const std::string& message, int delay_ms, bool give_up_state);
  /// Removes a deleted agent whose assistant is gone. A number it held keeps it as
  /// synced_agent_id (not free) until the worker has pushed the release and announced it.
  static void purge_agent(pqxx::work& tx, const std::string& id);

  // Phone numbers.
  /// Takes the oldest free number for `agent_id` (skipping numbers another transaction is
  /// taking right now); nullopt when the pool is empty.
  static std::optional<AssignedNumber> take_free_number(pqxx::work& tx,
                                                        const std::string& agent_id);
  /// Active agents without a number, oldest first.
  static std::vector<std::string> agents_waiting_for_number(pqxx::work& tx, int limit);
  static void release_number_of(pqxx::work& tx, const std::string& agent_id);
  /// Bumps the number's version (e.g. the agent's name changed: the number's name in Vapi).
  static void want_number_sync_for_agent(pqxx::work& tx, const std::string& agent_id);
  static std::optional<PhoneNumberRow> number(pqxx::work& tx, const std::string& id,
                                              bool lock = false);
  static std::optional<PhoneNumberRow> number_by_e164(pqxx::work& tx, const std::string& e164);
  /// One page of the pool, by number; `status` available | assigned, `digits` a part of the
  /// number (digits only).
  static std::vector<PhoneNumberRow> numbers(pqxx::work& tx, const NumberFilter& filter,
                                             std::int64_t& total);
  static PoolSummary pool_summary(pqxx::work& tx);
  /// Adds (or brings back a removed) number; false when it is already in the pool.
  static bool add_number(pqxx::work& tx, const std::string& id, const std::string& e164,
                         const std::string& vapi_id);
  static void assign_number(pqxx::work& tx, const std::string& number_id,
                            const std::string& agent_id);
  static void release_number(pqxx::work& tx, const std::string& number_id);
  static void remove_number(pqxx::work& tx, const std::string& number_id);
  static std::vector<std::string> numbers_due(pqxx::work& tx, int limit);
  static void mark_number_synced(pqxx::work& tx, const std::string& id, std::int64_t version,
                                 const std::optional<std::string>& agent_id,
                                 const std::optional<std::string>& user_id);
  static void mark_number_sync_failed(pqxx::work& tx, const std::string& id, std::int64_t version,
                                      const std::string& message, int delay_ms);
};

}  // namespace kx::agent
