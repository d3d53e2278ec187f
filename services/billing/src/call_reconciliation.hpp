#pragma once
// Cross-service reconciliation of calls (docs/events.md): every call telephony-webhook completed
// must have been decided by billing (charged, or free). A broker may lose events it had
// acknowledged (the dev broker when killed, a real one after an unclean failover), so billing,
// the consumer, compares regularly: per owner and UTC day of the call's end over the last few
// days, first counts and digests (one small answer from the producer), then, only for the days
// that differ, the call ids. Calls completed long enough ago (the settle time) and still not
// decided are drift: billing asks telephony-webhook to publish their call.completed again from
// its own records, through its outbox and under the original event ids, so every consumer's
// inbox recognises a repeat and only the consumers that missed it act on it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kx/pg/pg.hpp"

namespace kx::billing {

using Clock = std::chrono::system_clock;

/// Calls of one owner and UTC day: their number and a digest of their ids (the sum of the first
/// 60 bits of md5(call_id), as decimal text), computed the same way on both sides.
struct OwnerDay {
  std::string user_id;
  std::string day;  ///< YYYY-MM-DD
  std::int64_t calls = 0;
  std::string digest = "0";
};

/// A day the producer's calls and billing's decisions differ on.
struct DifferingDay {
  std::string user_id;
  std::string day;
  std::int64_t completed = 0;
  std::int64_t charged = 0;
};

/// The producer's days whose count or digest billing does not match (a day billing has no
/// decision on counts as charged = 0). Days only billing knows (the producer erased a deleted
/// owner's calls) are no drift. Both lists sorted by (user_id, day).
std::vector<DifferingDay> differing_days(const std::vector<OwnerDay>& completed,
                                         const std::vector<OwnerDay>& charged);

/// One completed call as the producer reports it.
struct ProducerCall {
  std::string call_id;
  std::chrono::milliseconds age{0};  ///< since its call.completed was last published
  bool pending = false;              ///< still in the producer's outbox
};

/// A completed call billing has not decided is in flight while its event may still be on its
/// way (in the producer's outbox, or completed less than `settle` ago), else missing. The age
/// comes from the producer's database clock, so the hosts' clocks do not matter.
bool in_flight(const ProducerCall& call, std::chrono::milliseconds settle);

/// telephony-webhook's records of completed calls. Implementations throw
/// ProducerUnavailable when the producer cannot answer.
class CompletedCalls {
 public:
  virtual ~CompletedCalls() = default;
  struct DaysPage {
    std::vector<OwnerDay> days;
    bool has_more = false;
  };
  struct CallsPage {
    std::vector<ProducerCall> calls;
    bool has_more = false;
  };
  /// Days from..to (inclusive) after the cursor (empty = from the start).
  virtual DaysPage days(const std::string& from, const std::string& to,
                        const std::string& after_user_id, const std::string& after_day) = 0;
  /// One owner's completed calls of one day, after `after_call_id`, by id.
  virtual CallsPage calls(const std::string& user_id, const std::string& day,
                          const std::string& after_call_id) = 0;
  /// Has the calls' call.completed published again; returns how many were sent again (calls
  /// whose event was still pending or that the producer no longer knows are not counted).
  virtual std::int64_t republish(const std::vector<std::string>& call_ids) = 0;
};

struct ProducerUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct ReconciliationSettings {
  int days = 3;                               ///< today and the days before it
  std::chrono::milliseconds settle{300'000};  ///< how long an event may take to arrive
  std::chrono::milliseconds interval{600'000};
};

/// What one run found, per owner-day with missing calls, and in total.
struct ReconciliationRun {
  std::int64_t id = 0;
  std::string trigger;  ///< schedule or admin
  std::optional<std::string> admin_id;
  std::string started_at;     ///< ISO-8601, UTC
  double finished_epoch = 0;  ///< seconds since 1970 (stored runs)
  std::string window_from, window_to;
  std::int64_t days_checked = 0;
  std::int64_t days_differing = 0;
  std::int64_t missing = 0;
  std::int64_t in_flight = 0;
  std::int64_t republished = 0;
  std::optional<std::string> error;
  struct Drift {
    std::string user_id;
    std::string day;
    std::int64_t completed = 0;
    std::int64_t charged = 0;
    std::int64_t missing = 0;
    std::int64_t republished = 0;
  };
  std::vector<Drift> drift;
};

/// Thread-safe. One run at a time across all replicas (a PostgreSQL advisory lock).
class CallReconciliation {
 public:
  CallReconciliation(pg::Pool& db, CompletedCalls& producer, ReconciliationSettings settings)
      : db_(db), producer_(producer), settings_(settings) {}

  /// Compares, repairs and stores the run; std::nullopt when another run (on any replica) is
  /// going on. A producer that cannot answer ends the run early with `error` set (stored too).
  /// Blocks on PostgreSQL and HTTP; throws on database errors.
  std::optional<ReconciliationRun> run(const std::string& trigger,
                                       const std::optional<std::string>& admin_id);
  /// The periodic job: runs unless any replica ran within half the interval (replicas share
  /// the work instead of each running once per interval); otherwise sets the
  /// kx_reconciliation_* gauges from the latest stored run, so every replica exports the same.
  void run_if_due();

  const ReconciliationSettings& settings() const { return settings_; }

 private:
  void compare(ReconciliationRun& run);
  void settle_day(ReconciliationRun& run, const DifferingDay& day);

  pg::Pool& db_;
  CompletedCalls& producer_;
  ReconciliationSettings settings_;
};

}  // namespace kx::billing
