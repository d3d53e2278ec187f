// The agent service's tables against a real PostgreSQL schema: numbers handed out under
// concurrency, versions that never lose an edit, owner facts that late events cannot undo, and
// the events every change publishes.
#include <gtest/gtest.h>

#include <barrier>
#include <thread>

#include "agent_db.hpp"
#include "event_handlers.hpp"
#include "kx/json/json.hpp"

namespace kx::agent {
namespace {

class AgentStoreTest : public ::testing::Test {
 protected:
  static Definition definition(const std::string& name) {
    auto doc = json::parse(R"({"name": ")" + name + R"(", "greeting": "Guten Tag!"})");
    return read_definition(doc);
  }

  AgentRow create(const std::string& user, const std::string& name) {
    return pg::transact(
        db_.pool, [&](pqxx::work& tx) { return db_.agents.create(tx, user, definition(name)); });
  }

  void add_number(const std::string& e164) {
    pg::transact(db_.pool, [&](pqxx::work& tx) {
      AgentStore::add_number(tx, crypto_id(), e164, "pn-" + e164);
    });
  }

  static std::string crypto_id() {
    static int n = 0;
    char buf[40];
    std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012d", ++n);
    return buf;
  }

  std::int64_t scalar(const std::string& sql) {
    return pg::transact(db_.pool,
                        [&](pqxx::work& tx) { return tx.exec1(sql)[0].as<std::int64_t>(); });
  }

  std::vector<json::Document> published(const std::string& type) {
    return pg::transact(db_.pool, [&](pqxx::work& tx) {
      std::vector<json::Document> out;
      for (const auto& r :
           tx.exec_params("SELECT data FROM outbox WHERE topic = $1 ORDER BY seq", type))
        out.push_back(json::parse(r[0].as<std::string>()));
      return out;
    });
  }

  AgentRow load(const std::string& id) {
    return *pg::transact(db_.pool,
                         [&](pqxx::work& tx) { return AgentStore::agent_for_sync(tx, id); });
  }

  testing::AgentDb db_;
};

TEST_F(AgentStoreTest, TwoAgentsCreatedAtOnceNeverGetTheSameNumber) {
  add_number("+493055500001");
  constexpr int kAgents = 6;
  std::barrier start(kAgents);
  std::vector<std::string> ids(kAgents);
  std::vector<std::thread> threads;
  for (int i = 0; i < kAgents; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      ids[i] = create("u" + std::to_string(i), "Agent " + std::to_string(i)).id;
    });
  }
  for (auto& t : threads)
    t.join();
  int with_number = 0;
  for (const auto& id : ids)
    with_number += load(id).number ? 1 : 0;
  EXPECT_EQ(with_number, 1);
  auto summary =
      pg::transact(db_.pool, [](pqxx::work& tx) { return AgentStore::pool_summary(tx); });
  EXPECT_EQ(summary.available, 0);
  EXPECT_EQ(summary.agents_without_number, kAgents - 1);

  // A number added later goes to the agent that has waited longest.
  add_number("+493055500002");
  pg::transact(db_.pool, [&](pqxx::work& tx) { EXPECT_EQ(db_.agents.assign_waiting(tx), 1); });
  EXPECT_EQ(scalar("SELECT count(*) FROM phone_numbers WHERE agent_id IS NOT NULL"), 2);
}

TEST_F(AgentStoreTest, DeletingAnAgentReleasesItsNumberForTheNextOne) {
  add_number("+493055500003");
  auto first = create("u1", "Erster");
  ASSERT_TRUE(first.number);
  // Vapi and telephony know the number as the first agent's.
  pg::transact(db_.pool, [&](pqxx::work& tx) {
    auto n = AgentStore::number_by_e164(tx, "+493055500003");
    AgentStore::mark_number_synced(tx, n->id, n->desired_version, first.id, "u1");
  });
  auto waiting = create("u2", "Zweiter");
  EXPECT_FALSE(waiting.number);
  pg::transact(db_.pool, [&](pqxx::work& tx) { db_.agents.remove(tx, first); });
  // Not handed on before Vapi and telephony were told it is free (the worker pushes that).
  EXPECT_FALSE(load(waiting.id).number);
  EXPECT_TRUE(load(first.id).deleted);
  pg::transact(db_.pool, [&](pqxx::work& tx) {
    auto n = AgentStore::number_by_e164(tx, "+493055500003");
    AgentStore::mark_number_synced(tx, n->id, n->desired_version, std::nullopt, std::nullopt);
    db_.agents.assign_waiting(tx);
  });
  ASSERT_TRUE(load(waiting.id).number);
  EXPECT_EQ(load(waiting.id).number->e164, "+493055500003");
}

