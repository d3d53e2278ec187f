// The owner's account in billing: the export's part (GET /internal/users/{id}/export) and the
// bookkeeping exception on user.deleted (ledger kept, names gone, no reopening by late events).
#include "billing_fixture.hpp"
#include "kx/service/owner_export.hpp"
#include "owner_data.hpp"

namespace kx::billing::testing {
namespace {

const std::string kInternalSecret = "test-internal-secret-0123456789abcdef";
const http::Identity kAuth{"", "service:auth"};

class OwnerFlowTest : public BillingFixture {
 protected:
  OwnerFlowTest() {
    service::add_owner_export(router_, *pool_, "billing", &owner_data);
    options_.identity.emplace(kInternalSecret);
  }

  json::Document exported(const std::string& user_id, int status = 200,
                          const http::Identity& who = kAuth) {
    auto res =
        dispatch_as(router_, options_, "GET", "/internal/users/" + user_id + "/export", {}, who);
    EXPECT_EQ(res.status, status) << res.body;
    return json::parse(res.body);
  }

  static events::Event deleted(const std::string& user) {
    return event("user.deleted",
                 R"({"user_id":")" + user + R"(","deleted_at":"2026-11-22T10:00:00.000Z"})");
  }

  std::string text(const std::string& sql) {
    return pg::transact(*pool_, [&](pqxx::work& tx) {
      auto f = tx.exec1(sql)[0];
      return f.is_null() ? std::string("<null>") : f.as<std::string>();
    });
  }

  http::Router router_;
  http::ServerOptions options_;
};

TEST_F(OwnerFlowTest, TheExportHoldsTheAccountAndEverythingBookedForIt) {
  fund("u1", 1'000);
  fund("u2", 700);
  ASSERT_TRUE(deliver(call_completed("call-1", "u1", 95)));

  auto doc = exported("u1");
  EXPECT_STREQ(doc["service"].GetString(), "billing");
  const auto& data = doc["data"];
  EXPECT_STREQ(data["account"]["email"].GetString(), "u1@salon-beispiel.de");
  EXPECT_EQ(data["account"]["balance_cents"].GetInt64(), balance("u1"));
  ASSERT_EQ(data["ledger_entries"].Size(), 2u);
  EXPECT_STREQ(data["ledger_entries"][0]["kind"].GetString(), "admin_adjustment");
  EXPECT_STREQ(data["ledger_entries"][1]["kind"].GetString(), "call_usage");
  ASSERT_EQ(data["call_charges"].Size(), 1u);
  EXPECT_STREQ(data["call_charges"][0]["call_id"].GetString(), "call-1");
  ASSERT_EQ(data["adjustments"].Size(), 1u);
  EXPECT_EQ(json::to_string(doc).find("u2@"), std::string::npos);

  auto nobody = exported("u-nobody");
  EXPECT_TRUE(nobody["data"]["account"].IsNull());
  EXPECT_EQ(nobody["data"]["ledger_entries"].Size(), 0u);
  EXPECT_EQ(nobody["data"]["checkout_sessions"].Size(), 0u);

  exported("u1", 403, http::Identity{"u1", "user"});
}

TEST_F(OwnerFlowTest, DeletionKeepsTheLedgerButNamesNobody) {
  fund("u1", 1'000);
  ASSERT_TRUE(deliver(call_completed("call-1", "u1", 95)));
  pg::transact(*pool_, [](pqxx::work& tx) {
    tx.exec(
        "INSERT INTO checkout_sessions (session_id, user_id, pack_id, credits, amount_cents, "
        "currency, status, payment_intent) VALUES ('cs_1', 'u1', 'starter', 1000, 1000, 'eur', "
        "'paid', 'pi_1')");
    tx.exec(
        "INSERT INTO stripe_events (event_id, type, object_id, needs_attention, object) VALUES "
        "('evt_1', 'checkout.session.completed', 'cs_1', true, "
        "'{\"customer_details\":{\"email\":\"u1@salon-beispiel.de\"}}'), "
        "('evt_2', 'checkout.session.completed', 'cs_other', true, '{\"id\":\"cs_other\"}')");
    tx.exec("UPDATE outbox SET published_at = now()");
  });
  auto entries = ledger_sum("u1");
  auto balance_before = balance("u1");

  ASSERT_TRUE(deliver(deleted("u1")));

  EXPECT_EQ(text("SELECT coalesce(email, '<null>') || '|' || name FROM accounts "
                 "WHERE user_id = 'u1'"),
            "<null>|");
  EXPECT_EQ(scalar("SELECT count(*) FROM accounts WHERE user_id = 'u1' AND closed_at IS NOT NULL"),
            1);
  // The bookkeeping stays complete (§ 147 AO, § 257 HGB).
  EXPECT_EQ(ledger_sum("u1"), entries);
  EXPECT_EQ(balance("u1"), balance_before);
  EXPECT_EQ(scalar("SELECT count(*) FROM ledger_entries WHERE user_id = 'u1'"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM checkout_sessions WHERE user_id = 'u1'"), 1);
  EXPECT_EQ(text("SELECT coalesce(object, '<null>') FROM stripe_events WHERE event_id = 'evt_1'"),
            "<null>");
  EXPECT_NE(text("SELECT coalesce(object, '<null>') FROM stripe_events WHERE event_id = 'evt_2'"),
            "<null>");
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE strpos(data, 'u1') > 0 AND published_at "
                   "IS NOT NULL"),
            0);

  // A user.registered that took longer than user.deleted does not bring the address back.
  ASSERT_TRUE(deliver(registered("u1")));
  EXPECT_EQ(text("SELECT coalesce(email, '<null>') FROM accounts WHERE user_id = 'u1'"), "<null>");
}

TEST_F(OwnerFlowTest, ADeletionBeforeTheRegistrationLeavesATombstone) {
  ASSERT_TRUE(deliver(deleted("u3")));
  ASSERT_TRUE(deliver(registered("u3")));
  EXPECT_EQ(text("SELECT coalesce(email, '<null>') FROM accounts WHERE user_id = 'u3'"), "<null>");
  EXPECT_EQ(scalar("SELECT count(*) FROM accounts WHERE user_id = 'u3' AND closed_at IS NOT NULL"),
            1);
}

}  // namespace
}  // namespace kx::billing::testing
