// The Vapi sync worker and the phone-number pool against a real PostgreSQL schema and the
// provider sandbox's Vapi API running in this process: what Vapi holds after each push, which
// events the outbox holds, and that faults, crashes, deletions in Vapi's dashboard and a second
// replica never leave an agent with two assistants or lose an edit.
#include <gtest/gtest.h>

#include <barrier>
#include <thread>

#include "agent_db.hpp"
#include "kx/http/server.hpp"
#include "kx/json/json.hpp"
#include "phone_pool.hpp"
#include "sandbox.hpp"
#include "vapi_sync.hpp"

namespace kx::agent {
namespace {

using sandbox::VapiKind;
using namespace std::chrono_literals;

const std::string kVapiKey = "vapi-test-private-key";
const std::string kServerUrl = "https://gateway.kametrix.test/webhooks/vapi";
const char* kPostAssistant = "POST /vapi/assistant";
const char* kPatchAssistant = "PATCH /vapi/assistant/{id}";
const char* kPatchNumber = "PATCH /vapi/phone-number/{id}";
const std::string kRateLimited =
    "Vapi nimmt gerade keine Änderungen an (zu viele Anfragen). Wir versuchen es automatisch "
    "erneut.";
constexpr auto kClientTimeout = 1500ms;
// A create this slow is done by Vapi, but the worker has stopped waiting for the answer.
constexpr int kSlowerThanTheClientMs = 2500;

class VapiSyncTest : public ::testing::Test {
 protected:
  VapiSyncTest() {
    http::Router providers;
    sandbox::add_vapi_api_routes(providers, sandbox::SandboxSettings{.vapi_api_key = kVapiKey},
                                 store_, control_);
    sandbox_ = std::make_unique<http::Server>(
        http::ServerOptions{.service_name = "sandbox", .worker_threads = 4}, providers);
    auto base = "http://127.0.0.1:" + std::to_string(sandbox_->start()) + "/vapi";
    vapi_ = std::make_unique<VapiClient>(base, kVapiKey,
                                         http::ClientOptions{.request_timeout = kClientTimeout});
    sync_ = replica();
    phone_pool_ = std::make_unique<PhonePool>(db_.pool, db_.agents, *vapi_);
  }
  ~VapiSyncTest() override {
    control_.clear();
    sync_.reset();
    sandbox_->stop();
    sandbox_->wait();
  }

  /// A worker as one replica of the service runs it (with its own lock session).
  std::unique_ptr<VapiSync> replica() {
    return std::make_unique<VapiSync>(
        db_.pool, db_.agents, *vapi_,
        SyncSettings{.server_url = kServerUrl, .server_secret = "test-vapi-webhook-secret"});
  }

  static Definition definition(const std::string& name, const std::string& greeting,
                               const std::string& farewell = "Auf Wiederhören!") {
    json::Writer w;
    w.begin_object().field("name", name).field("greeting", greeting);
    w.field("farewell", farewell).end_object();
    return read_definition(json::parse(w.str()));
  }

  AgentRow create(const std::string& user, const std::string& name) {
    return pg::transact(db_.pool, [&](pqxx::work& tx) {
      return db_.agents.create(tx, user, definition(name, name + ", guten Tag!"));
    });
  }

  void edit_greeting(const std::string& id, const std::string& greeting) {
    pg::transact(db_.pool, [&](pqxx::work& tx) { edit_greeting(tx, id, greeting); });
  }
  void edit_greeting(pqxx::work& tx, const std::string& id, const std::string& greeting) {
    auto row = *AgentStore::agent(tx, id, std::nullopt, true);
    auto d = row.definition;
    d.greeting = greeting;
    db_.agents.update(tx, row, d);
  }

  void remove(const std::string& id) {
    pg::transact(db_.pool, [&](pqxx::work& tx) {
      db_.agents.remove(tx, *AgentStore::agent(tx, id, std::nullopt, true));
    });
  }

  std::optional<AgentRow> load(const std::string& id) {
    return pg::transact(db_.pool,
                        [&](pqxx::work& tx) { return AgentStore::agent_for_sync(tx, id); });
  }

