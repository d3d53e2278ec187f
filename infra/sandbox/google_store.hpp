#pragma once
// What the Google stand-in keeps, in memory (lost on restart): the OAuth codes and grants it
// issued, and per Google account (the e-mail chosen on the consent page) one calendar with its
// events and the spreadsheets the app created. google.cpp reads and writes it; GET /google/_state
// shows all of it.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kx::sandbox {

using GoogleClock = std::chrono::system_clock;

/// An authorization code from the consent page, waiting for its exchange.
struct GoogleCode {
  std::string client_id;
  std::string redirect_uri;
  std::string code_challenge;  ///< empty: no PKCE
  std::string code_challenge_method;
  std::set<std::string> scopes;  ///< what the user granted
  std::string email;
  bool offline = false;  ///< access_type=offline: the exchange issues a refresh token
  GoogleClock::time_point expires;
  bool used = false;
};

/// One consent: a refresh token (when offline) and the access tokens issued for it.
struct GoogleGrant {
  std::string id;
  std::string client_id;
  std::string email;
  std::set<std::string> scopes;
  std::string refresh_token;  ///< empty without access_type=offline
  GoogleClock::time_point created;
  bool revoked = false;
  std::int64_t refreshes = 0;
};

struct GoogleAccessToken {
  std::string grant_id;
  GoogleClock::time_point expires;
};

/// A calendar event: the Event resource as JSON text (what the API answers), and what the
/// stand-in filters and computes free/busy on.
struct GoogleEvent {
  std::string id;
  std::string json;
  std::int64_t seq = 0;  ///< insertion order
  GoogleClock::time_point start;
  GoogleClock::time_point end;
  GoogleClock::time_point updated;
  bool cancelled = false;
  bool transparent = false;
  std::map<std::string, std::string> private_properties;
  std::map<std::string, std::string> shared_properties;
  std::string search_text;  ///< lower-case summary, description, location, attendees (for q)
};

/// One stored cell: a JSON value (string, number or bool) and how Sheets read it.
struct GoogleCell {
  std::string json;  ///< "null" for a skipped cell
  /// "text", "number", "bool", "formula" (USER_ENTERED text starting with "=", or "+"/"-" not
  /// followed by a number) or "empty".
  std::string kind = "empty";
};

struct GoogleSheet {
  std::int64_t sheet_id = 0;
  std::string title;
  std::int64_t frozen_rows = 0;
  std::vector<std::vector<GoogleCell>> rows;
};

struct GoogleSpreadsheet {
  std::string id;
  std::string owner;  ///< the account's e-mail
  std::string title;
  std::string locale;
  std::string time_zone;
  std::vector<GoogleSheet> sheets;
  GoogleClock::time_point created;
  bool trashed = false;
};

struct GoogleAccount {
  std::string email;
  std::string sub;  ///< Google's stable numeric user id
  std::map<std::string, GoogleEvent> events;
};

/// Everything the stand-in holds.
struct GoogleState {
  std::map<std::string, GoogleCode> codes;
  std::map<std::string, GoogleGrant> grants;  ///< by grant id
  std::map<std::string, GoogleAccessToken> access_tokens;
  std::map<std::string, GoogleAccount> accounts;  ///< by e-mail
  std::map<std::string, GoogleSpreadsheet> spreadsheets;
  std::set<std::string> deleted_spreadsheets;
  std::int64_t seq = 0;
};

/// Thread-safe: every access runs under one mutex.
class GoogleStore {
 public:
  /// Runs `fn(GoogleState&)` under the store's lock and returns its result. `fn` must not call
  /// back into the store.
  template <class Fn>
  auto with(Fn&& fn) {
    std::lock_guard lock(mutex_);
    return fn(state_);
  }
  /// Forgets everything.
  void reset() {
    std::lock_guard lock(mutex_);
    state_ = GoogleState{};
  }

 private:
  std::mutex mutex_;
  GoogleState state_;
};

}  // namespace kx::sandbox
