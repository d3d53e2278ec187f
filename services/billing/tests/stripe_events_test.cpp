// Stripe's events in every order and number they can arrive (late, early, twice, concurrently),
// with the payloads Stripe really sends (stripe_payloads.hpp), through billing's webhook
// endpoint against a real PostgreSQL schema.
#include <gtest/gtest.h>

#include <algorithm>
#include <latch>
#include <thread>

#include "billing_fixture.hpp"
#include "kx/http/server.hpp"
#include "reports_api.hpp"
#include "stripe_payloads.hpp"
#include "stripe_store.hpp"
#include "stripe_webhook.hpp"

namespace kx::billing::testing {
namespace {

const std::string kInternalSecret = "test-internal-secret-0123456789abcdef";
const std::string kWebhookSecret = "whsec_test_0123456789abcdef";
const http::Identity kAdmin{"admin-1", "admin"};

class StripeEventsTest : public BillingFixture {
 protected:
  StripeEventsTest() {
    webhook_ = std::make_unique<StripeWebhook>(*pool_, *ledger_, kWebhookSecret);
    admin_ = std::make_unique<ReportsApi>(*pool_, *outbox_);
    webhook_->add_routes(router_);
    admin_->add_routes(router_);
    options_.identity.emplace(kInternalSecret);
  }

  http::Response call(const std::string& method, const std::string& target, const std::string& body,
                      const http::Identity& who, const http::Headers& headers = {}) {
    return dispatch_as(router_, options_, method, target, body, who, headers);
  }
  http::Response post(const std::string& body) {
    auto t = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
    http::Headers h;
    h.set("Content-Type", "application/json; charset=utf-8");
    h.set("Stripe-Signature",
          "t=" + t + ",v1=" + crypto::hmac_sha256_hex(kWebhookSecret, t + "." + body));
    return call("POST", "/webhooks/stripe", body, {"", ""}, h);
  }
  /// Posts one event and returns billing's outcome (the answer must be 200).
  std::string deliver_stripe(const std::string& type, const std::string& object,
                             std::string event_id = "evt_" + crypto::uuid_v4()) {
    auto res = post(stripe::event(event_id, type, object));
    EXPECT_EQ(res.status, 200) << res.body;
    if (res.status != 200)
      return "http " + std::to_string(res.status);
    return json::parse(res.body)["outcome"].GetString();
  }
  /// A session billing created at checkout: the pack, credits and price it recorded.
  void record_session(const std::string& id, const std::string& user,
                      const std::string& pack = "starter", std::int64_t credits = 1000,
                      std::int64_t amount = 1000) {
    deliver(registered(user));
    pg::transact(*pool_, [&](pqxx::work& tx) {
      CheckoutRecord r;
      r.session_id = id;
      r.user_id = user;
      r.pack_id = pack;
      r.credits = credits;
      r.amount_cents = amount;
      StripeStore::insert_session(tx, r);
    });
  }
  std::int64_t purchases(const std::string& user) {
    return scalar("SELECT count(*) FROM ledger_entries WHERE kind = 'purchase' AND user_id = '" +
                  user + "'");
  }
  std::int64_t taken_back(const std::string& user) {
    return scalar(
        "SELECT COALESCE(-sum(amount_cents), 0) FROM ledger_entries WHERE kind = 'refund' AND "
        "user_id = '" +
        user + "'");
  }