  PhoneNumberRow number(const std::string& e164) {
    return *pg::transact(db_.pool,
                         [&](pqxx::work& tx) { return AgentStore::number_by_e164(tx, e164); });
  }

  /// A number Vapi has (seeded in the sandbox) added to the pool by an admin.
  void add_to_pool(const std::string& e164) {
    auto in_vapi = store_.number_by_e164(e164);
    ASSERT_TRUE(in_vapi) << e164;
    pg::transact(db_.pool, [&](pqxx::work& tx) {
      AgentStore::add_number(tx, "00000000-0000-4000-8000-" + e164.substr(e164.size() - 12), e164,
                             in_vapi->id);
    });
  }

  /// Time passes: every retry that is waiting for its backoff is due now.
  void backoff_elapses() {
    pg::transact(db_.pool, [](pqxx::work& tx) {
      tx.exec("UPDATE agents SET next_sync_at = now() WHERE next_sync_at > now()");
      tx.exec("UPDATE phone_numbers SET next_sync_at = now() WHERE next_sync_at > now()");
    });
  }

  template <typename T = std::int64_t>
  T scalar(const std::string& sql, const std::string& param) {
    return pg::transact(db_.pool,
                        [&](pqxx::work& tx) { return tx.exec_params1(sql, param)[0].as<T>(); });
  }
  double seconds_until_next_sync(const std::string& id) {
    return scalar<double>(
        "SELECT extract(epoch FROM next_sync_at - now()) FROM agents WHERE id = $1::uuid", id);
  }

  /// The outbox's events of one type, oldest first.
  std::vector<json::Document> published(const std::string& topic) {
    std::vector<json::Document> out;
    for (const auto& [t, data] : outbox())
      if (t == topic)
        out.push_back(json::parse(data));
    return out;
  }
  /// Every event's type, oldest first.
  std::vector<std::string> topics() {
    std::vector<std::string> out;
    for (const auto& [t, data] : outbox())
      out.push_back(t);
    return out;
  }
  std::vector<std::pair<std::string, std::string>> outbox() {
    return pg::transact(db_.pool, [](pqxx::work& tx) {
      std::vector<std::pair<std::string, std::string>> out;
      for (const auto& r : tx.exec("SELECT topic, data FROM outbox ORDER BY seq"))
        out.emplace_back(r[0].as<std::string>(), r[1].as<std::string>());
      return out;
    });
  }

  /// The assistants Vapi holds whose metadata names this agent.
  std::vector<sandbox::VapiObject> assistants_of(const std::string& agent_id) {
    std::vector<sandbox::VapiObject> out;
    for (auto& a : store_.list(VapiKind::assistant)) {
      if (a.fields.count("metadata") &&
          json::get_string(json::parse(a.fields.at("metadata")), "kametrix_agent_id") == agent_id)
        out.push_back(std::move(a));
    }
    return out;
  }
  sandbox::VapiObject the_assistant_of(const std::string& agent_id) {
    auto all = assistants_of(agent_id);
    EXPECT_EQ(all.size(), 1u) << "assistants of agent " << agent_id;
    return all.empty() ? sandbox::VapiObject{} : all.front();
  }
  /// The worker recorded that it was creating the assistant, then the process died (whether
  /// Vapi created it is unknown).
  void crashed_while_creating(const std::string& agent_id) {
    pg::transact(db_.pool, [&](pqxx::work& tx) {
      tx.exec_params(
          "UPDATE agents SET create_started_at = now() - interval '1 second' WHERE id = $1::uuid",
          agent_id);
    });
  }
  /// An assistant as a create that reached Vapi before the worker could record its id leaves it.
  std::string orphan_assistant(const std::string& agent_id) {
    return store_
        .insert(VapiKind::assistant,
                {{"name", R"("Vor dem Absturz")"},
                 {"metadata", R"({"kametrix_agent_id":")" + agent_id + R"("})"}})
        .id;
  }

  static json::Document field(const sandbox::VapiObject& o, const std::string& name) {
    auto it = o.fields.find(name);
    return json::parse(it == o.fields.end() ? "null" : it->second);
  }

