#include "call_log.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>

#include "event_handlers.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"
#include "kx/pg/list.hpp"
#include "kx/pg/pg.hpp"
#include "kx/text/csv.hpp"
#include "kx/time/format.hpp"
#include "kx/time/timestamp.hpp"

namespace kx::integrations {
namespace {

// Run for every batch of completed calls and every written row: prepared (key lookups, one plan
// suits all). For the calls ($1 owners, $2 agents, in the batch's order) whose owner has Google
// connected: the call's place in the lists (n, from 1) and its agent's name and zone (null while
// the agent is not known here).
const pg::Statement kConnectedAgents(
    "SELECT k.n, a.name, a.timezone FROM unnest($1::text[], $2::text[]) WITH ORDINALITY "
    "AS k (user_id, agent_id, n) JOIN google_connections g ON g.user_id = k.user_id "
    "LEFT JOIN agents a ON a.agent_id = k.agent_id ORDER BY k.n");
const pg::Statement kAddSheetRow(
    "INSERT INTO sheet_rows (call_id, user_id, cells) VALUES ($1, $2, $3::jsonb) "
    "ON CONFLICT (call_id) DO NOTHING");
// A batch's rows in one statement each: as they go out, and once Google took them. Planned on
// every run, not prepared: a generic plan made while sheet_rows was nearly empty scans the whole
// table, and would be kept while it grows (see kMarkPublished in libs/events).
constexpr const char* kSheetRowsUncertain =
    "UPDATE sheet_rows SET state = 'uncertain' WHERE call_id = ANY ($1::text[])";
constexpr const char* kSheetRowsDone =
    "UPDATE sheet_rows SET state = 'done', done_at = now(), last_error = NULL "
    "WHERE call_id = ANY ($1::text[])";

constexpr const char* kTab = "Anrufe";
constexpr const char* kCallIdColumn = "I";
constexpr std::size_t kMaxSummary = 2'000;

std::string status_de(std::string_view status) {
  if (status == "completed")
    return "Beendet";
  if (status == "failed")
    return "Fehlgeschlagen";
  if (status == "no_answer")
    return "Nicht angenommen";
  if (status == "busy")
    return "Besetzt";
  if (status == "transferred")
    return "Weitergeleitet";
  if (status == "escalated")
    return "An Mitarbeiter übergeben";
  if (status == "voicemail")
    return "Mailbox";
  return std::string(status);
}

std::string duration_de(std::int64_t seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld:%02lld Min.", static_cast<long long>(seconds / 60),
                static_cast<long long>(seconds % 60));
  return buf;
}

// Cut at a character boundary.
std::string clip(std::string text, std::size_t max_bytes) {
  if (text.size() <= max_bytes)
    return text;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  text.resize(cut);
  return text + " …";
}

// outcome: written, retry (Google failed, tried again later), failed (given up).
metrics::Counter& rows_total(const char* outcome) {
  return metrics::Registry::global().counter("kx_call_log_rows_total",
                                             "Call-log rows for Google Sheets by outcome.",
                                             {{"outcome", outcome}});
}

std::chrono::seconds backoff(int attempts, const CallLogSettings& s) {
  auto base = s.first_retry * (1LL << std::min(attempts, 20));
  auto capped = std::min<std::chrono::seconds>(base, s.max_retry);
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<long long> jitter(0, std::max<long long>(capped.count() / 4, 0));
  return capped + std::chrono::seconds(jitter(rng));
}

}  // namespace

const std::vector<std::string>& sheet_header() {
  static const std::vector<std::string> header = {"Datum",           "Uhrzeit",        "Anrufer",
                                                  "Agent",           "Dauer",          "Status",
                                                  "Zusammenfassung", "Termin gebucht", "Anruf-ID"};
  return header;
}

CallLog::CallLog(pg::Pool& db, GoogleAccounts& accounts, GoogleClient& google,
                 CallLogSettings settings)
    : db_(db), accounts_(accounts), google_(google), settings_(settings) {}