  std::unique_ptr<StripeWebhook> webhook_;
  std::unique_ptr<ReportsApi> admin_;
  http::Router router_;
  http::ServerOptions options_;
};

stripe::Session paid(const std::string& n) {
  stripe::Session s;
  s.id = "cs_test_" + n;
  s.user_id = "u" + n;
  s.payment_intent = "pi_test_" + n;
  return s;
}
stripe::Charge refunded(const std::string& n, std::int64_t cumulative) {
  stripe::Charge c;
  c.id = "ch_test_" + n;
  c.payment_intent = "pi_test_" + n;
  c.amount_refunded = cumulative;
  return c;
}
stripe::Dispute disputed(const std::string& n, const std::string& status,
                         std::int64_t amount = 1000) {
  stripe::Dispute d;
  d.id = "dp_test_" + n;
  d.charge = "ch_test_" + n;
  d.payment_intent = "pi_test_" + n;
  d.status = status;
  d.amount = amount;
  return d;
}

// --- Refunds and disputes that arrive before their purchase -----------------------------------

TEST_F(StripeEventsTest, ARefundBeforeItsPurchaseIsKeptAndAppliedWhenThePurchaseArrives) {
  record_session("cs_test_1", "u1");
  EXPECT_EQ(deliver_stripe("charge.refunded", stripe::charge(refunded("1", 1000))), "held");
  EXPECT_EQ(balance("u1"), 0);
  EXPECT_EQ(deliver_stripe("checkout.session.completed", stripe::session(paid("1"))), "credited");
  EXPECT_EQ(balance("u1"), 0);  // bought and refunded: nothing left to spend
  EXPECT_EQ(purchases("u1"), 1);
  EXPECT_EQ(taken_back("u1"), 1000);
  auto events = published("credits.refunded", "u1");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["cents"].GetInt64(), 1000);
  EXPECT_STREQ(events[0]["charge_id"].GetString(), "ch_test_1");
  EXPECT_EQ(balance("u1"), ledger_sum("u1"));
}

// Every order of: the completion, a partial refund, the full refund, and a second delivery of
// each under a new event id (as Stripe does when it resends). Whatever the order, the purchase is
// booked once and exactly the refunded credits are taken back.
TEST_F(StripeEventsTest, RefundsAndCompletionsInEveryOrderAndNumberEndAtTheSameBalance) {
  enum Step { completed, completed_again, partial, partial_again, full };
  std::vector<Step> steps{completed, completed_again, partial, partial_again, full};
  int run = 0;
  do {
    auto n = std::to_string(++run);
    record_session("cs_test_" + n, "u" + n);
    for (auto step : steps) {
      if (step == completed || step == completed_again)
        deliver_stripe("checkout.session.completed", stripe::session(paid(n)));
      else
        deliver_stripe("charge.refunded", stripe::charge(refunded(n, step == full ? 1000 : 400)));
    }
    ASSERT_EQ(purchases("u" + n), 1) << "run " << n;
    ASSERT_EQ(taken_back("u" + n), 1000) << "run " << n;
    ASSERT_EQ(balance("u" + n), 0) << "run " << n;
    ASSERT_EQ(balance("u" + n), ledger_sum("u" + n));
  } while (std::next_permutation(steps.begin(), steps.end()));
  EXPECT_EQ(run, 120);
}

TEST_F(StripeEventsTest, ConcurrentCompletionsAndRefundsApplyTheRefundOnce) {
  constexpr int kRounds = 25;
  for (int i = 0; i < kRounds; ++i) {
    auto n = std::to_string(i);
    record_session("cs_test_" + n, "u" + n);
  }
  for (int i = 0; i < kRounds; ++i) {
    auto n = std::to_string(i);
    // Two completions and two refund notices of one payment, all at once.
    std::latch start(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        if (t % 2 == 0)
          deliver_stripe("checkout.session.completed", stripe::session(paid(n)));
        else
          deliver_stripe("charge.refunded", stripe::charge(refunded(n, 600)));
      });
    }
    for (auto& t : threads)
      t.join();
    ASSERT_EQ(purchases("u" + n), 1) << "round " << n;
    ASSERT_EQ(taken_back("u" + n), 600) << "round " << n;
    ASSERT_EQ(balance("u" + n), 400) << "round " << n;
  }
}

TEST_F(StripeEventsTest, AnEarlyDisputeIsLinkedAndAnEarlyLostDisputeTakesTheCreditsBack) {
  record_session("cs_test_1", "u1");
  EXPECT_EQ(
      deliver_stripe("charge.dispute.created", stripe::dispute(disputed("1", "needs_response"))),
      "dispute_recorded");
  EXPECT_EQ(deliver_stripe("charge.dispute.closed", stripe::dispute(disputed("1", "lost"))),
            "held");
  EXPECT_EQ(balance("u1"), 0);
  EXPECT_EQ(deliver_stripe("checkout.session.completed", stripe::session(paid("1"))), "credited");
  EXPECT_EQ(balance("u1"), 0);
  EXPECT_EQ(taken_back("u1"), 1000);
  EXPECT_EQ(scalar("SELECT count(*) FROM disputes WHERE user_id = 'u1' AND "
                   "session_id = 'cs_test_1' AND status = 'lost'"),
            1);
  // The created event arriving after the closed one does not reopen the dispute.
  EXPECT_EQ(
      deliver_stripe("charge.dispute.created", stripe::dispute(disputed("1", "needs_response"))),
      "duplicate_dispute");
  EXPECT_EQ(scalar("SELECT count(*) FROM disputes WHERE status = 'lost'"), 1);
}