  void fault(const std::string& method, const std::string& path_prefix, int status, int count,
             int retry_after = -1, int delay_ms = 0) {
    control_.add(sandbox::Fault{.method = method,
                                .path_prefix = path_prefix,
                                .status = status,
                                .retry_after = retry_after,
                                .delay_ms = delay_ms,
                                .count = count});
  }
  std::int64_t requests(const char* route) {
    return json::get_int(json::parse(control_.stats_json())["requests"], route);
  }

  /// Waits for a condition another thread or the sandbox brings about; false after `at_most`.
  template <typename Fn>
  static bool eventually(Fn&& condition, std::chrono::milliseconds at_most = 10s) {
    auto deadline = std::chrono::steady_clock::now() + at_most;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  testing::AgentDb db_;
  // Three numbers bought in Vapi: +493055500001 … +493055500003.
  sandbox::VapiStore store_{3};
  sandbox::Control control_;
  std::unique_ptr<http::Server> sandbox_;
  std::unique_ptr<VapiClient> vapi_;
  std::unique_ptr<VapiSync> sync_;
  std::unique_ptr<PhonePool> phone_pool_;
};

// --- creating and editing ---------------------------------------------------------------------

TEST_F(VapiSyncTest, ACreatedAgentGetsOneAssistantAndItsNumberIsAnnouncedAfterIt) {
  add_to_pool("+493055500001");
  auto agent = pg::transact(db_.pool, [&](pqxx::work& tx) {
    return db_.agents.create(
        tx, "owner-1",
        definition("Salon Lind", "Salon Lind, guten Tag!", "Bis bald im Salon Lind!"));
  });
  ASSERT_TRUE(agent.number);
  EXPECT_TRUE(topics().empty());  // nothing to announce before the assistant exists

  // Vapi fails the creation: the number waits for its agent instead of being announced first.
  fault("POST", "/vapi/assistant", 500, 1);
  EXPECT_EQ(sync_->run_once(), 0);
  EXPECT_TRUE(topics().empty());
  EXPECT_FALSE(store_.number_by_e164("+493055500001")->fields.count("name"));
  EXPECT_EQ(number("+493055500001").synced_version, 0);

  backoff_elapses();
  EXPECT_EQ(sync_->run_once(), 2);
  auto assistant = the_assistant_of(agent.id);
  EXPECT_EQ(assistant.text("name"), "Salon Lind");
  EXPECT_EQ(assistant.text("firstMessage"), "Salon Lind, guten Tag!");
  EXPECT_EQ(assistant.text("endCallMessage"), "Bis bald im Salon Lind!");
  auto metadata = field(assistant, "metadata");
  EXPECT_EQ(metadata["kametrix_agent_id"], agent.id.c_str());
  EXPECT_EQ(metadata["kametrix_user_id"], "owner-1");
  EXPECT_EQ(metadata["kametrix_status"], "active");

  auto row = *load(agent.id);
  EXPECT_EQ(row.vapi_assistant_id, assistant.id);
  EXPECT_EQ(row.synced_version, row.desired_version);
  EXPECT_EQ(row.sync_state, "synced");
  EXPECT_FALSE(row.sync_error);

  // The number is named after the agent and routed to our webhook, never to a fixed assistant.
  auto vapi_number = *store_.number_by_e164("+493055500001");
  EXPECT_EQ(vapi_number.text("name"), "Salon Lind");
  EXPECT_EQ(field(vapi_number, "server")["url"], kServerUrl.c_str());
  EXPECT_FALSE(vapi_number.fields.count("assistantId"));

  // agent.created first (telephony learns the agent), then the number, then the agent with it.
  EXPECT_EQ(topics(),
            (std::vector<std::string>{"agent.created", "phone_number.assigned", "agent.updated"}));
  auto created = published("agent.created");
  EXPECT_EQ(created[0]["vapi_assistant_id"], assistant.id.c_str());
  auto assigned = published("phone_number.assigned");
  EXPECT_EQ(assigned[0]["agent_id"], agent.id.c_str());
  EXPECT_EQ(assigned[0]["e164"], "+493055500001");
  EXPECT_EQ(published("agent.updated")[0]["phone_number"], "+493055500001");

  // Nothing is due any more: no request, no event.
  control_.reset_stats();
  EXPECT_EQ(sync_->run_once(), 0);
  EXPECT_EQ(control_.stats_json().find("/vapi/"), std::string::npos) << control_.stats_json();
  EXPECT_EQ(topics().size(), 3u);
}

TEST_F(VapiSyncTest, AnEditMadeWhileAPushIsUnderWayIsPushedNext) {
  auto agent = create("owner-1", "Praxis Ost");
  ASSERT_EQ(sync_->run_once(), 1);
  edit_greeting(agent.id, "Zweite Fassung.");
  ASSERT_EQ(load(agent.id)->desired_version, 2);
  auto assistant_id = *load(agent.id)->vapi_assistant_id;

  // The worker reads version 2 and sends it; the owner's next edit is stored while Vapi is
  // applying it, and commits before the worker records what it pushed (the edit's row lock
  // makes the recording wait).
  std::thread worker([&] { sync_->run_once(); });
  pg::transact(db_.pool, [&](pqxx::work& tx) {
    edit_greeting(tx, agent.id, "Dritte Fassung.");
    EXPECT_TRUE(eventually([&] {
      return store_.find(VapiKind::assistant, assistant_id)->text("firstMessage") ==
             "Zweite Fassung.";
    }));
  });
  worker.join();

  auto row = *load(agent.id);
  EXPECT_EQ(row.synced_version, 2);
  EXPECT_EQ(row.desired_version, 3);
  EXPECT_EQ(row.sync_state, "pending");

  EXPECT_EQ(sync_->run_once(), 1);
  EXPECT_EQ(the_assistant_of(agent.id).text("firstMessage"), "Dritte Fassung.");
  row = *load(agent.id);
  EXPECT_EQ(row.synced_version, 3);
  EXPECT_EQ(row.sync_state, "synced");
  EXPECT_EQ(requests(kPatchAssistant), 2);
  EXPECT_EQ(published("agent.created").size(), 1u);
}

// --- failures -----------------------------------------------------------------------------------

TEST_F(VapiSyncTest, ServerErrorsAreRetriedIntoExactlyOneAssistant) {
  auto agent = create("owner-1", "Pizzeria Da Enzo");
  fault("POST", "/vapi/assistant", 500, 2);
  for (int attempt = 1; attempt <= 2; ++attempt) {
    EXPECT_EQ(sync_->run_once(), 0);
    auto row = *load(agent.id);
    EXPECT_EQ(row.sync_attempts, attempt);
    EXPECT_EQ(row.sync_state, "pending");
    EXPECT_EQ(row.sync_error,
              "Vapi meldet einen vorübergehenden Fehler (HTTP 500). Wir versuchen es "
              "automatisch erneut.");
    // Exponential backoff with jitter: 0.5–1 s, then 1–2 s.
    EXPECT_GT(seconds_until_next_sync(agent.id), 0.4 * (1 << (attempt - 1)));
    EXPECT_LE(seconds_until_next_sync(agent.id), 1.0 * (1 << (attempt - 1)));
    EXPECT_EQ(sync_->run_once(), 0);  // not due before the backoff has passed
    EXPECT_EQ(requests(kPostAssistant), attempt);
    backoff_elapses();
  }
  EXPECT_EQ(sync_->run_once(), 1);
  EXPECT_EQ(requests(kPostAssistant), 3);
  EXPECT_EQ(store_.list(VapiKind::assistant).size(), 1u);
  auto row = *load(agent.id);
  EXPECT_EQ(row.vapi_assistant_id, the_assistant_of(agent.id).id);
  EXPECT_EQ(row.sync_state, "synced");
  EXPECT_EQ(row.sync_attempts, 0);
  EXPECT_FALSE(row.sync_error);
  EXPECT_EQ(published("agent.created").size(), 1u);
}

TEST_F(VapiSyncTest, RateLimitsWaitForRetryAfterAndThreeFailuresShowAGermanError) {
  auto agent = create("owner-1", "Autohaus Berg");
  ASSERT_EQ(sync_->run_once(), 1);
  fault("PATCH", "/vapi/assistant", 429, 3, /*retry_after=*/120);
  edit_greeting(agent.id, "Autohaus Berg, was können wir für Sie tun?");

  for (int attempt = 1; attempt <= 3; ++attempt) {
    if (attempt > 1)
      backoff_elapses();
    EXPECT_EQ(sync_->run_once(), 0);
    auto row = *load(agent.id);
    EXPECT_EQ(row.sync_attempts, attempt);
    EXPECT_EQ(row.sync_error, kRateLimited);
    EXPECT_EQ(row.sync_state, attempt < 3 ? "pending" : "error") << "attempt " << attempt;
    auto wait = seconds_until_next_sync(agent.id);
    EXPECT_GT(wait, 110);
    EXPECT_LE(wait, 120);
    EXPECT_EQ(sync_->run_once(), 0);  // Vapi said when: not asked again before then
    EXPECT_EQ(requests(kPatchAssistant), attempt);
  }

  // Vapi takes changes again and the owner edits once more: retried at once, not in 2 minutes.
  edit_greeting(agent.id, "Autohaus Berg, guten Tag!");
  EXPECT_EQ(load(agent.id)->sync_state, "error");  // until Vapi has it
  EXPECT_EQ(sync_->run_once(), 1);
  auto row = *load(agent.id);
  EXPECT_EQ(row.sync_state, "synced");
  EXPECT_FALSE(row.sync_error);
  EXPECT_EQ(row.sync_attempts, 0);
  EXPECT_EQ(row.synced_version, row.desired_version);
  EXPECT_EQ(the_assistant_of(agent.id).text("firstMessage"), "Autohaus Berg, guten Tag!");
  // The two edits announced themselves; the pushes changed no assistant id.
  EXPECT_EQ(published("agent.updated").size(), 2u);
}

TEST_F(VapiSyncTest, AnEditMadeWhileAPushFailsIsRetriedAtOnceNotAfterTheBackoff) {
  auto agent = create("owner-1", "Autohaus Berg");
  ASSERT_EQ(sync_->run_once(), 1);
  edit_greeting(agent.id, "Zweite Fassung.");
  fault("PATCH", "/vapi/assistant", 429, 1, /*retry_after=*/120);

  // The owner's edit commits while Vapi refuses the older version.
  std::thread worker([&] { sync_->run_once(); });
  pg::transact(db_.pool, [&](pqxx::work& tx) {
    edit_greeting(tx, agent.id, "Dritte Fassung.");
    EXPECT_TRUE(eventually([&] { return requests(kPatchAssistant) == 1; }));
  });
  worker.join();
  EXPECT_EQ(load(agent.id)->sync_error, kRateLimited);
  EXPECT_LE(seconds_until_next_sync(agent.id), 0);

  EXPECT_EQ(sync_->run_once(), 1);
  EXPECT_EQ(the_assistant_of(agent.id).text("firstMessage"), "Dritte Fassung.");
  EXPECT_EQ(load(agent.id)->sync_state, "synced");
}

TEST_F(VapiSyncTest, ARejectedBodyShowsTheErrorAtOnce) {
  auto agent = create("owner-1", "Bäckerei Korn");
  fault("POST", "/vapi/assistant", 400, 1);
  EXPECT_EQ(sync_->run_once(), 0);
  auto row = *load(agent.id);
  EXPECT_EQ(row.sync_state, "error");
  ASSERT_TRUE(row.sync_error);
  EXPECT_EQ(row.sync_error->rfind("Vapi hat die Einstellungen abgelehnt (HTTP 400", 0), 0u)
      << *row.sync_error;
  EXPECT_TRUE(store_.list(VapiKind::assistant).empty());
}

// --- exactly one assistant per agent ----------------------------------------------------------

TEST_F(VapiSyncTest, AnAssistantCreatedBeforeACrashIsAdoptedNotDuplicated) {
  auto agent = create("owner-1", "Kanzlei Roth");
  crashed_while_creating(agent.id);
  auto orphan = orphan_assistant(agent.id);
  auto someone_elses = orphan_assistant("00000000-0000-4000-8000-0000000000aa");

  EXPECT_EQ(sync_->run_once(), 1);
  EXPECT_EQ(requests(kPostAssistant), 0);
  auto row = *load(agent.id);
  EXPECT_EQ(row.vapi_assistant_id, orphan);
  EXPECT_EQ(row.sync_state, "synced");
  // Adopted and brought to the stored state.
  auto assistant = the_assistant_of(agent.id);
  EXPECT_EQ(assistant.id, orphan);
  EXPECT_EQ(assistant.text("firstMessage"), "Kanzlei Roth, guten Tag!");
  EXPECT_TRUE(store_.find(VapiKind::assistant, someone_elses));
  auto created = published("agent.created");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0]["vapi_assistant_id"], orphan.c_str());
}

TEST_F(VapiSyncTest, OfTwoOrphanedAssistantsOneIsAdoptedAndTheOtherDeleted) {
  auto agent = create("owner-1", "Kanzlei Roth");
  crashed_while_creating(agent.id);
  auto first = orphan_assistant(agent.id);
  auto second = orphan_assistant(agent.id);

  EXPECT_EQ(sync_->run_once(), 1);
  EXPECT_EQ(requests(kPostAssistant), 0);
  auto kept = the_assistant_of(agent.id);
  EXPECT_TRUE(kept.id == first || kept.id == second) << kept.id;
  EXPECT_EQ(load(agent.id)->vapi_assistant_id, kept.id);
  EXPECT_EQ(store_.list(VapiKind::assistant).size(), 1u);
  EXPECT_EQ(published("agent.created").size(), 1u);
}

TEST_F(VapiSyncTest, ACreateThatTimedOutButReachedVapiIsAdoptedNotRepeated) {
  auto agent = create("owner-1", "Tischlerei Holm");
  fault("POST", "/vapi/assistant", 0, 1, -1, kSlowerThanTheClientMs);
  EXPECT_EQ(sync_->run_once(), 0);
  EXPECT_EQ(load(agent.id)->sync_error,
            "Vapi ist nicht erreichbar. Wir versuchen es automatisch erneut.");
  // Vapi finishes the creation after the worker gave up waiting.
  ASSERT_TRUE(eventually([&] { return assistants_of(agent.id).size() == 1; }));

  backoff_elapses();
  EXPECT_EQ(sync_->run_once(), 1);
  EXPECT_EQ(requests(kPostAssistant), 1);
  EXPECT_EQ(load(agent.id)->vapi_assistant_id, the_assistant_of(agent.id).id);
  EXPECT_EQ(published("agent.created").size(), 1u);
}

TEST_F(VapiSyncTest, AnAssistantDeletedInVapisDashboardIsCreatedAgain) {
  auto agent = create("owner-1", "Blumen Haas");
  ASSERT_EQ(sync_->run_once(), 1);
  auto old_id = *load(agent.id)->vapi_assistant_id;
  ASSERT_TRUE(store_.remove(VapiKind::assistant, old_id));
  edit_greeting(agent.id, "Blumen Haas, schön, dass Sie anrufen!");
  ASSERT_EQ(published("agent.updated").size(), 1u);  // the edit, still with the old id

  EXPECT_EQ(sync_->run_once(), 1);
  auto assistant = the_assistant_of(agent.id);
  EXPECT_NE(assistant.id, old_id);
  EXPECT_EQ(assistant.text("firstMessage"), "Blumen Haas, schön, dass Sie anrufen!");
  auto row = *load(agent.id);
  EXPECT_EQ(row.vapi_assistant_id, assistant.id);
  EXPECT_EQ(row.sync_state, "synced");
  // Telephony routes by the new id from now on.
  auto updated = published("agent.updated");
  ASSERT_EQ(updated.size(), 2u);
  EXPECT_EQ(updated[1]["vapi_assistant_id"], assistant.id.c_str());
  EXPECT_EQ(published("agent.created").size(), 1u);
}

TEST_F(VapiSyncTest, AnAgentWhoseAssistantVanishedIsStillAnnouncedByTheIdTelephonyKnows) {
  auto agent = create("owner-1", "Optik Lenz");
  ASSERT_EQ(sync_->run_once(), 1);
  auto old_id = *load(agent.id)->vapi_assistant_id;
  ASSERT_TRUE(store_.remove(VapiKind::assistant, old_id));
  fault("POST", "/vapi/assistant", 500, -1);  // and Vapi cannot create a new one for now
  edit_greeting(agent.id, "Optik Lenz, guten Tag!");
  EXPECT_EQ(sync_->run_once(), 0);  // 404 on the update, then the create fails
  EXPECT_FALSE(load(agent.id)->vapi_assistant_id);

  // An edit meanwhile is announced with the id telephony routes by (not refused for lack of one).
  edit_greeting(agent.id, "Optik Lenz, herzlich willkommen!");
  auto updated = published("agent.updated");
  ASSERT_FALSE(updated.empty());
  EXPECT_EQ(updated.back()["vapi_assistant_id"], old_id.c_str());
  // Deleted before Vapi recovered: agent.deleted still tells telephony which assistant to drop.
  remove(agent.id);
  control_.clear();
  sync_->run_once();
  auto deleted = published("agent.deleted");
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0]["vapi_assistant_id"], old_id.c_str());
  EXPECT_TRUE(assistants_of(agent.id).empty());
}