void CallLog::on_calls_completed(const std::vector<const events::Event*>& events, pqxx::work& tx) {
  // One lookup for the batch: most owners have no Google connection.
  auto calls = real_calls(events);
  if (calls.events.empty())
    return;
  auto connected = pg::exec_prepared(tx, kConnectedAgents, pg::text_array(calls.users),
                                     pg::text_array(calls.agents));
  for (const auto& row : connected) {
    auto n = row[0].as<std::size_t>() - 1;
    const auto& doc = calls.data.at(n);
    auto agent_name = row[1].get<std::string>();
    auto zone =
        time::Zone::find(row[2].as<std::string>("Europe/Berlin")).value_or(time::Zone::utc());
    auto started = time::parse_timestamp(json::get_string(doc, "started_at"));
    if (!started)  // the schema requires RFC 3339: the event is broken, the handler fails
      throw std::invalid_argument("call.completed without a readable started_at");
    auto local = zone.local(*started);
    auto caller = json::get_optional_string(doc, "caller_number");
    auto summary = json::get_optional_string(doc, "summary");
    // Everything that came from a caller or an owner is text that must never run as a formula.
    std::vector<std::string> cells = {
        time::format_date(local.date, time::Language::de),
        time::format_clock(local.minutes, time::Language::de),
        caller ? text::spreadsheet_text(*caller) : "unterdrückt",
        text::spreadsheet_text(agent_name.value_or("—")),
        duration_de(json::get_int(doc, "duration_seconds")),
        status_de(json::get_string(doc, "status")),
        text::spreadsheet_text(clip(summary.value_or(""), kMaxSummary)),
        json::get_bool(doc, "appointment_booked") ? "Ja" : "Nein",
        text::spreadsheet_text(json::get_string(doc, "call_id"))};
    // "14:30 Uhr" would not be read as a time by Sheets; the column says Uhrzeit.
    if (auto pos = cells[1].find(" Uhr"); pos != std::string::npos)
      cells[1].resize(pos);
    json::Writer w;
    w.begin_array();
    for (const auto& c : cells)
      w.value(c);
    w.end_array();
    pg::exec_prepared(tx, kAddSheetRow, json::get_string(doc, "call_id"), calls.users.at(n),
                      w.str());
  }
}

