#include "vapi_sync.hpp"

#include <random>
#include <thread>

#include "assistant_spec.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"

namespace kx::agent {
namespace {

constexpr int kBatch = 50;
// After this many failed attempts in a row the card shows the error instead of "wird
// synchronisiert"; the worker keeps retrying either way.
constexpr int kAttemptsBeforeError = 3;

metrics::Counter& pushes(const char* kind, const char* outcome) {
  return metrics::Registry::global().counter("kx_vapi_sync_total",
                                             "Pushes of agents and numbers to Vapi by outcome.",
                                             {{"kind", kind}, {"outcome", outcome}});
}

metrics::Histogram& lag() {
  return metrics::Registry::global().histogram(
      "kx_vapi_sync_lag_seconds", "Time from an agent's change to Vapi having it.", {});
}

// Vapi limits names to 40 characters; cut on a UTF-8 character boundary.
std::string vapi_name(const std::string& name) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < name.size();) {
    auto c = static_cast<unsigned char>(name[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    if (++chars > 40)
      break;
    out.append(name, i, len);
    i += len;
  }
  return out;
}

}  // namespace

struct VapiSync::Listener : pqxx::notification_receiver {
  explicit Listener(pqxx::connection& c) : pqxx::notification_receiver(c, "kx_agent_sync") {}
  void operator()(const std::string&, int) override {}
};

VapiSync::VapiSync(pg::Pool& db, const Agents& agents, VapiClient& vapi, SyncSettings settings)
    : db_(db), agents_(agents), vapi_(vapi), settings_(std::move(settings)) {}

VapiSync::~VapiSync() {
  listener_.reset();  // before its connection
}

pqxx::connection& VapiSync::session() {
  if (!lock_conn_) {
    listener_.reset();
    lock_conn_ = db_.open_dedicated();
    listener_ = std::make_unique<Listener>(*lock_conn_);
  }
  return *lock_conn_;
}

void VapiSync::wait_for_change(std::chrono::milliseconds at_most) {
  try {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(at_most).count();
    session().await_notification(static_cast<long>(us / 1'000'000),
                                 static_cast<long>(us % 1'000'000));
  } catch (const std::exception& e) {
    listener_.reset();
    lock_conn_.reset();
    log::warn("waiting for agent changes failed", {{"error", std::string(e.what())}});
    std::this_thread::sleep_for(at_most);
  }
}

bool VapiSync::try_lock(const std::string& id) {
  auto& conn = session();
  try {
    pqxx::nontransaction tx(conn);
    return tx
        .exec_params("SELECT pg_try_advisory_lock(hashtext('kx-vapi-sync'), hashtext($1))",
                     id)[0][0]
        .as<bool>();
  } catch (const std::exception&) {
    listener_.reset();
    lock_conn_.reset();
    throw;
  }
}

void VapiSync::unlock(const std::string& id) {
  if (!lock_conn_)
    return;
  try {
    pqxx::nontransaction tx(*lock_conn_);
    tx.exec_params("SELECT pg_advisory_unlock(hashtext('kx-vapi-sync'), hashtext($1))", id);
  } catch (const std::exception&) {
    listener_.reset();
    lock_conn_.reset();  // closing the session releases its locks
  }
}

int VapiSync::backoff_ms(int attempts, const VapiError& e) const {
  if (e.retry_after())
    return static_cast<int>(e.retry_after()->count() * 1000);
  static thread_local std::mt19937 rng{std::random_device{}()};
  double base = 1000.0 * (1 << std::min(attempts, 12));
  double capped = std::min(base, 1000.0 * static_cast<double>(settings_.max_backoff.count()));
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  return static_cast<int>(capped * jitter(rng));
}

int VapiSync::run_once() {
  int done = 0;
  auto due = pg::transact(db_, [](pqxx::work& tx) { return AgentStore::agents_due(tx, kBatch); });
  for (const auto& id : due) {
    if (!try_lock(id))
      continue;
    try {
      done += sync_agent(id) ? 1 : 0;
    } catch (...) {
      unlock(id);
      throw;
    }
    unlock(id);
  }
  auto numbers =
      pg::transact(db_, [](pqxx::work& tx) { return AgentStore::numbers_due(tx, kBatch); });
  for (const auto& id : numbers) {
    if (!try_lock(id))
      continue;
    try {
      done += sync_number(id) ? 1 : 0;
    } catch (...) {
      unlock(id);
      throw;
    }
    unlock(id);
  }
  return done;
}

bool VapiSync::sync_agent(const std::string& id) {
  // Read under the lock: another worker may have finished this row since it was listed.
  auto agent =
      pg::transact(db_, [&](pqxx::work& tx) { return AgentStore::agent_for_sync(tx, id); });
  if (!agent || agent->desired_version <= agent->synced_version)
    return false;
  const auto version = agent->desired_version;
  std::optional<std::string> assistant_id = agent->vapi_assistant_id;
  bool assistant_changed = false;
  try {
    // A create that may have reached Vapi before a crash: adopt what it created.
    if (!assistant_id && agent->create_started_at) {
      for (const auto& a : vapi_.assistants_created_since(*agent->create_started_at)) {
        if (a.agent_id == agent->id) {
          if (!assistant_id) {
            assistant_id = a.id;
          } else {
            vapi_.delete_assistant(a.id);  // never more than one per agent
          }
        }
      }
      if (assistant_id) {
        pg::transact(db_, [&](pqxx::work& tx) { AgentStore::set_assistant(tx, id, assistant_id); });
        assistant_changed = true;
      }
    }

    if (agent->deleted) {
      if (assistant_id)
        vapi_.delete_assistant(*assistant_id);
      pg::transact(db_, [&](pqxx::work& tx) {
        agents_.announce_deleted(tx, *agent);
        AgentStore::purge_agent(tx, id);
      });
      pushes("agent", "deleted").inc();
      log::info("assistant deleted", {{"agent_id", id}});
      return true;
    }

    AssistantContext ctx;
    ctx.agent_id = agent->id;
    ctx.user_id = agent->user_id;
    ctx.status = agent->effective_status();
    ctx.calendar = agent->owner.google_connected;
    ctx.server_url = settings_.server_url;
    ctx.server_secret = settings_.server_secret;
    ctx.credential_id = settings_.credential_id;
    ctx.model_provider = settings_.model_provider;
    ctx.model = settings_.model;
    ctx.max_duration_seconds = settings_.max_call_seconds;
    auto body = assistant_body(agent->definition, ctx);

    if (assistant_id) {
      try {
        vapi_.update_assistant(*assistant_id, body);
      } catch (const VapiError& e) {
        if (e.kind() != VapiError::Kind::not_found)
          throw;
        // Deleted in Vapi's dashboard: create it again, the stored state is the truth.
        log::warn("assistant missing in Vapi, creating it again",
                  {{"agent_id", id}, {"vapi_assistant_id", *assistant_id}});
        assistant_id.reset();
        pg::transact(db_, [&](pqxx::work& tx) { AgentStore::set_assistant(tx, id, std::nullopt); });
      }
    }
    if (!assistant_id) {
      pg::transact(db_, [&](pqxx::work& tx) { AgentStore::note_create_started(tx, id); });
      assistant_id = vapi_.create_assistant(body);
      assistant_changed = true;
      pg::transact(db_, [&](pqxx::work& tx) { AgentStore::set_assistant(tx, id, assistant_id); });
    }

    auto seconds = pg::transact(db_, [&](pqxx::work& tx) {
      auto lag_seconds = AgentStore::mark_synced(tx, id, version);
      agents_.announce(tx, id, assistant_changed);
      return lag_seconds;
    });
    pushes("agent", "ok").inc();
    lag().observe(seconds);
    return true;
  } catch (const VapiError& e) {
    int delay = backoff_ms(agent->sync_attempts, e);
    bool give_up =
        e.kind() == VapiError::Kind::rejected || agent->sync_attempts + 1 >= kAttemptsBeforeError;
    pg::transact(db_, [&](pqxx::work& tx) {
      AgentStore::mark_sync_failed(tx, id, version, e.german(), delay, give_up);
    });
    pushes("agent", e.kind() == VapiError::Kind::rejected ? "rejected" : "retry").inc();
    log::warn("assistant sync failed", {{"agent_id", id},
                                        {"status", e.status()},
                                        {"detail", std::string(e.what())},
                                        {"retry_in_ms", delay}});
    return false;
  }
}

std::string VapiSync::number_body(const std::optional<std::string>& agent_name) const {
  json::Writer w;
  w.begin_object().field("name", vapi_name(agent_name ? *agent_name : "Kametrix (frei)"));
  // No assistantId: Vapi asks our server (assistant-request) on every call, so routing, pauses
  // and the caller's local date stay with telephony-webhook.
  w.key("server").begin_object().field("url", settings_.server_url).field("timeoutSeconds", 20);
  if (!settings_.credential_id.empty()) {
    w.field("credentialId", settings_.credential_id);
  } else if (!settings_.server_secret.empty()) {
    w.key("headers").begin_object().field("X-Vapi-Secret", settings_.server_secret).end_object();
  }
  w.end_object().end_object();
  return w.str();
}

bool VapiSync::sync_number(const std::string& id) {
  struct Work {
    std::optional<PhoneNumberRow> number;
    std::optional<AgentRow> agent;
  };
  auto work = pg::transact(db_, [&](pqxx::work& tx) {
    Work w;
    w.number = AgentStore::number(tx, id);
    if (w.number && w.number->agent_id)
      w.agent = AgentStore::agent_for_sync(tx, *w.number->agent_id);
    return w;
  });
  auto& number = work.number;
  if (!number || number->desired_version <= number->synced_version)
    return false;
  // The assignment is announced after the agent is (telephony learns the agent first).
  if (work.agent && !work.agent->announced) {
    pg::transact(db_, [&](pqxx::work& tx) {
      tx.exec_params(
          "UPDATE phone_numbers SET next_sync_at = now() + interval '1 second' "
          "WHERE id = $1::uuid",
          id);
    });
    return false;
  }
  const auto version = number->desired_version;
  std::optional<std::string> agent_id, user_id, name;
  if (work.agent && !work.agent->deleted) {
    agent_id = work.agent->id;
    user_id = work.agent->user_id;
    name = work.agent->definition.name;
  }
  try {
    vapi_.update_phone_number(number->vapi_phone_number_id, number_body(name));
    pg::transact(db_, [&](pqxx::work& tx) {
      agents_.announce_number(tx, *number, agent_id, user_id);
      AgentStore::mark_number_synced(tx, id, version, agent_id, user_id);
      // The agent's event payload carries its announced number.
      if (agent_id && number->synced_agent_id != agent_id)
        agents_.announce(tx, *agent_id, true);
      // Free only from now on (Vapi and telephony know): the agent waiting longest gets it.
      if (!agent_id && number->synced_agent_id)
        agents_.assign_waiting(tx);
    });
    pushes("phone_number", "ok").inc();
    return true;
  } catch (const VapiError& e) {
    int delay = backoff_ms(number->sync_attempts, e);
    pg::transact(db_, [&](pqxx::work& tx) {
      AgentStore::mark_number_sync_failed(tx, id, version, e.german(), delay);
    });
    pushes("phone_number", "retry").inc();
    log::warn("phone number sync failed",
              {{"phone_number_id", id}, {"status", e.status()}, {"detail", std::string(e.what())}});
    return false;
  }
}

}  // namespace kx::agent