// --- Lost disputes -----------------------------------------------------------------------------

TEST_F(StripeEventsTest, ALostDisputeTakesTheCreditsBackOnce) {
  record_session("cs_test_1", "u1");
  EXPECT_EQ(deliver_stripe("checkout.session.completed", stripe::session(paid("1"))), "credited");
  EXPECT_EQ(
      deliver_stripe("charge.dispute.created", stripe::dispute(disputed("1", "needs_response"))),
      "dispute_recorded");
  EXPECT_EQ(balance("u1"), 1000);  // an open dispute takes nothing yet: it may be won
  auto lost = stripe::dispute(disputed("1", "lost"));
  EXPECT_EQ(deliver_stripe("charge.dispute.closed", lost, "evt_lost"), "dispute_lost");
  EXPECT_EQ(balance("u1"), 0);
  EXPECT_EQ(deliver_stripe("charge.dispute.closed", lost, "evt_lost"), "duplicate");
  EXPECT_EQ(deliver_stripe("charge.dispute.closed", lost), "no_change");
  EXPECT_EQ(balance("u1"), 0);
  auto events = published("credits.refunded", "u1");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["cents"].GetInt64(), 1000);
  EXPECT_STREQ(events[0]["reason"].GetString(), "dispute_lost");
  EXPECT_EQ(balance("u1"), ledger_sum("u1"));

  // A won dispute changes nothing.
  record_session("cs_test_2", "u2");
  deliver_stripe("checkout.session.completed", stripe::session(paid("2")));
  EXPECT_EQ(deliver_stripe("charge.dispute.closed", stripe::dispute(disputed("2", "won"))),
            "dispute_closed");
  EXPECT_EQ(balance("u2"), 1000);
}

TEST_F(StripeEventsTest, RefundsAndLostDisputesNeverTakeBackMoreThanWasBought) {
  // Part refunded, the rest disputed and lost; then Stripe reports the charge fully refunded.
  record_session("cs_test_1", "u1");
  deliver_stripe("checkout.session.completed", stripe::session(paid("1")));
  EXPECT_EQ(deliver_stripe("charge.refunded", stripe::charge(refunded("1", 400))), "refunded");
  EXPECT_EQ(deliver_stripe("charge.dispute.closed", stripe::dispute(disputed("1", "lost", 600))),
            "dispute_lost");
  EXPECT_EQ(deliver_stripe("charge.refunded", stripe::charge(refunded("1", 1000))), "no_change");
  EXPECT_EQ(taken_back("u1"), 1000);
  EXPECT_EQ(balance("u1"), 0);

  // The whole amount disputed and lost first, a partial refund after.
  record_session("cs_test_2", "u2");
  deliver_stripe("checkout.session.completed", stripe::session(paid("2")));
  EXPECT_EQ(deliver_stripe("charge.dispute.closed", stripe::dispute(disputed("2", "lost"))),
            "dispute_lost");
  EXPECT_EQ(deliver_stripe("charge.refunded", stripe::charge(refunded("2", 400))), "no_change");
  EXPECT_EQ(taken_back("u2"), 1000);

  // Both before the purchase, in the other order, with a pack whose credits are not its price.
  record_session("cs_test_3", "u3", "bonus-pack", 1200, 1000);
  EXPECT_EQ(deliver_stripe("charge.dispute.closed", stripe::dispute(disputed("3", "lost", 700))),
            "held");
  EXPECT_EQ(deliver_stripe("charge.refunded", stripe::charge(refunded("3", 300))), "held");
  EXPECT_EQ(deliver_stripe("checkout.session.completed", stripe::session(paid("3"))), "credited");
  EXPECT_EQ(taken_back("u3"), 1200);
  EXPECT_EQ(balance("u3"), 0);
  for (const char* user : {"u1", "u2", "u3"})
    EXPECT_EQ(balance(user), ledger_sum(user));
}

// --- Sessions billing did not create -----------------------------------------------------------

