#include "pending_messages.hpp"

#include "kx/crypto/crypto.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"
#include "kx/pg/pg.hpp"
#include "routing_store.hpp"

namespace kx::telephony {
namespace {

// Messages share the lock, so concurrent messages about one assistant do not queue behind one
// another (the call row's lock orders those about the same call); a routing event takes it
// alone.
const pg::Statement kShareRoute("SELECT pg_advisory_xact_lock_shared(hashtext('kx_route:' || $1))");
constexpr const char* kLockRoute = "SELECT pg_advisory_xact_lock(hashtext('kx_route:' || $1))";

constexpr const char* kDefer = R"sql(
INSERT INTO pending_messages (vapi_call_id, message_key, message_type, assistant_id,
                              phone_number_id, phone_number, body)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (vapi_call_id, message_key) DO NOTHING)sql";

// Status updates before the report of the same call, each in the order it arrived.
constexpr const char* kWaiting = R"sql(
SELECT vapi_call_id, message_key, body FROM pending_messages
WHERE ($1 = '' AND $2 = '' AND $3 = '')
   OR ($1 <> '' AND assistant_id = $1)
   OR (assistant_id = '' AND (($2 <> '' AND phone_number_id = $2) OR ($3 <> '' AND phone_number = $3)))
ORDER BY received_at, message_type DESC
LIMIT $4 FOR UPDATE SKIP LOCKED)sql";

constexpr const char* kRemove =
    "DELETE FROM pending_messages WHERE vapi_call_id = $1 AND message_key = $2";

constexpr const char* kExpire = "DELETE FROM pending_messages WHERE received_at < $1::timestamptz";

constexpr const char* kBacklog = R"sql(
SELECT count(*), coalesce(extract(epoch FROM now() - min(received_at))::bigint, 0)
FROM pending_messages)sql";

metrics::Counter& counter(const char* outcome) {
  return metrics::Registry::global().counter(
      "kx_vapi_pending_messages_total",
      "Vapi messages whose agent was not known yet: deferred, and attributed later",
      {{"outcome", outcome}});
}

}  // namespace

void PendingMessages::lock_route(pqxx::work& tx, const VapiCall& call) {
  if (!call.assistant_id.empty())
    pg::exec_prepared(tx, kShareRoute, "a:" + call.assistant_id);
  else
    pg::exec_prepared(tx, kShareRoute, "n:" + call.phone_number_id);
}

void PendingMessages::lock_route(pqxx::work& tx, const PendingFilter& f) {
  // Always in this order (assistant, then number), so two routing events cannot deadlock.
  if (!f.assistant_id.empty())
    tx.exec_params(kLockRoute, "a:" + f.assistant_id);
  if (!f.phone_number_id.empty())
    tx.exec_params(kLockRoute, "n:" + f.phone_number_id);
}

void PendingMessages::defer(pqxx::work& tx, const VapiMessage& m, const std::string& body) {
  auto inserted =
      tx.exec_params(kDefer, m.call.id, crypto::sha256_hex(body), m.type, m.call.assistant_id,
                     m.call.phone_number_id, m.call.phone_number, json::without_nul(body));
  if (inserted.affected_rows() > 0) {
    counter("deferred").inc();
    log::warn("vapi message for an agent not known yet: kept until its agent's events arrive",
              {{"vapi_call_id", m.call.id},
               {"type", m.type},
               {"assistant_id", m.call.assistant_id},
               {"phone_number_id", m.call.phone_number_id}});
  }
}

std::size_t PendingMessages::attribute(pqxx::work& tx, const PendingFilter& f, int limit) {
  std::size_t done = 0;
  for (const auto& row :
       tx.exec_params(kWaiting, f.assistant_id, f.phone_number_id, f.phone_number, limit)) {
    auto parsed = parse_vapi_message(row[2].as<std::string>());
    if (!parsed.message)  // it was parsed before it was kept; cannot happen unless edited by hand
      throw std::logic_error("a kept Vapi message is unreadable: " + parsed.error);
    const VapiMessage& m = *parsed.message;
    auto route = RoutingStore::for_call(tx, m.call);
    if (!route)
      continue;
    if (m.type == "end-of-call-report")
      recorder_.record_report(tx, m, *route);
    else
      recorder_.record_status_update(tx, m, *route);
    tx.exec_params(kRemove, row[0].as<std::string>(), row[1].as<std::string>());
    counter("attributed").inc();
    log::info("kept vapi message attributed to its agent",
              {{"vapi_call_id", m.call.id}, {"type", m.type}, {"agent_id", route->agent_id}});
    ++done;
  }
  return done;
}

std::int64_t PendingMessages::expire(pqxx::work& tx, Clock::time_point before) {
  return static_cast<std::int64_t>(
      tx.exec_params(kExpire, json::utc_timestamp(before)).affected_rows());
}

std::pair<std::int64_t, std::int64_t> PendingMessages::backlog(pqxx::work& tx) {
  auto r = tx.exec1(kBacklog);
  return {r[0].as<std::int64_t>(), r[1].as<std::int64_t>()};
}

}  // namespace kx::telephony