TEST_F(VapiSyncTest, TwoReplicasNeverCreateTwoAssistantsForOneAgent) {
  constexpr int kAgents = 6;
  std::vector<std::string> ids;
  for (int i = 0; i < kAgents; ++i)
    ids.push_back(create("owner-" + std::to_string(i), "Agent " + std::to_string(i)).id);
  // Slow creations keep each replica inside a push while the other reaches the same rows.
  fault("POST", "/vapi/assistant", 0, -1, -1, 150);

  auto other = replica();
  std::barrier start(2);
  int done[2] = {0, 0};
  std::thread a([&] {
    start.arrive_and_wait();
    done[0] = sync_->run_once();
  });
  std::thread b([&] {
    start.arrive_and_wait();
    done[1] = other->run_once();
  });
  a.join();
  b.join();

  EXPECT_EQ(done[0] + done[1], kAgents);
  EXPECT_EQ(requests(kPostAssistant), kAgents);
  EXPECT_EQ(store_.list(VapiKind::assistant).size(), static_cast<std::size_t>(kAgents));
  for (const auto& id : ids) {
    EXPECT_EQ(load(id)->vapi_assistant_id, the_assistant_of(id).id);
    EXPECT_EQ(load(id)->sync_state, "synced");
  }
  EXPECT_EQ(published("agent.created").size(), static_cast<std::size_t>(kAgents));
}

