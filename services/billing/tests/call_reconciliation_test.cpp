// The cross-service reconciliation on billing's side against a real schema, with
// telephony-webhook's records played by a fake: which days are compared call by call, what
// counts as missing or in flight, what is asked to be published again, and what is stored.
#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "billing_fixture.hpp"
#include "call_reconciliation.hpp"
#include "call_reconciliation_api.hpp"
#include "kx/http/query.hpp"
#include "reconciliation_store.hpp"

namespace kx::billing {
namespace {

using std::chrono::milliseconds;

std::string today() {
  return http::format_date(std::chrono::floor<std::chrono::days>(Clock::now()));
}

// telephony-webhook's records: completed calls per (owner, day), digests computed by the same
// SQL expression the producer uses.
class FakeProducer final : public CompletedCalls {
 public:
  explicit FakeProducer(pg::Pool& db) : db_(db) {}

  void complete(const std::string& user, const std::string& day, const std::string& call_id,
                milliseconds age = milliseconds(3'600'000), bool pending = false) {
    calls_[{user, day}].push_back({call_id, age, pending});
  }

  DaysPage days(const std::string&, const std::string&, const std::string&,
                const std::string&) override {
    if (down)
      throw ProducerUnavailable("connection refused");
    DaysPage page;
    for (const auto& [key, calls] : calls_) {
      std::string ids;
      for (const auto& c : calls)
        ids += (ids.empty() ? "" : ",") + c.call_id;
      auto digest = pg::transact(db_, [&](pqxx::work& tx) {
        return tx
            .exec_params1(
                "SELECT sum(('x' || substr(md5(id), 1, 15))::bit(60)::bigint)::text "
                "FROM unnest(string_to_array($1, ',')) id",
                ids)[0]
            .as<std::string>();
      });
      page.days.push_back({key.first, key.second, static_cast<std::int64_t>(calls.size()), digest});
    }
    return page;
  }
  CallsPage calls(const std::string& user, const std::string& day, const std::string&) override {
    ++calls_requests;
    return {calls_[{user, day}], false};
  }
  std::int64_t republish(const std::vector<std::string>& ids) override {
    republished.insert(republished.end(), ids.begin(), ids.end());
    return static_cast<std::int64_t>(ids.size());
  }

  bool down = false;
  int calls_requests = 0;
  std::vector<std::string> republished;

 private:
  pg::Pool& db_;
  std::map<std::pair<std::string, std::string>, std::vector<ProducerCall>> calls_;
};

class CallReconciliationTest : public testing::BillingFixture {
 protected:
  CallReconciliationTest() : producer_(*pool_), reconciliation_(*pool_, producer_, settings()) {}