int CallLog::run_once() {
  struct Row {
    std::string call_id;
    std::vector<std::string> cells;
    bool uncertain;
    int attempts;
  };
  std::string user_id;
  std::vector<Row> rows;
  // Claims the due rows of one owner for the lease: another worker skips them meanwhile.
  pg::transact(db_, [&](pqxx::work& tx) {
    auto first = tx.exec(
        "SELECT user_id FROM sheet_rows WHERE state IN ('pending', 'uncertain') "
        "AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED");
    if (first.empty())
      return;
    user_id = first[0][0].as<std::string>();
    auto claimed = tx.exec_params(
        "WITH due AS (SELECT call_id FROM sheet_rows WHERE user_id = $1 "
        "  AND state IN ('pending', 'uncertain') AND next_attempt_at <= now() "
        "  ORDER BY created_at LIMIT 100 FOR UPDATE SKIP LOCKED) "
        "UPDATE sheet_rows s SET next_attempt_at = now() + make_interval(secs => $2), "
        "  attempts = s.attempts + 1 FROM due WHERE s.call_id = due.call_id "
        "RETURNING s.call_id, s.cells::text, s.state = 'uncertain', s.attempts",
        user_id, static_cast<double>(settings_.lease.count()));
    for (const auto& r : claimed) {
      Row row{r[0].as<std::string>(), {}, r[2].as<bool>(), r[3].as<int>()};
      auto cells = json::parse(r[1].as<std::string>());
      for (const auto& c : cells.GetArray())
        row.cells.emplace_back(c.GetString(), c.GetStringLength());
      rows.push_back(std::move(row));
    }
  });
  // The rows of a call log in the order the calls ended (call ids are time-ordered UUIDs).
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.call_id < b.call_id; });
  if (rows.empty())
    return 0;

  auto settle = [&](const std::vector<std::string>& ids, const std::string& state,
                    const std::string& error) {
    if (state == "done") {
      rows_total("written").inc(static_cast<double>(ids.size()));
      pg::autocommit(db_, [&](pqxx::transaction_base& tx) {
        tx.exec_params(kSheetRowsDone, pg::text_array(ids));
      });
      return;
    }
    rows_total("retry").inc(static_cast<double>(ids.size()));
    pg::transact(db_, [&](pqxx::work& tx) {
      for (const auto& id : ids) {
        auto r = tx.exec_params(
            "UPDATE sheet_rows SET state = CASE WHEN attempts >= $3 THEN 'failed' "
            "WHEN $2 = 'keep' THEN state ELSE $2 END, "
            "last_error = $4, next_attempt_at = now() + make_interval(secs => $5) "
            "WHERE call_id = $1 RETURNING state = 'failed'",
            id, state, settings_.max_attempts, error,
            static_cast<double>(backoff(rows.front().attempts, settings_).count()));
        if (!r.empty() && r[0][0].as<bool>()) {
          rows_total("failed").inc();
          log::error("call log row given up",
                     {{"user_id", user_id}, {"call_id", id}, {"error", error}});
        }
      }
    });
  };
  std::vector<std::string> ids;
  for (const auto& r : rows)
    ids.push_back(r.call_id);

  Deadline deadline(settings_.google_timeout * 4);
  std::string token;
  try {
    auto t = accounts_.access_token(user_id, deadline);
    if (!t) {
      settle(ids, "keep", "Google ist nicht verbunden.");
      return 0;
    }
    token = *t;
    auto connection = accounts_.find(user_id);
    auto email = connection ? connection->google_email : std::string();
    // The spreadsheet: the stored one while it is usable, else a new one. The owner's settings
    // row is locked meanwhile, so two workers never create two.
    auto sheet_id = pg::transact(db_, [&](pqxx::work& tx) {
      tx.exec_params("INSERT INTO owner_settings (user_id) VALUES ($1) ON CONFLICT DO NOTHING",
                     user_id);
      auto s = tx.exec_params(
          "SELECT sheet_id, sheet_email FROM owner_settings WHERE user_id = $1 FOR UPDATE",
          user_id);
      if (!s[0][0].is_null() && s[0][1].as<std::string>("") == email &&
          google_.spreadsheet_usable(token, s[0][0].as<std::string>(),
                                     deadline.left(settings_.google_timeout)))
        return s[0][0].as<std::string>();
      auto zone = tx.exec_params(
          "SELECT timezone FROM agents WHERE user_id = $1 AND NOT deleted ORDER BY changed_at "
          "DESC LIMIT 1",
          user_id);
      auto created =
          google_.create_spreadsheet(token, "Kametrix Anrufprotokoll", kTab,
                                     zone.empty() ? "Europe/Berlin" : zone[0][0].as<std::string>(),
                                     deadline.left(settings_.google_timeout));
      google_.append_rows(token, created.id, kTab, {sheet_header()},
                          deadline.left(settings_.google_timeout));
      tx.exec_params(
          "UPDATE owner_settings SET sheet_id = $2, sheet_url = $3, sheet_email = $4, "
          "updated_at = now() WHERE user_id = $1",
          user_id, created.id, created.url, email);
      log::info("call log spreadsheet created", {{"user_id", user_id}});
      // Rows that were uncertain went to the old spreadsheet, if anywhere: write them anew.
      for (auto& r : rows)
        r.uncertain = false;
      return created.id;
    });
    // Appends whose outcome is unknown may have landed: the call-id column tells.
    if (std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.uncertain; })) {
      auto present = google_.column(token, sheet_id, kTab, kCallIdColumn,
                                    deadline.left(settings_.google_timeout));
      std::vector<std::string> already;
      std::erase_if(rows, [&](const Row& r) {
        bool there =
            r.uncertain && std::find(present.begin(), present.end(), r.call_id) != present.end();
        if (there)
          already.push_back(r.call_id);
        return there;
      });
      if (!already.empty())
        settle(already, "done", "");
    }
    if (rows.empty())
      return static_cast<int>(ids.size());
    std::vector<std::vector<std::string>> values;
    std::vector<std::string> sending;
    for (const auto& r : rows) {
      values.push_back(r.cells);
      sending.push_back(r.call_id);
    }
    // From here on an interruption leaves the outcome unknown.
    pg::autocommit(db_, [&](pqxx::transaction_base& tx) {
      tx.exec_params(kSheetRowsUncertain, pg::text_array(sending));
    });
    try {
      google_.append_rows(token, sheet_id, kTab, values, deadline.left(settings_.google_timeout));
    } catch (const GoogleError& e) {
      // An answer that refuses the rows means nothing was written.
      bool refused = e.status() != 0 && e.status() < 500;
      settle(sending, refused ? "pending" : "uncertain", e.what());
      log::warn("call log append failed", {{"user_id", user_id}, {"error", e.what()}});
      return 0;
    }
    settle(sending, "done", "");
    return static_cast<int>(ids.size());
  } catch (const GoogleError& e) {
    settle(ids, "keep", e.what());
    log::warn("call log not written", {{"user_id", user_id}, {"error", e.what()}});
    return 0;
  }
}

}  // namespace kx::integrations
