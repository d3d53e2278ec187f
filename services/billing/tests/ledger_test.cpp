// The ledger against a real PostgreSQL schema: exactly-once charging, grace, alerts, purchases
// repaying the overage, adjustments, concurrency and reconciliation.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "billing_fixture.hpp"
#include "ledger_store.hpp"

namespace kx::billing::testing {
namespace {

class LedgerTest : public BillingFixture {};

TEST_F(LedgerTest, RegistrationOpensTheAccountAndBooksTheBonusOnce) {
  set_setting("signup_bonus_cents = 200");
  EXPECT_TRUE(deliver(registered("u1")));
  EXPECT_TRUE(deliver(registered("u1")));  // the same fact under another event id
  EXPECT_EQ(balance("u1"), 200);
  EXPECT_EQ(scalar("SELECT count(*) FROM ledger_entries WHERE kind = 'bonus'"), 1);
  auto account =
      pg::transact(*pool_, [](pqxx::work& tx) { return LedgerStore::find_account(tx, "u1"); });
  ASSERT_TRUE(account);
  EXPECT_EQ(account->email, "u1@salon-beispiel.de");
  EXPECT_EQ(account->locale, "de");
}

TEST_F(LedgerTest, NoBonusByDefault) {
  deliver(registered("u1"));
  EXPECT_EQ(balance("u1"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM ledger_entries"), 0);
}

TEST_F(LedgerTest, ACallIsChargedOncePerCallId) {
  fund("u1", 1000);
  auto first = call_completed("c1", "u1", 95);
  EXPECT_TRUE(deliver(first));
  EXPECT_FALSE(deliver(first));                          // redelivered: the inbox skips it
  EXPECT_TRUE(deliver(call_completed("c1", "u1", 95)));  // re-published with a new event id
  EXPECT_EQ(balance("u1"), 970);                         // 95 s = 2 started minutes = 30 cents
  EXPECT_EQ(scalar("SELECT count(*) FROM ledger_entries WHERE reference = 'call:c1'"), 1);
  auto deducted = published("credits.deducted", "u1");
  ASSERT_EQ(deducted.size(), 1u);
  EXPECT_EQ(deducted[0]["cents"].GetInt64(), 30);
  EXPECT_EQ(deducted[0]["billed_minutes"].GetInt64(), 2);
  EXPECT_EQ(deducted[0]["balance_cents"].GetInt64(), 970);
  EXPECT_STREQ(deducted[0]["call_id"].GetString(), "c1");
}

TEST_F(LedgerTest, ConnectedCallsAreChargedWhateverTheirFinalStatus) {
  fund("u1", 10'000);
  const std::vector<std::string> statuses = {"completed", "transferred", "failed",
                                             "escalated", "voicemail",   "no_answer"};
  for (std::size_t i = 0; i < statuses.size(); ++i)
    deliver(call_completed("c" + std::to_string(i), "u1", 61, statuses[i]));
  EXPECT_EQ(balance("u1"), 10'000 - 6 * 30);
  deliver(call_completed("zero", "u1", 0, "failed"));
  deliver(call_completed("zero-ok", "u1", 0, "completed"));
  EXPECT_EQ(balance("u1"), 10'000 - 6 * 30);
  EXPECT_EQ(scalar("SELECT count(*) FROM call_charges WHERE outcome = 'free_zero_seconds'"), 2);
  EXPECT_EQ(published("credits.deducted", "u1").size(), 6u);
}

TEST_F(LedgerTest, TestCallsAreFreeUnlessTheSettingsSayOtherwise) {
  fund("u1", 1000);
  deliver(call_completed("t1", "u1", 120, "completed", true));
  EXPECT_EQ(balance("u1"), 1000);
  EXPECT_EQ(scalar("SELECT count(*) FROM call_charges WHERE outcome = 'free_test_call'"), 1);
  set_setting("charge_test_calls = true");
  deliver(call_completed("t2", "u1", 120, "completed", true));
  EXPECT_EQ(balance("u1"), 970);
}

TEST_F(LedgerTest, TheSettingsPriceAndRoundingApply) {
  fund("u1", 1000);
  set_setting("price_per_minute_cents = 20, rounding = 'per_second'");
  deliver(call_completed("c1", "u1", 95));  // 95 * 20 / 60 = 31.67 -> 32
  EXPECT_EQ(balance("u1"), 968);
}

TEST_F(LedgerTest, ACallReportedBeforeRegistrationOpensTheAccount) {
  deliver(call_completed("c1", "u9", 60));
  EXPECT_EQ(balance("u9"), -15);
  deliver(registered("u9"));
  EXPECT_EQ(balance("u9"), -15);
  EXPECT_EQ(scalar("SELECT count(*) FROM accounts WHERE email = 'u9@salon-beispiel.de'"), 1);
}

// The consumer process is killed in the middle of its transaction: a child process opens the
// inbox transaction, lets the handler book the charge, reports what it sees inside the
// transaction and SIGKILLs itself before the commit. PostgreSQL rolls back when the dead
// process's connection closes; the redelivered event then charges the call exactly once.
TEST_F(LedgerTest, AConsumerKilledBeforeCommitLeavesNothingAndTheRedeliveryChargesOnce) {
  fund("u1", 1000);
  auto e = call_completed("c1", "u1", 95);
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    std::int64_t seen[2] = {-1, -1};  // backend pid, balance inside the transaction
    try {
      auto conn = pool_->open_dedicated();  // never the parent's pooled connections
      pqxx::work tx(*conn);
      deliver_in(tx, e);
      seen[0] = conn->backendpid();
      seen[1] =
          tx.exec1("SELECT balance_cents FROM accounts WHERE user_id = 'u1'")[0].as<std::int64_t>();
      if (write(pipe_fds[1], seen, sizeof seen) != sizeof seen)
        _exit(3);
      raise(SIGKILL);
    } catch (...) {
    }
    _exit(4);
  }
  close(pipe_fds[1]);
  std::int64_t seen[2] = {0, 0};
  ASSERT_EQ(read(pipe_fds[0], seen, sizeof seen), static_cast<ssize_t>(sizeof seen));
  close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_EQ(seen[1], 970);  // the charge existed inside the transaction
  auto backend_gone = [&] {
    return scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(seen[0])) ==
           0;
  };
  for (int i = 0; i < 250 && !backend_gone(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(backend_gone());

  EXPECT_EQ(balance("u1"), 1000);
  EXPECT_EQ(scalar("SELECT count(*) FROM call_charges"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM inbox"), 1);  // only fund's registration
  EXPECT_EQ(published("credits.deducted", "u1").size(), 0u);

  EXPECT_TRUE(deliver(e));
  EXPECT_FALSE(deliver(e));
  EXPECT_TRUE(deliver(call_completed("c1", "u1", 95)));
  EXPECT_EQ(balance("u1"), 970);
  EXPECT_EQ(published("credits.deducted", "u1").size(), 1u);
}

TEST_F(LedgerTest, GraceGoesDownToTheLimitExhaustsOnceAndAPurchaseRepaysIt) {
  // grace limit 300 (default), threshold 500 (default)
  fund("u1", 100);
  deliver(call_completed("c1", "u1", 300));  // 5 min = 75 -> 25
  EXPECT_EQ(published("credits.low", "u1").size(), 1u);
  deliver(call_completed("c2", "u1", 600));  // 150 -> -125, in grace
  deliver(call_completed("c3", "u1", 600));  // -> -275
  EXPECT_EQ(balance("u1"), -275);
  EXPECT_EQ(scalar("SELECT count(*) FROM ledger_entries WHERE kind = 'grace_usage'"), 2);
  EXPECT_TRUE(published("credits.exhausted", "u1").empty());
  deliver(call_completed("c4", "u1", 600));  // only 25 of 150 fit: -300
  EXPECT_EQ(balance("u1"), -300);
  auto exhausted = published("credits.exhausted", "u1");
  ASSERT_EQ(exhausted.size(), 1u);
  EXPECT_EQ(exhausted[0]["balance_cents"].GetInt64(), -300);
  EXPECT_EQ(exhausted[0]["grace_limit_cents"].GetInt64(), 300);
  EXPECT_EQ(scalar("SELECT cost_cents - charged_cents FROM call_charges WHERE call_id = 'c4'"),
            125);
  deliver(call_completed("c5", "u1", 600));  // nothing left to charge
  EXPECT_EQ(balance("u1"), -300);
  EXPECT_EQ(scalar("SELECT count(*) FROM call_charges WHERE call_id = 'c5' AND outcome = 'capped'"),
            1);
  EXPECT_EQ(published("credits.exhausted", "u1").size(), 1u);
  EXPECT_EQ(published("credits.low", "u1").size(), 1u);

  auto entry = pg::transact(*pool_, [&](pqxx::work& tx) {
    return ledger_->credit_purchase(tx, {"cs_1", "u1", "starter", "Starter", 1000, 1000, "EUR"});
  });
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->balance_after_cents, 700);  // the overage is owed, not forgiven
  EXPECT_NE(entry->description.find("3,00 € zum Ausgleich"), std::string::npos)
      << entry->description;
  EXPECT_EQ(published("credits.restored", "u1").size(), 1u);
  auto purchased = published("credits.purchased", "u1");
  ASSERT_EQ(purchased.size(), 1u);
  EXPECT_EQ(purchased[0]["balance_cents"].GetInt64(), 700);
  // Booking the same session again changes nothing.
  auto again = pg::transact(*pool_, [&](pqxx::work& tx) {
    return ledger_->credit_purchase(tx, {"cs_1", "u1", "starter", "Starter", 1000, 1000, "EUR"});
  });
  EXPECT_FALSE(again);
  EXPECT_EQ(balance("u1"), 700);
  EXPECT_EQ(published("credits.restored", "u1").size(), 1u);
  // Lifted above the threshold, the low warning is armed again.
  deliver(call_completed("c6", "u1", 900));  // 15 min = 225 -> 475
  EXPECT_EQ(published("credits.low", "u1").size(), 2u);
  EXPECT_EQ(balance("u1"), ledger_sum("u1"));
}

TEST_F(LedgerTest, RefundsMayTakeTheBalanceBelowTheGraceLimit) {
  fund("u1", 100);
  auto entry = pg::transact(*pool_, [&](pqxx::work& tx) {
    return ledger_->take_back_refund(tx, {"u1", "ch_1", "refund:ch_1:1000", 1000, 1000});
  });
  ASSERT_TRUE(entry);
  EXPECT_EQ(balance("u1"), -900);
  EXPECT_EQ(published("credits.refunded", "u1").size(), 1u);
  EXPECT_EQ(published("credits.exhausted", "u1").size(), 1u);
  auto again = pg::transact(*pool_, [&](pqxx::work& tx) {
    return ledger_->take_back_refund(tx, {"u1", "ch_1", "refund:ch_1:1000", 1000, 1000});
  });
  EXPECT_FALSE(again);
  EXPECT_EQ(balance("u1"), -900);
}

TEST_F(LedgerTest, AdjustmentsAreIdempotentByRequestKey) {
  deliver(registered("u1"));
  auto adjust = [&](const std::string& key, std::int64_t cents, const std::string& user = "u1") {
    return pg::transact(*pool_, [&](pqxx::work& tx) {
      return ledger_->adjust(tx, {key, user, cents, "Kulanz", "admin-1"});
    });
  };
  EXPECT_EQ(adjust("k1", 500).status, AdjustResult::Status::booked);
  auto replay = adjust("k1", 500);
  EXPECT_EQ(replay.status, AdjustResult::Status::replayed);
  ASSERT_TRUE(replay.entry);
  EXPECT_EQ(replay.entry->balance_after_cents, 500);
  EXPECT_EQ(adjust("k1", 600).status, AdjustResult::Status::key_conflict);
  EXPECT_EQ(adjust("k2", -600).status, AdjustResult::Status::would_go_negative);
  EXPECT_EQ(adjust("k3", 100, "nobody").status, AdjustResult::Status::unknown_account);
  EXPECT_EQ(adjust("k4", -500).status, AdjustResult::Status::booked);
  EXPECT_EQ(balance("u1"), 0);
  EXPECT_EQ(published("credits.adjusted", "u1").size(), 2u);
}

TEST_F(LedgerTest, UserDeletedClosesTheAccountAndKeepsTheLedger) {
  fund("u1", 300);
  deliver(event("user.deleted", R"({"user_id":"u1","deleted_at":"2026-11-22T10:00:00.000Z"})"));
  EXPECT_EQ(scalar("SELECT count(*) FROM accounts WHERE closed_at IS NOT NULL"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM ledger_entries WHERE user_id = 'u1'"), 1);
  EXPECT_EQ(balance("u1"), 300);
}

TEST_F(LedgerTest, TheLedgerIsAppendOnly) {
  fund("u1", 300);
  EXPECT_ANY_THROW(pg::transact(
      *pool_, [](pqxx::work& tx) { tx.exec("UPDATE ledger_entries SET amount_cents = 1"); }));
  EXPECT_ANY_THROW(
      pg::transact(*pool_, [](pqxx::work& tx) { tx.exec("DELETE FROM ledger_entries"); }));
  EXPECT_ANY_THROW(
      pg::transact(*pool_, [](pqxx::work& tx) { tx.exec("TRUNCATE ledger_entries"); }));
  EXPECT_EQ(balance("u1"), ledger_sum("u1"));
}

TEST_F(LedgerTest, ReconciliationFindsDrift) {
  fund("u1", 300);
  fund("u2", 500);
  deliver(call_completed("c1", "u2", 60));
  auto report = pg::transact(*pool_, [](pqxx::work& tx) { return LedgerStore::reconcile(tx); });
  EXPECT_EQ(report.accounts, 2);
  EXPECT_EQ(report.entries, 3);
  EXPECT_TRUE(report.drift.empty());
  pg::transact(*pool_, [](pqxx::work& tx) {
    tx.exec("UPDATE accounts SET balance_cents = balance_cents + 1 WHERE user_id = 'u2'");
  });
  report = pg::transact(*pool_, [](pqxx::work& tx) { return LedgerStore::reconcile(tx); });
  ASSERT_EQ(report.drift.size(), 1u);
  EXPECT_EQ(report.drift[0].user_id, "u2");
  EXPECT_EQ(report.drift[0].balance_cents, 486);
  EXPECT_EQ(report.drift[0].ledger_sum_cents, 485);
}

// Four consumers at once charge 1,000 calls of one owner, each call delivered twice by different
// consumers: the account row lock serialises the bookings, so every balance_after is right.
TEST_F(LedgerTest, ConcurrentConsumersChargeEachCallOnceAndKeepTheChain) {
  fund("u1", 1'000'000);
  constexpr int kCalls = 1000;
  constexpr int kWorkers = 4;
  std::int64_t expected = 0;
  for (int i = 0; i < kCalls; ++i)
    expected += ((i % 7) * 37 + 59) / 60 * 15;
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      // Worker w takes half of all calls (every call lands at two workers), in its own order.
      for (int n = 0; n < kCalls; ++n) {
        int i = (w % 2 == 0) ? n : kCalls - 1 - n;
        if ((i % 2) != (w / 2))
          continue;
        try {
          deliver(call_completed("c" + std::to_string(i), "u1", (i % 7) * 37));
        } catch (const std::exception& e) {
          ++failures;
          ADD_FAILURE() << e.what();
        }
      }
    });
  }
  for (auto& t : workers)
    t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM call_charges"), kCalls);
  EXPECT_EQ(balance("u1"), 1'000'000 - expected);
  EXPECT_EQ(balance("u1"), ledger_sum("u1"));
  auto report = pg::transact(*pool_, [](pqxx::work& tx) { return LedgerStore::reconcile(tx); });
  EXPECT_TRUE(report.drift.empty());
  auto charged = scalar("SELECT count(*) FROM call_charges WHERE charged_cents > 0");
  EXPECT_EQ(static_cast<std::int64_t>(published("credits.deducted", "u1").size()), charged);
}

}  // namespace
}  // namespace kx::billing::testing
