#pragma once
// The owner's call log in Google Sheets: one row per completed call (test calls left out),
// queued on call.completed and written by a worker with retries and backoff. The spreadsheet is
// created on the first call (German header row) and created anew when the owner deleted it.
// A row is never written twice: an append whose outcome is unknown (timeout, crash) is checked
// against the sheet's call-id column before it is tried again.

#include <chrono>
#include <vector>

#include "google_accounts.hpp"
#include "kx/events/envelope.hpp"

namespace kx::integrations {

struct CallLogSettings {
  std::chrono::milliseconds google_timeout{10'000};
  std::chrono::seconds first_retry{5};
  std::chrono::seconds max_retry{3600};
  int max_attempts = 12;
  std::chrono::seconds lease{120};  ///< a claimed row is another worker's again after this
};

/// The header row: Datum, Uhrzeit, Anrufer, Agent, Dauer, Status, Zusammenfassung, Termin
/// gebucht, Anruf-ID.
const std::vector<std::string>& sheet_header();

/// Thread-safe; several workers (replicas) share the queue.
class CallLog {
 public:
  CallLog(pg::Pool& db, GoogleAccounts& accounts, GoogleClient& google, CallLogSettings settings);

  /// call.completed (a batch's at once): queues the rows of connected owners' real calls.
  void on_calls_completed(const std::vector<const events::Event*>& events, pqxx::work& tx);

  /// Writes the due rows of one owner; returns how many rows it settled (written or given up).
  int run_once();

 private:
  pg::Pool& db_;
  GoogleAccounts& accounts_;
  GoogleClient& google_;
  CallLogSettings settings_;
};

}  // namespace kx::integrations