TEST_F(AgentStoreTest, EveryChangeRaisesTheVersionAndIsAnnouncedOnceTheAssistantExists) {
  auto agent = create("u1", "Salon Lind");
  EXPECT_EQ(agent.desired_version, 1);
  EXPECT_EQ(agent.sync_state, "pending");
  // Before the assistant exists nothing is announced: there is no id to route by yet.
  pg::transact(db_.pool,
               [&](pqxx::work& tx) { db_.agents.update(tx, agent, definition("Salon Lind 2")); });
  EXPECT_TRUE(published("agent.updated").empty());
  pg::transact(db_.pool, [&](pqxx::work& tx) {
    AgentStore::set_assistant(tx, agent.id, "asst-1");
    AgentStore::mark_synced(tx, agent.id, 1);  // an older version than the edit
    db_.agents.announce(tx, agent.id, true);
  });
  auto row = load(agent.id);
  EXPECT_EQ(row.sync_state, "pending");  // version 2 is still to push: the edit is not lost
  ASSERT_EQ(published("agent.created").size(), 1u);
  EXPECT_STREQ(published("agent.created")[0]["vapi_assistant_id"].GetString(), "asst-1");

  pg::transact(db_.pool, [&](pqxx::work& tx) { db_.agents.set_status(tx, row, "inactive"); });
  auto updated = published("agent.updated");
  ASSERT_EQ(updated.size(), 1u);
  EXPECT_STREQ(updated[0]["status"].GetString(), "inactive");
  EXPECT_STREQ(updated[0]["name"].GetString(), "Salon Lind 2");
  EXPECT_GT(load(agent.id).desired_version, row.desired_version);
}

TEST_F(AgentStoreTest, OwnerFactsFollowTheNewestEventOnly) {
  auto agent = create("u1", "Praxis Ost");
  pg::transact(db_.pool, [&](pqxx::work& tx) {
    EXPECT_EQ(AgentStore::set_credits_exhausted(tx, "u1", true, "2026-11-29T10:00:00Z").size(), 1u);
    // The restore that happened earlier arrives late: it changes nothing.
    EXPECT_TRUE(AgentStore::set_credits_exhausted(tx, "u1", false, "2026-11-29T09:00:00Z").empty());
    // A repeat changes nothing either.
    EXPECT_TRUE(AgentStore::set_credits_exhausted(tx, "u1", true, "2026-11-29T10:00:00Z").empty());
  });
  EXPECT_EQ(load(agent.id).effective_status(), "paused");
  pg::transact(db_.pool, [&](pqxx::work& tx) {
    AgentStore::set_account_status(tx, "u1", "suspended", "2026-11-29T11:00:00Z");
    AgentStore::set_credits_exhausted(tx, "u1", false, "2026-11-29T12:00:00Z");
  });
  EXPECT_EQ(pause_reason(load(agent.id).owner), std::optional<std::string>("account_suspended"));
  pg::transact(db_.pool, [&](pqxx::work& tx) {
    AgentStore::set_account_status(tx, "u1", "active", "2026-11-29T13:00:00Z");
  });
  EXPECT_EQ(load(agent.id).effective_status(), "active");
}