// --- deleting -----------------------------------------------------------------------------------

TEST_F(VapiSyncTest, ADeletedAgentsAssistantIsDeletedAndItsNumberFreedOnlyAfterTheReleasePush) {
  add_to_pool("+493055500001");
  auto leaving = create("owner-1", "Café Mohn");
  ASSERT_TRUE(leaving.number);
  ASSERT_EQ(sync_->run_once(), 2);
  auto assistant_id = *load(leaving.id)->vapi_assistant_id;
  auto waiting = create("owner-2", "Eisdiele Nord");
  ASSERT_FALSE(waiting.number);

  remove(leaving.id);
  EXPECT_FALSE(load(waiting.id)->number);  // Vapi and telephony still route it to the café
  // Vapi refuses the number's update once: the assistant goes, the number stays taken.
  fault("PATCH", "/vapi/phone-number", 500, 1);
  sync_->run_once();
  EXPECT_FALSE(store_.find(VapiKind::assistant, assistant_id));
  EXPECT_FALSE(load(leaving.id));
  auto deleted = published("agent.deleted");
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0]["agent_id"], leaving.id.c_str());
  EXPECT_EQ(deleted[0]["vapi_assistant_id"], assistant_id.c_str());
  EXPECT_TRUE(published("phone_number.released").empty());
  EXPECT_EQ(store_.number_by_e164("+493055500001")->text("name"), "Café Mohn");
  EXPECT_FALSE(load(waiting.id)->number);
  EXPECT_FALSE(create("owner-3", "Kiosk Süd").number);

  backoff_elapses();
  sync_->run_once();
  EXPECT_EQ(published("agent.deleted").size(), 1u);
  auto released = published("phone_number.released");
  ASSERT_EQ(released.size(), 1u);
  EXPECT_EQ(released[0]["agent_id"], leaving.id.c_str());
  EXPECT_EQ(released[0]["user_id"], "owner-1");
  EXPECT_EQ(released[0]["e164"], "+493055500001");
  EXPECT_EQ(store_.number_by_e164("+493055500001")->text("name"), "Kametrix (frei)");
  EXPECT_EQ(requests(kPatchNumber), 3);  // assigned, refused, released

  // Free now: it goes to the agent that has waited longest, and Vapi learns its new name.
  auto handed_on = load(waiting.id)->number;
  ASSERT_TRUE(handed_on);
  EXPECT_EQ(handed_on->e164, "+493055500001");
  sync_->run_once();
  EXPECT_EQ(store_.number_by_e164("+493055500001")->text("name"), "Eisdiele Nord");
  auto assigned = published("phone_number.assigned");
  ASSERT_EQ(assigned.size(), 2u);
  EXPECT_EQ(assigned[1]["agent_id"], waiting.id.c_str());
  EXPECT_EQ(published("phone_number.released").size(), 1u);
}

