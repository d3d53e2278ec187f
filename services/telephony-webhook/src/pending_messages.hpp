#pragma once
// Status updates and end-of-call reports that arrive before the routing copy knows their agent
// (a new agent's first call, a number moved to another agent: Vapi can be faster than our
// events). They are kept, never attributed to someone else, and recorded (and so charged) as soon
// as their agent's events arrive; the maintenance job retries whatever is still waiting.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include <pqxx/pqxx>

#include "call_recorder.hpp"
#include "vapi_message.hpp"

namespace kx::telephony {

/// Which waiting messages a newly known route may explain.
struct PendingFilter {
  std::string assistant_id;     ///< messages naming this assistant
  std::string phone_number_id;  ///< messages naming no assistant, dialled on this number
  std::string phone_number;     ///< ... or on this E.164 number
};

/// Thread-safe (state lives in the database). Every method works inside the caller's
/// transaction.
class PendingMessages {
 public:
  explicit PendingMessages(CallRecorder& recorder) : recorder_(recorder) {}

  /// Serialises, per assistant (or per number for messages naming none), a message's route
  /// lookup with the arrival of that assistant's routing events, so neither can miss the other.
  /// Messages hold the lock shared, so they do not wait for each other. Call before
  /// RoutingStore::for_call when the message may be deferred.
  static void lock_route(pqxx::work& tx, const VapiCall& call);
  /// The same lock, held exclusively, for a routing event about `filter`'s assistant and number.
  static void lock_route(pqxx::work& tx, const PendingFilter& filter);

  /// Keeps the message (its raw, verified body) until its agent is known. A repeat is a no-op.
  static void defer(pqxx::work& tx, const VapiMessage& message, const std::string& body);

  /// Records every waiting message that `filter` matches (all messages when the filter is
  /// empty) and whose route is now known, oldest first, and removes it; returns how many.
  /// Rows another transaction is working on are skipped (SKIP LOCKED).
  std::size_t attribute(pqxx::work& tx, const PendingFilter& filter, int limit = 500);

  /// Deletes messages kept since before `before` (the retention period: their agent never came,
  /// e.g. its owner was deleted meanwhile); returns how many.
  static std::int64_t expire(pqxx::work& tx, Clock::time_point before);

  /// Messages still waiting, and the age in seconds of the oldest (0 when none).
  static std::pair<std::int64_t, std::int64_t> backlog(pqxx::work& tx);

 private:
  CallRecorder& recorder_;
};

}  // namespace kx::telephony