TEST_F(AgentStoreTest, ADraftIsSavedOnlyOverTheVersionItWasLoadedAt) {
  pg::transact(db_.pool, [&](pqxx::work& tx) {
    auto d = AgentStore::insert_draft(tx, "u1", 1, R"({"name": "A"})");
    auto saved = AgentStore::update_draft(tx, "u1", d.id, 1, 2, R"({"name": "B"})");
    ASSERT_TRUE(saved);
    EXPECT_EQ(saved->version, 2);
    EXPECT_FALSE(AgentStore::update_draft(tx, "u1", d.id, 1, 3, R"({"name": "C"})"));
    EXPECT_FALSE(AgentStore::update_draft(tx, "u2", d.id, 2, 3, R"({"name": "C"})"));
    EXPECT_FALSE(AgentStore::draft(tx, "u2", d.id));
    EXPECT_FALSE(AgentStore::draft(tx, "u1", "not-a-uuid"));
  });
}

// The consumed events through the handlers, as the runtime's inbox delivers them.
TEST_F(AgentStoreTest, OwnerEventsResyncTheOwnersAgentsAndAnnounceTheirStatus) {
  EventHandlers handlers(db_.agents);
  auto agent = create("u1", "Praxis Süd");
  create("u2", "Fremde Praxis");
  pg::transact(db_.pool, [&](pqxx::work& tx) {
    AgentStore::set_assistant(tx, agent.id, "asst-1");
    AgentStore::mark_synced(tx, agent.id, load(agent.id).desired_version);
    db_.agents.announce(tx, agent.id, true);
  });
  auto deliver = [&](const std::string& type, const std::string& data, const std::string& time) {
    events::Event e;
    e.id = crypto_id();
    e.type = type;
    e.version = "v1";
    e.time = time;
    e.data = data;
    events::Schemas::embedded().validate(e.ce_type(), e.data);
    pg::transact(db_.pool, [&](pqxx::work& tx) {
      if (type == "integration.google.connected")
        handlers.on_google_connected(e, tx);
      else if (type == "credits.exhausted")
        handlers.on_credits_exhausted(e, tx);
      else if (type == "credits.restored")
        handlers.on_credits_restored(e, tx);
      else if (type == "user.status_changed")
        handlers.on_user_status_changed(e, tx);
      else if (type == "user.deleted")
        handlers.on_user_deleted(e, tx);
    });
  };
  auto version = load(agent.id).desired_version;
  deliver("integration.google.connected", R"({"user_id":"u1","google_email":"praxis@example.de"})",
          "2026-11-29T10:00:00.000Z");
  EXPECT_TRUE(load(agent.id).owner.google_connected);
  EXPECT_GT(load(agent.id).desired_version, version);  // calendar tools reach the assistant
  EXPECT_EQ(load(agent.id).sync_state, "pending");

  deliver("credits.exhausted", R"({"user_id":"u1","balance_cents":-300,"grace_limit_cents":300})",
          "2026-11-29T10:01:00.000Z");
  auto updated = published("agent.updated");
  ASSERT_FALSE(updated.empty());
  EXPECT_STREQ(updated.back()["status"].GetString(), "paused");
  deliver("credits.restored", R"({"user_id":"u1","balance_cents":700})",
          "2026-11-29T10:02:00.000Z");
  EXPECT_STREQ(published("agent.updated").back()["status"].GetString(), "active");
  deliver("user.status_changed",
          R"({"user_id":"u1","status":"suspended","previous_status":"active","changed_by":"a1"})",
          "2026-11-29T10:03:00.000Z");
  EXPECT_EQ(load(agent.id).effective_status(), "paused");
  // Only u1's agent followed; the other owner's was never touched.
  for (const auto& e : published("agent.updated"))
    EXPECT_STREQ(e["user_id"].GetString(), "u1");

  deliver("user.deleted", R"({"user_id":"u1","deleted_at":"2026-11-29T10:04:00.000Z"})",
          "2026-11-29T10:04:00.000Z");
  EXPECT_TRUE(load(agent.id).deleted);  // the worker deletes the assistant next
  EXPECT_EQ(scalar("SELECT count(*) FROM agents WHERE user_id = 'u1' AND deleted_at IS NULL"), 0);
}

}  // namespace
}  // namespace kx::agent
