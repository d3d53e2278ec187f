#pragma once
// Google's OAuth 2.0 token endpoints and the Calendar v3, Sheets v4 and Drive v3 calls the
// integrations service makes (provider-wire-formats.md §4–6), with every failure sorted into
// what the caller can do about it. Base URLs are configuration (the local sandbox serves them).

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kx/http/client.hpp"
#include "kx/json/json.hpp"
#include "kx/time/zone.hpp"

namespace kx::integrations {

struct GoogleEndpoints {
  std::string auth_url = "https://accounts.google.com/o/oauth2/v2/auth";
  std::string token_url = "https://oauth2.googleapis.com/token";
  std::string revoke_url = "https://oauth2.googleapis.com/revoke";
  std::string userinfo_url = "https://openidconnect.googleapis.com/v1/userinfo";
  std::string calendar_base = "https://www.googleapis.com/calendar/v3";
  std::string sheets_base = "https://sheets.googleapis.com/v4";
  std::string drive_base = "https://www.googleapis.com/drive/v3";
  std::string client_id;
  std::string client_secret;
  std::string redirect_uri;
};

/// A failed Google request.
///   transient: no answer in time, no connection, 429, 5xx, 403 rate limits: try again later;
///   unauthorized: 401 (the access token is dead: refresh, then try once more);
///   grant_revoked: the token endpoint's invalid_grant (reconnect required, stop retrying);
///   not_found: 404/410 (the event or spreadsheet is gone);
///   conflict: 409 (an event with that id exists);
///   rejected: any other 4xx (our request is wrong or a scope is missing).
class GoogleError : public std::runtime_error {
 public:
  enum class Kind { transient, unauthorized, grant_revoked, not_found, conflict, rejected };
  GoogleError(Kind kind, int status, const std::string& detail)
      : std::runtime_error(detail), kind_(kind), status_(status) {}
  Kind kind() const { return kind_; }
  int status() const { return status_; }  ///< 0 when no answer came

 private:
  Kind kind_;
  int status_;
};

struct TokenGrant {
  std::string access_token;
  std::chrono::seconds expires_in{3600};
  std::optional<std::string> refresh_token;  ///< only on the first exchange (and rotations)
  std::string scope;                         ///< space-separated, as granted
};

struct CalendarEvent {
  std::string id;
  time::Clock::time_point start;
  time::Clock::time_point end;
  std::string status;  ///< "confirmed", "cancelled", …
};

/// What a new event says; times are written in the agent's zone (RFC 3339 with its offset).
struct NewEvent {
  std::string id;  ///< client-chosen (base32hex), so a repeat is 409 and never a second event
  std::string summary;
  std::string description;
  time::Clock::time_point start;
  time::Clock::time_point end;
  std::string timezone;
  std::vector<std::pair<std::string, std::string>> private_properties;
};

struct Spreadsheet {
  std::string id;
  std::string url;
};

/// Thread-safe (kx::http::Client is). Every call takes the time it may use, so a tool call
/// stays within the caller's deadline.
class GoogleClient {
 public:
  explicit GoogleClient(GoogleEndpoints endpoints, http::ClientOptions options = {});
  const GoogleEndpoints& endpoints() const { return endpoints_; }

  // OAuth (form-encoded, client credentials in the body).
  TokenGrant exchange_code(const std::string& code, const std::string& code_verifier,
                           std::chrono::milliseconds timeout);
  TokenGrant refresh(const std::string& refresh_token, std::chrono::milliseconds timeout);
  /// Revoking a token Google no longer knows succeeds.
  void revoke(const std::string& token, std::chrono::milliseconds timeout);
  /// The connected account's e-mail address (OpenID userinfo).
  std::string account_email(const std::string& access_token, std::chrono::milliseconds timeout);

  // Calendar.
  /// The busy spans of `calendar_id` in [from, to).
  std::vector<std::pair<time::Clock::time_point, time::Clock::time_point>> free_busy(
      const std::string& access_token, const std::string& calendar_id, time::Clock::time_point from,
      time::Clock::time_point to, std::chrono::milliseconds timeout);
  void insert_event(const std::string& access_token, const std::string& calendar_id,
                    const NewEvent& event, std::chrono::milliseconds timeout);
  std::optional<CalendarEvent> get_event(const std::string& access_token,
                                         const std::string& calendar_id,
                                         const std::string& event_id,
                                         std::chrono::milliseconds timeout);
  void move_event(const std::string& access_token, const std::string& calendar_id,
                  const std::string& event_id, time::Clock::time_point start,
                  time::Clock::time_point end, const std::string& timezone,
                  std::chrono::milliseconds timeout);
  /// Deleting an event that is gone already succeeds.
  void delete_event(const std::string& access_token, const std::string& calendar_id,
                    const std::string& event_id, std::chrono::milliseconds timeout);

  // Sheets and Drive.
  Spreadsheet create_spreadsheet(const std::string& access_token, const std::string& title,
                                 const std::string& tab, const std::string& timezone,
                                 std::chrono::milliseconds timeout);
  /// Appends rows to the tab (USER_ENTERED: cells must already be safe, see sheet_text()).
  void append_rows(const std::string& access_token, const std::string& spreadsheet_id,
                   const std::string& tab, const std::vector<std::vector<std::string>>& rows,
                   std::chrono::milliseconds timeout);
  /// The values of one column of the tab ("I"), as text.
  std::vector<std::string> column(const std::string& access_token,
                                  const std::string& spreadsheet_id, const std::string& tab,
                                  const std::string& column, std::chrono::milliseconds timeout);
  /// Whether the spreadsheet still exists and is not in the owner's trash.
  bool spreadsheet_usable(const std::string& access_token, const std::string& spreadsheet_id,
                          std::chrono::milliseconds timeout);

 private:
  http::Response send(const std::string& method, const std::string& url,
                      const std::string& access_token, const std::string& body,
                      std::chrono::milliseconds timeout);
  /// A request whose answer must be 200 with a JSON object; anything else is a GoogleError.
  json::Document request_json(const std::string& method, const std::string& url,
                              const std::string& access_token, const std::string& body,
                              std::chrono::milliseconds timeout, std::string_view what);
  TokenGrant token_request(const std::string& form, std::chrono::milliseconds timeout);

  GoogleEndpoints endpoints_;
  http::Client client_;
};

/// RFC 3339 with the offset of `zone` at `t` ("2026-01-05T10:30:00+01:00").
std::string rfc3339(time::Clock::time_point t, const time::Zone& zone);
/// Parses RFC 3339 ("…Z", "…+01:00", fractional seconds); std::nullopt when malformed.
std::optional<time::Clock::time_point> parse_rfc3339(std::string_view text);
/// A Sheets A1 range for a whole tab, quoted ('Anrufe'!A1; inner ' doubled).
std::string a1_tab(const std::string& tab, const std::string& cells);

}  // namespace kx::integrations
