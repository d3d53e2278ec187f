#pragma once
// telephony-webhook's side of the cross-service reconciliation (docs/events.md): what it
// published as call.completed, per owner and UTC day of the call's end, for a consumer to compare
// with what it acted on, and the re-publish of chosen calls' call.completed through the outbox
// under their original event ids. Only other services call these routes (signed, service access).

#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "kx/events/outbox.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"

namespace kx::telephony {

/// Completed calls of one owner and day. `digest` is the decimal sum over the calls of the first
/// 60 bits of md5(call_id): equal counts with different calls give different digests.
struct CompletionDay {
  std::string user_id;
  std::string day;  ///< YYYY-MM-DD (UTC)
  std::int64_t calls = 0;
  std::string digest;
};

struct CompletedCall {
  std::string call_id;
  /// Since call.completed was last published (a re-publish starts it again), or went into the
  /// outbox when its row is gone; database clock.
  std::int64_t age_ms = 0;
  bool pending = false;  ///< its outbox row has not been published yet
};

struct RepublishResult {
  std::int64_t requeued = 0;  ///< the original outbox row is published again
  std::int64_t rebuilt = 0;   ///< the row was pruned: the event is written anew under its id
  std::int64_t pending = 0;   ///< still waiting in the outbox; nothing to do
  std::int64_t unknown = 0;   ///< no completed call with this id (erased owner, wrong id)
};

/// SQL over calls and the outbox; every method works in the caller's transaction.
class CompletionRecords {
 public:
  /// Per (owner, day) with from <= day <= to, ordered by (user_id, day), after the cursor
  /// (after_user_id, after_day; empty = from the start), at most `limit` rows.
  static std::vector<CompletionDay> days(pqxx::transaction_base& tx, const std::string& from,
                                         const std::string& to, const std::string& after_user_id,
                                         const std::string& after_day, int limit);
  /// The owner's completed calls of `day`, ordered by call id, after `after_call_id`.
  static std::vector<CompletedCall> calls(pqxx::transaction_base& tx, const std::string& user_id,
                                          const std::string& day, const std::string& after_call_id,
                                          int limit);
  /// Puts the calls' call.completed into the outbox again with their original event ids.
  static RepublishResult republish(pqxx::work& tx, const events::Outbox& outbox,
                                   const std::vector<std::string>& call_ids);
};

/// Thread-safe.
class CompletionRecordsApi {
 public:
  CompletionRecordsApi(pg::Pool& db, const events::Outbox& outbox) : db_(db), outbox_(outbox) {}
  void add_routes(http::Router& router);

  http::Response days(http::Request& req);
  http::Response calls(http::Request& req);
  http::Response republish(http::Request& req);

 private:
  pg::Pool& db_;
  const events::Outbox& outbox_;
};

}  // namespace kx::telephony
