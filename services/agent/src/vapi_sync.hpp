#pragma once
// Brings Vapi to the agents' and numbers' stored state. Every change raised a row's
// desired_version in the change's own transaction; this worker pushes the whole current state
// (never a diff, so a lost or repeated push cannot leave Vapi half-updated), records the
// version it pushed, and retries failures with backoff (Vapi's Retry-After when it sends one).
//
// Exactly one assistant per agent: before creating one the worker records that it is about to;
// a retry after a crash looks for an assistant carrying the agent's id in its metadata first.
// Several workers (replicas) never push the same row at once: each row is taken under a
// PostgreSQL session advisory lock on a connection of the worker's own, which the server
// releases by itself when the process dies.
//
// Threading: run_once() is called by one periodic job thread; not reentrant.

#include <chrono>
#include <memory>
#include <string>

#include "agents.hpp"
#include "kx/pg/pg.hpp"
#include "vapi_client.hpp"

namespace kx::agent {

struct SyncSettings {
  std::string server_url;     ///< where Vapi posts server messages (the gateway's /webhooks/vapi)
  std::string server_secret;  ///< sent as X-Vapi-Secret unless a credential id is configured
  std::string credential_id;
  std::string model_provider = "openai";
  std::string model = "gpt-4o-mini";
  int max_call_seconds = 600;
  std::chrono::seconds max_backoff{300};
};

class VapiSync {
 public:
  VapiSync(pg::Pool& db, const Agents& agents, VapiClient& vapi, SyncSettings settings);
  ~VapiSync();

  /// Pushes everything due (agents first, then numbers); returns how many rows succeeded.
  int run_once();
  /// Blocks until a change was committed anywhere (NOTIFY kx_agent_sync, sent by the store) or
  /// `at_most` passed (retries that became due are found by the next run_once()).
  void wait_for_change(std::chrono::milliseconds at_most);

  /// The phone-number body Vapi gets for a number (its name and where its calls are routed).
  std::string number_body(const std::optional<std::string>& agent_name) const;

 private:
  bool sync_agent(const std::string& id);
  bool sync_number(const std::string& id);
  pqxx::connection& session();
  bool try_lock(const std::string& id);
  void unlock(const std::string& id);
  int backoff_ms(int attempts, const VapiError& e) const;

  pg::Pool& db_;
  const Agents& agents_;
  VapiClient& vapi_;
  SyncSettings settings_;
  /// The worker's own session: advisory locks and LISTEN kx_agent_sync.
  std::unique_ptr<pqxx::connection> lock_conn_;
  struct Listener;
  std::unique_ptr<Listener> listener_;
};

}  // namespace kx::agent