TEST_F(VapiSyncTest, AnAgentDeletedBeforeItsFirstSyncLeavesNothingBehind) {
  auto agent = create("owner-1", "Gärtnerei Lau");
  remove(agent.id);
  EXPECT_EQ(sync_->run_once(), 1);
  EXPECT_FALSE(load(agent.id));
  EXPECT_TRUE(store_.list(VapiKind::assistant).empty());
  EXPECT_TRUE(topics().empty());  // never announced, so nothing to take back
}

// --- the pool -----------------------------------------------------------------------------------

TEST_F(VapiSyncTest, TheImportAddsVapiNumbersOnceKeepsRemovedOnesOutAndServesWaitingAgents) {
  auto first = create("owner-1", "Erster");
  auto second = create("owner-2", "Zweiter");
  EXPECT_EQ(pg::transact(db_.pool, AgentStore::pool_summary).agents_without_number, 2);

  auto result = phone_pool_->import_from_vapi();
  EXPECT_EQ(result.added, 3);
  EXPECT_EQ(result.total, 3);
  auto summary = pg::transact(db_.pool, AgentStore::pool_summary);
  EXPECT_EQ(summary.total, 3);
  EXPECT_EQ(summary.assigned, 2);
  EXPECT_EQ(summary.agents_without_number, 0);
  ASSERT_TRUE(load(first.id)->number);
  ASSERT_TRUE(load(second.id)->number);
  EXPECT_NE(load(first.id)->number->id, load(second.id)->number->id);

  EXPECT_EQ(phone_pool_->import_from_vapi().added, 0);

  // The admin removes the free number: the next import does not bring it back.
  auto free = pg::transact(db_.pool, [](pqxx::work& tx) {
    std::int64_t total = 0;
    return AgentStore::numbers(tx, NumberFilter{.status = "available"}, total);
  });
  ASSERT_EQ(free.size(), 1u);
  pg::transact(db_.pool, [&](pqxx::work& tx) { AgentStore::remove_number(tx, free[0].id); });
  auto third = create("owner-3", "Dritter");
  EXPECT_FALSE(third.number);
  EXPECT_EQ(phone_pool_->import_from_vapi().added, 0);
  EXPECT_TRUE(number(free[0].e164).removed);
  EXPECT_FALSE(load(third.id)->number);

  // A number bought in Vapi meanwhile is imported and goes to the waiting agent.
  store_.insert(
      VapiKind::phone_number,
      {{"provider", R"("vapi")"}, {"number", R"("+493055519999")"}, {"status", R"("active")"}});
  result = phone_pool_->import_from_vapi();
  EXPECT_EQ(result.added, 1);
  EXPECT_EQ(result.total, 4);
  ASSERT_TRUE(load(third.id)->number);
  EXPECT_EQ(load(third.id)->number->e164, "+493055519999");

  // Every number is pushed to Vapi once the agents exist there.
  sync_->run_once();
  for (const auto& a : {first, second, third}) {
    auto n = load(a.id)->number;
    EXPECT_EQ(store_.find(VapiKind::phone_number, n->vapi_phone_number_id)->text("name"),
              a.definition.name);
  }
  EXPECT_EQ(published("phone_number.assigned").size(), 3u);
}

}  // namespace
}  // namespace kx::agent
