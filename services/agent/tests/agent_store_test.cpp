// The agent service's tables against a real PostgreSQL schema: numbers handed out under
// concurrency, versions that never lose an edit, owner facts that late events cannot undo, and
// the events every change publishes.
#include <gtest/gtest.h>

#include <barrier>
#include <thread>

#include "agents.hpp"
#include "kx/events/outbox.hpp"
#include "kx/json/json.hpp"
#include "kx/pg/testing.hpp"
#include "kx/service/runtime.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

namespace kx::agent {
namespace {

class AgentStoreTest : public ::testing::Test {
 protected:
  AgentStoreTest() {
    pool_ = std::make_unique<pg::Pool>(schema_.pool_options(8));
    auto migrations = events::migrations();
    for (auto& m : service::to_migrations(kx_service_migration_files()))
      migrations.push_back(m);
    pg::migrate(*pool_, migrations);
    outbox_ = std::make_unique<events::Outbox>(events::Schemas::embedded(), "agent");
    agents_ = std::make_unique<Agents>(*outbox_);
  }

  static Definition definition(const std::string& name) {
    auto doc = json::parse(R"({"name": ")" + name + R"(", "greeting": "Guten Tag!"})");
    return read_definition(doc);
  }

  AgentRow create(const std::string& user, const std::string& name) {
    return pg::transact(
        *pool_, [&](pqxx::work& tx) { return agents_->create(tx, user, definition(name)); });
  }