  static ReconciliationSettings settings() {
    ReconciliationSettings s;
    s.settle = milliseconds(60'000);
    return s;
  }

  // billing consumes the call's call.completed, which ended today.
  void charge(const std::string& call_id, const std::string& user) {
    json::Writer w;
    w.begin_object()
        .field("call_id", call_id)
        .field("vapi_call_id", "vapi-" + call_id)
        .field("agent_id", "agent-1")
        .field("user_id", user)
        .field("status", "completed")
        .field("ended_reason", "customer-ended-call")
        .field("started_at", today() + "T00:00:01.000Z")
        .field("ended_at", today() + "T00:01:35.000Z")
        .field("duration_seconds", 94)
        .field("caller_number", "+4930123456")
        .key("summary")
        .null()
        .field("appointment_booked", false)
        .field("transferred", false)
        .field("test", false)
        .end_object();
    deliver(event("call.completed", w.str()));
  }

  FakeProducer producer_;
  CallReconciliation reconciliation_;
};

TEST(DifferingDays, OnlyTheProducersDaysThatBillingDoesNotMatch) {
  std::vector<OwnerDay> completed = {{"anna", "2026-11-29", 2, "10"},
                                     {"anna", "2026-11-30", 1, "7"},
                                     {"ben", "2026-11-30", 3, "9"},
                                     {"cem", "2026-11-30", 1, "4"}};
  std::vector<OwnerDay> charged = {{"anna", "2026-11-29", 2, "10"},
                                   {"anna", "2026-11-30", 1, "8"},
                                   {"ben", "2026-11-30", 2, "5"},
                                   {"dora", "2026-11-30", 5, "1"}};
  auto d = differing_days(completed, charged);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].user_id, "anna");  // same count, other calls
  EXPECT_EQ(d[0].charged, 1);
  EXPECT_EQ(d[1].user_id, "ben");
  EXPECT_EQ(d[1].completed, 3);
  EXPECT_EQ(d[1].charged, 2);
  EXPECT_EQ(d[2].user_id, "cem");  // nothing decided that day
  EXPECT_EQ(d[2].charged, 0);
}

TEST(InFlight, PendingOrYoungerThanTheSettleTime) {
  EXPECT_TRUE(in_flight({"c", milliseconds(10), false}, milliseconds(1'000)));
  EXPECT_TRUE(in_flight({"c", milliseconds(5'000), true}, milliseconds(1'000)));
  EXPECT_FALSE(in_flight({"c", milliseconds(5'000), false}, milliseconds(1'000)));
}

TEST_F(CallReconciliationTest, ACallNeverChargedIsRepublishedAndTheRunIsStored) {
  fund("anna", 1'000);
  for (const char* id : {"call-1", "call-2", "call-3"})
    producer_.complete("anna", today(), id);
  charge("call-1", "anna");
  charge("call-2", "anna");

  auto run = reconciliation_.run("schedule", std::nullopt);
  ASSERT_TRUE(run);
  EXPECT_FALSE(run->error);
  EXPECT_EQ(run->days_checked, 1);
  EXPECT_EQ(run->days_differing, 1);
  EXPECT_EQ(run->missing, 1);
  EXPECT_EQ(run->republished, 1);
  EXPECT_EQ(producer_.republished, std::vector<std::string>{"call-3"});

  auto stored =
      pg::transact(*pool_, [](pqxx::work& tx) { return ReconciliationStore::recent(tx, 5); });
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id, run->id);
  EXPECT_EQ(stored[0].missing, 1);
  ASSERT_EQ(stored[0].drift.size(), 1u);
  EXPECT_EQ(stored[0].drift[0].user_id, "anna");
  EXPECT_EQ(stored[0].drift[0].day, today());
  EXPECT_EQ(stored[0].drift[0].completed, 3);
  EXPECT_EQ(stored[0].drift[0].charged, 2);
  EXPECT_EQ(stored[0].drift[0].republished, 1);

  // The re-published event arrives: the next run finds the day equal and asks for no calls.
  charge("call-3", "anna");
  producer_.calls_requests = 0;
  run = reconciliation_.run("admin", std::string("admin-1"));
  ASSERT_TRUE(run);
  EXPECT_EQ(run->days_differing, 0);
  EXPECT_EQ(run->missing, 0);
  EXPECT_EQ(producer_.calls_requests, 0);
}

TEST_F(CallReconciliationTest, CallsStillOnTheirWayAreNotRepublished) {
  fund("ben", 1'000);
  producer_.complete("ben", today(), "young", milliseconds(1'000));
  producer_.complete("ben", today(), "in-outbox", milliseconds(3'600'000), true);
  auto run = reconciliation_.run("schedule", std::nullopt);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->in_flight, 2);
  EXPECT_EQ(run->missing, 0);
  EXPECT_TRUE(producer_.republished.empty());
}

TEST_F(CallReconciliationTest, SameCountButOtherCallsIsFoundByTheDigest) {
  fund("cem", 1'000);
  producer_.complete("cem", today(), "call-a");
  charge("call-b", "cem");  // a call the producer no longer knows
  auto run = reconciliation_.run("schedule", std::nullopt);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->days_differing, 1);
  EXPECT_EQ(producer_.republished, std::vector<std::string>{"call-a"});
}

TEST_F(CallReconciliationTest, AProducerThatDoesNotAnswerIsStoredAsAFailedRun) {
  producer_.down = true;
  auto run = reconciliation_.run("schedule", std::nullopt);
  ASSERT_TRUE(run);
  ASSERT_TRUE(run->error);
  auto stored =
      pg::transact(*pool_, [](pqxx::work& tx) { return ReconciliationStore::recent(tx, 1); });
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_TRUE(stored[0].error == run->error);
}

TEST_F(CallReconciliationTest, OneRunAtATimeAcrossReplicas) {
  auto other = pool_->acquire();
  pqxx::nontransaction tx(*other);
  ASSERT_TRUE(
      tx.exec1(
            "SELECT pg_try_advisory_lock(hashtext('kx_call_reconciliation:' || current_schema()))")
          [0]
              .as<bool>());
  EXPECT_FALSE(reconciliation_.run("admin", std::string("admin-1")));
  tx.exec("SELECT pg_advisory_unlock(hashtext('kx_call_reconciliation:' || current_schema()))");
  EXPECT_TRUE(reconciliation_.run("admin", std::string("admin-1")));
}

TEST_F(CallReconciliationTest, AdminsSeeTheRunsAndReconcileNowAudited) {
  http::Router router;
  CallReconciliationApi api(*pool_, reconciliation_, *outbox_);
  api.add_routes(router);
  http::ServerOptions options;
  options.identity.emplace("test-internal-secret-0123456789abcdef");
  const http::Identity admin{"admin-1", "admin"}, owner{"anna", "user"};
  const std::string path = "/api/admin/billing/reconciliation/calls";

  fund("anna", 1'000);
  producer_.complete("anna", today(), "call-1");
  EXPECT_EQ(testing::dispatch_as(router, options, "POST", path, {}, owner).status, 403);
  auto res = testing::dispatch_as(router, options, "POST", path, {}, admin);
  ASSERT_EQ(res.status, 200) << res.body;
  auto run = json::parse(res.body);
  EXPECT_STREQ(run["trigger"].GetString(), "admin");
  EXPECT_STREQ(run["admin_id"].GetString(), "admin-1");
  EXPECT_EQ(run["missing"].GetInt64(), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE topic = 'admin.action' AND data LIKE "
                   "'%billing.reconcile%'"),
            1);

  auto list = json::parse(testing::dispatch_as(router, options, "GET", path, {}, admin).body);
  ASSERT_EQ(list["runs"].Size(), 1u);
  EXPECT_EQ(list["settings"]["days"].GetInt(), 3);
  ASSERT_EQ(list["runs"][0]["drift"].Size(), 1u);
  EXPECT_STREQ(list["runs"][0]["drift"][0]["user_id"].GetString(), "anna");

  // While another replica runs, an admin is told to try again.
  auto other = pool_->acquire();
  pqxx::nontransaction tx(*other);
  tx.exec("SELECT pg_advisory_lock(hashtext('kx_call_reconciliation:' || current_schema()))");
  res = testing::dispatch_as(router, options, "POST", path, {}, admin);
  EXPECT_EQ(res.status, 409);
  EXPECT_NE(res.body.find("reconciliation_running"), std::string::npos);
  tx.exec("SELECT pg_advisory_unlock(hashtext('kx_call_reconciliation:' || current_schema()))");
}

}  // namespace
}  // namespace kx::billing
