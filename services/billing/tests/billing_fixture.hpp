#pragma once
// A billing schema in the test PostgreSQL (KX_TEST_PG_URI) with every migration applied, the
// ledger and its consumers, and helpers to deliver events the way ConsumerRunner does and to
// read what was booked and published.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "event_handlers.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/http/server.hpp"
#include "kx/json/json.hpp"
#include "kx/pg/testing.hpp"
#include "kx/service/runtime.hpp"
#include "ledger.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

namespace kx::billing::testing {

/// One request through the server's dispatch (`options` carries the identity signer), signed
/// for `who` as the gateway signs it.
inline http::Response dispatch_as(const http::Router& router, const http::ServerOptions& options,
                                  const std::string& method, const std::string& target,
                                  const std::string& body, const http::Identity& who,
                                  const http::Headers& headers = {}) {
  http::Request req;
  req.method = method;
  req.target = target;
  req.path = target.substr(0, target.find('?'));
  if (target.find('?') != std::string::npos)
    req.query = target.substr(target.find('?') + 1);
  req.body = body;
  req.headers = headers;
  req.request_id = "req-" + crypto::uuid_v4();
  req.remote_address = "127.0.0.1";
  options.identity->sign(req.headers, who, method, target, req.request_id);
  return http::dispatch(router, options, req);
}

class BillingFixture : public ::testing::Test {
 protected:
  BillingFixture() {
    pool_ = std::make_unique<pg::Pool>(schema_.pool_options(8));
    auto migrations = events::migrations();
    for (auto& m : service::to_migrations(kx_service_migration_files()))
      migrations.push_back(m);
    pg::migrate(*pool_, migrations);
    outbox_ = std::make_unique<events::Outbox>(events::Schemas::embedded(), "billing");
    ledger_ = std::make_unique<Ledger>(*outbox_);
    handlers_ = std::make_unique<EventHandlers>(*ledger_);
  }

  static events::Event event(const std::string& type, const std::string& data,
                             std::string id = crypto::uuid_v7()) {
    events::Event e;
    e.id = std::move(id);
    e.type = type;
    e.version = "v1";
    e.data = data;
    events::Schemas::embedded().validate(e.ce_type(), e.data);
    return e;
  }

  static events::Event registered(const std::string& user) {
    json::Writer w;
    w.begin_object()
        .field("user_id", user)
        .field("email", user + "@salon-beispiel.de")
        .field("name", "Inhaberin " + user)
        .field("locale", "de")
        .field("registered_at", "2026-11-21T10:00:00.000Z")
        .end_object();
    return event("user.registered", w.str());
  }

  static events::Event call_completed(const std::string& call_id, const std::string& user,
                                      std::int64_t seconds, const std::string& status = "completed",
                                      bool test = false) {
    json::Writer w;
    w.begin_object()
        .field("call_id", call_id)
        .field("vapi_call_id", "vapi-" + call_id)
        .field("agent_id", "agent-1")
        .field("user_id", user)
        .field("status", status)
        .field("ended_reason", "customer-ended-call")
        .field("started_at", "2026-11-21T10:00:00.000Z")
        .field("ended_at", "2026-11-21T10:01:35.000Z")
        .field("duration_seconds", seconds)
        .field("caller_number", "+4930123456")
        .key("summary")
        .null()
        .field("appointment_booked", false)
        .field("transferred", status == "transferred")
        .field("test", test)
        .end_object();
    return event("call.completed", w.str());
  }

  // What ConsumerRunner does for one message: inbox row and effect in one transaction; a known
  // event id is skipped. Returns false for a skipped duplicate.
  bool deliver(const events::Event& e) {
    return pg::transact(*pool_, [&](pqxx::work& tx) { return deliver_in(tx, e); });
  }
  bool deliver_in(pqxx::work& tx, const events::Event& e) {
    auto r = tx.exec_params(
        "INSERT INTO inbox (consumer, event_id, topic) VALUES ('billing', $1, $2) "
        "ON CONFLICT (consumer, event_id) DO NOTHING",
        e.id, e.type);
    if (r.affected_rows() == 0)
      return false;
    if (e.type == "user.registered")
      handlers_->on_user_registered(e, tx);
    else if (e.type == "call.completed")
      handlers_->on_call_completed(e, tx);
    else if (e.type == "user.deleted")
      handlers_->on_user_deleted(e, tx);
    return true;
  }

  std::int64_t scalar(const std::string& sql) {
    return pg::transact(*pool_, [&](pqxx::work& tx) {
      auto v = tx.exec1(sql)[0];
      return v.is_null() ? std::int64_t{0} : v.as<std::int64_t>();
    });
  }
  std::int64_t balance(const std::string& user) {
    return scalar("SELECT balance_cents FROM accounts WHERE user_id = '" + user + "'");
  }
  std::int64_t ledger_sum(const std::string& user) {
    return scalar("SELECT COALESCE(sum(amount_cents), 0) FROM ledger_entries WHERE user_id = '" +
                  user + "'");
  }
  /// The data of every outbox event of `topic` for `user`, in publishing order.
  std::vector<json::Document> published(const std::string& topic, const std::string& user) {
    auto rows = pg::transact(*pool_, [&](pqxx::work& tx) {
      std::vector<std::string> out;
      for (const auto& r : tx.exec_params(
               "SELECT data FROM outbox WHERE topic = $1 AND event_key = $2 ORDER BY seq", topic,
               user))
        out.push_back(r[0].as<std::string>());
      return out;
    });
    std::vector<json::Document> docs;
    for (const auto& r : rows)
      docs.push_back(json::parse(r));
    return docs;
  }
  void set_setting(const std::string& assignment) {
    pg::transact(*pool_, [&](pqxx::work& tx) { tx.exec("UPDATE settings SET " + assignment); });
  }
  /// Gives `user` an open account with `cents` through an admin adjustment.
  void fund(const std::string& user, std::int64_t cents) {
    deliver(registered(user));
    pg::transact(*pool_, [&](pqxx::work& tx) {
      auto r = ledger_->adjust(
          tx, {"fund-" + user + "-" + crypto::uuid_v4(), user, cents, "Testguthaben", "admin-1"});
      ASSERT_EQ(r.status, AdjustResult::Status::booked);
    });
  }

  pg::testing::ScratchSchema schema_{"billing"};
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<events::Outbox> outbox_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<EventHandlers> handlers_;
};

}  // namespace kx::billing::testing