TEST_F(StripeEventsTest, OnlySessionsBillingCreatedAreCreditedWithWhatItRecorded) {
  deliver(registered("u1"));
  // Never created by billing: its metadata asks for 999,999 credits.
  auto foreign = paid("9");
  foreign.user_id = "u1";
  foreign.credits = "999999";
  foreign.pack_id = "business";
  EXPECT_EQ(deliver_stripe("checkout.session.completed", stripe::session(foreign)),
            "unknown_session");
  EXPECT_EQ(balance("u1"), 0);

  // Created by billing for the Business pack, but paid with 50 cents or in another currency.
  record_session("cs_test_1", "u1", "business", 10000, 10000);
  auto cheap = paid("1");
  cheap.user_id = "u1";
  cheap.pack_id = "business";
  cheap.credits = "10000";
  cheap.amount_total = 50;
  EXPECT_EQ(deliver_stripe("checkout.session.completed", stripe::session(cheap)),
            "amount_mismatch");
  auto dollars = cheap;
  dollars.amount_total = 10000;
  dollars.currency = "usd";
  EXPECT_EQ(deliver_stripe("checkout.session.async_payment_succeeded", stripe::session(dollars)),
            "amount_mismatch");
  EXPECT_EQ(balance("u1"), 0);

  // What billing recorded decides, not what the metadata says.
  auto honest = cheap;
  honest.amount_total = 10000;
  honest.credits = "999999";
  EXPECT_EQ(deliver_stripe("checkout.session.completed", stripe::session(honest)), "credited");
  EXPECT_EQ(balance("u1"), 10000);

  // The admins see what needs a person, with the reason and the object.
  auto list = json::parse(call("GET", "/api/admin/billing/stripe-events", {}, kAdmin).body);
  ASSERT_EQ(list["items"].Size(), 3u);
  std::vector<std::string> outcomes;
  for (const auto& item : list["items"].GetArray()) {
    outcomes.push_back(item["outcome"].GetString());
    EXPECT_FALSE(std::string(item["detail"].GetString()).empty());
    EXPECT_TRUE(item["object"].IsObject());
  }
  std::sort(outcomes.begin(), outcomes.end());
  EXPECT_EQ(outcomes,
            (std::vector<std::string>{"amount_mismatch", "amount_mismatch", "unknown_session"}));
  std::string first = list["items"][0]["event_id"].GetString();
  EXPECT_EQ(
      call("POST", "/api/admin/billing/stripe-events/" + first + "/review", {}, kAdmin).status,
      200);
  EXPECT_EQ(
      call("POST", "/api/admin/billing/stripe-events/" + first + "/review", {}, kAdmin).status,
      404);
  EXPECT_EQ(
      json::parse(call("GET", "/api/admin/billing/stripe-events", {}, kAdmin).body)["items"].Size(),
      2u);
  EXPECT_EQ(published("admin.action", "admin-1").size(), 1u);
  EXPECT_EQ(call("GET", "/api/admin/billing/stripe-events", {}, {"u1", "user"}).status, 403);
}

// --- Signed events billing cannot use ----------------------------------------------------------

TEST_F(StripeEventsTest, UnusableSignedEventsAreRecordedAndAnswered2xx) {
  record_session("cs_test_1", "u1");
  auto no_id = paid("1");
  no_id.id = std::nullopt;
  EXPECT_EQ(deliver_stripe("checkout.session.completed", stripe::session(no_id)), "unusable");
  auto empty_id = paid("1");
  empty_id.id = "";
  EXPECT_EQ(deliver_stripe("checkout.session.completed", stripe::session(empty_id)), "unusable");
  EXPECT_EQ(deliver_stripe("checkout.session.async_payment_succeeded", stripe::session(empty_id)),
            "unusable");
  auto no_intent = refunded("1", 1000);
  no_intent.payment_intent = std::nullopt;
  EXPECT_EQ(deliver_stripe("charge.refunded", stripe::charge(no_intent)), "unmatched");
  auto bare = disputed("1", "lost");
  bare.payment_intent = std::nullopt;
  EXPECT_EQ(deliver_stripe("charge.dispute.closed", stripe::dispute(bare)), "unmatched");
  // An event without an id or without its object is still Stripe's (it is signed): recorded.
  auto res = post(R"({"object":"event","type":"checkout.session.completed","data":{}})");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(post(R"({"id":"evt_x","object":"event","type":"charge.refunded"})").status, 200);
  EXPECT_EQ(balance("u1"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM stripe_events WHERE needs_attention"), 7);
  // The session still credits once its real event comes.
  EXPECT_EQ(deliver_stripe("checkout.session.completed", stripe::session(paid("1"))), "credited");
}

}  // namespace
}  // namespace kx::billing::testing