  void add_number(const std::string& e164) {
    pg::transact(*pool_, [&](pqxx::work& tx) {
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
    return pg::transact(*pool_,
                        [&](pqxx::work& tx) { return tx.exec1(sql)[0].as<std::int64_t>(); });
  }

  std::vector<json::Document> published(const std::string& type) {
    return pg::transact(*pool_, [&](pqxx::work& tx) {
      std::vector<json::Document> out;
      for (const auto& r :
           tx.exec_params("SELECT data FROM outbox WHERE topic = $1 ORDER BY seq", type))
        out.push_back(json::parse(r[0].as<std::string>()));
      return out;
    });
  }

  AgentRow load(const std::string& id) {
    return *pg::transact(*pool_,
                         [&](pqxx::work& tx) { return AgentStore::agent_for_sync(tx, id); });
  }

  pg::testing::ScratchSchema schema_{"agent"};
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<events::Outbox> outbox_;
  std::unique_ptr<Agents> agents_;
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
  auto summary = pg::transact(*pool_, [](pqxx::work& tx) { return AgentStore::pool_summary(tx); });
  EXPECT_EQ(summary.available, 0);
  EXPECT_EQ(summary.agents_without_number, kAgents - 1);

  // A number added later goes to the agent that has waited longest.
  add_number("+493055500002");
  pg::transact(*pool_, [&](pqxx::work& tx) { EXPECT_EQ(agents_->assign_waiting(tx), 1); });
  EXPECT_EQ(scalar("SELECT count(*) FROM phone_numbers WHERE agent_id IS NOT NULL"), 2);
}

TEST_F(AgentStoreTest, DeletingAnAgentReleasesItsNumberForTheNextOne) {
  add_number("+493055500003");
  auto first = create("u1", "Erster");
  ASSERT_TRUE(first.number);
  // Vapi and telephony know the number as the first agent's.
  pg::transact(*pool_, [&](pqxx::work& tx) {
    auto n = AgentStore::number_by_e164(tx, "+493055500003");
    AgentStore::mark_number_synced(tx, n->id, n->desired_version, first.id, "u1");
  });
  auto waiting = create("u2", "Zweiter");
  EXPECT_FALSE(waiting.number);
  pg::transact(*pool_, [&](pqxx::work& tx) { agents_->remove(tx, first); });
  // Not handed on before Vapi and telephony were told it is free (the worker pushes that).
  EXPECT_FALSE(load(waiting.id).number);
  EXPECT_TRUE(load(first.id).deleted);
  pg::transact(*pool_, [&](pqxx::work& tx) {
    auto n = AgentStore::number_by_e164(tx, "+493055500003");
    AgentStore::mark_number_synced(tx, n->id, n->desired_version, std::nullopt, std::nullopt);
    agents_->assign_waiting(tx);
  });
  ASSERT_TRUE(load(waiting.id).number);
  EXPECT_EQ(load(waiting.id).number->e164, "+493055500003");
}

TEST_F(AgentStoreTest, EveryChangeRaisesTheVersionAndIsAnnouncedOnceTheAssistantExists) {
  auto agent = create("u1", "Salon Lind");
  EXPECT_EQ(agent.desired_version, 1);
  EXPECT_EQ(agent.sync_state, "pending");
  // Before the assistant exists nothing is announced: there is no id to route by yet.
  pg::transact(*pool_,
               [&](pqxx::work& tx) { agents_->update(tx, agent, definition("Salon Lind 2")); });
  EXPECT_TRUE(published("agent.updated").empty());
  pg::transact(*pool_, [&](pqxx::work& tx) {
    AgentStore::set_assistant(tx, agent.id, "asst-1");
    AgentStore::mark_synced(tx, agent.id, 1);  // an older version than the edit
    agents_->announce(tx, agent.id, true);
  });
  auto row = load(agent.id);
  EXPECT_EQ(row.sync_state, "pending");  // version 2 is still to push: the edit is not lost
  ASSERT_EQ(published("agent.created").size(), 1u);
  EXPECT_STREQ(published("agent.created")[0]["vapi_assistant_id"].GetString(), "asst-1");

  pg::transact(*pool_, [&](pqxx::work& tx) { agents_->set_status(tx, row, "inactive"); });
  auto updated = published("agent.updated");
  ASSERT_EQ(updated.size(), 1u);
  EXPECT_STREQ(updated[0]["status"].GetString(), "inactive");
  EXPECT_STREQ(updated[0]["name"].GetString(), "Salon Lind 2");
  EXPECT_GT(load(agent.id).desired_version, row.desired_version);
}

TEST_F(AgentStoreTest, OwnerFactsFollowTheNewestEventOnly) {
  auto agent = create("u1", "Praxis Ost");
  pg::transact(*pool_, [&](pqxx::work& tx) {
    EXPECT_EQ(AgentStore::set_credits_exhausted(tx, "u1", true, "2026-11-29T10:00:00Z").size(), 1u);
    // The restore that happened earlier arrives late: it changes nothing.
    EXPECT_TRUE(AgentStore::set_credits_exhausted(tx, "u1", false, "2026-11-29T09:00:00Z").empty());
    // A repeat changes nothing either.
    EXPECT_TRUE(AgentStore::set_credits_exhausted(tx, "u1", true, "2026-11-29T10:00:00Z").empty());
  });
  EXPECT_EQ(load(agent.id).effective_status(), "paused");
  pg::transact(*pool_, [&](pqxx::work& tx) {
    AgentStore::set_account_status(tx, "u1", "suspended", "2026-11-29T11:00:00Z");
    AgentStore::set_credits_exhausted(tx, "u1", false, "2026-11-29T12:00:00Z");
  });
  EXPECT_EQ(pause_reason(load(agent.id).owner), std::optional<std::string>("account_suspended"));
  pg::transact(*pool_, [&](pqxx::work& tx) {
    AgentStore::set_account_status(tx, "u1", "active", "2026-11-29T13:00:00Z");
  });
  EXPECT_EQ(load(agent.id).effective_status(), "active");
}

TEST_F(AgentStoreTest, ADraftIsSavedOnlyOverTheVersionItWasLoadedAt) {
  pg::transact(*pool_, [&](pqxx::work& tx) {
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

}  // namespace
}  // namespace kx::agent
