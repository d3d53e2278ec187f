#include "mail_queue.hpp"

#include <algorithm>

#include "event_handlers.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/pg/list.hpp"
#include "kx/time/zone.hpp"
#include "mail_templates.hpp"

namespace kx::integrations {
namespace {

constexpr const char* kSelectForRender =
    "SELECT m.kind, m.event_id, m.user_id, m.recipient, m.language, m.params::text, "
    "o.email, o.name, o.locale, coalesce(o.deleted, false) "
    "FROM mails m LEFT JOIN mail_owners o ON o.user_id = m.user_id WHERE m.id = $1";

constexpr const char* kClaimDue =
    "WITH due AS (SELECT id FROM mails WHERE state = 'pending' AND next_attempt_at <= now() "
    "  ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) "
    "UPDATE mails m SET next_attempt_at = now() + make_interval(secs => $2) FROM due "
    "WHERE m.id = due.id RETURNING m.id";

// Kinds whose message carries a secret link: kept only until sent.
bool carries_secret(std::string_view kind) {
  return kind == "verify_email" || kind == "password_reset";
}

std::string event_time(const events::Event& e) {
  return e.time.empty() ? events::utc_now() : e.time;
}

std::chrono::seconds retry_delay(int attempts, const MailSettings& s) {
  auto delay = s.first_retry;
  for (int i = 1; i < attempts && delay < s.max_retry; ++i)
    delay *= 2;
  return std::min(delay, s.max_retry);
}

bool opted_in(pqxx::work& tx, const std::string& user_id, const char* column) {
  // Asked for every booking: prepared, one statement per column (a handful).
  auto r = pg::exec_prepared(
      tx,
      pg::Statement(std::string("SELECT ") + column + " FROM mail_preferences WHERE user_id = $1"),
      user_id);
  return !r.empty() && r[0][0].as<bool>();
}

std::string agent_name(pqxx::work& tx, const std::string& agent_id) {
  static const pg::Statement kAgentName("SELECT name FROM agents WHERE agent_id = $1");
  auto r = pg::exec_prepared(tx, kAgentName, agent_id);
  return r.empty() ? "—" : r[0][0].as<std::string>();
}

}  // namespace

MailQueue::MailQueue(pg::Pool& db, const SmtpSender& smtp, MailSettings settings)
    : db_(db), smtp_(smtp), settings_(std::move(settings)) {}

void MailQueue::queue(pqxx::work& tx, const std::string& kind, const std::string& event_id,
                      const std::string& user_id, const std::string& params,
                      const std::optional<std::pair<std::string, std::string>>& recipient) {
  auto owner = tx.exec_params("SELECT deleted FROM mail_owners WHERE user_id = $1", user_id);
  if (!owner.empty() && owner[0][0].as<bool>())
    return;
  std::optional<std::string> email, language;
  if (recipient) {
    email = recipient->first;
    language = recipient->second;
  }
  auto inserted = tx.exec_params(
      "INSERT INTO mails (id, kind, event_id, user_id, recipient, language, params, message_id) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) ON CONFLICT (kind, event_id) DO NOTHING "
      "RETURNING id",
      crypto::uuid_v7(), kind, event_id, user_id, email, language, params,
      kind + "." + event_id + "@" + settings_.domain);
  if (!inserted.empty())
    render(tx, inserted[0][0].as<std::string>());
}

bool MailQueue::render(pqxx::work& tx, const std::string& id) {
  auto r = tx.exec_params(kSelectForRender, id);
  if (r.empty())
    return false;
  const auto& row = r[0];
  auto kind = row[0].as<std::string>();
  auto user_id = row[2].as<std::string>();
  if (row[9].as<bool>()) {
    tx.exec_params("DELETE FROM mails WHERE id = $1", id);
    return true;
  }
  auto recipient = row[3].is_null() ? row[6].as<std::string>("") : row[3].as<std::string>();
  if (recipient.empty())
    return false;
  MailFrame frame;
  frame.language = row[4].is_null() ? row[8].as<std::string>("de") : row[4].as<std::string>();
  frame.name = row[7].as<std::string>("");
  frame.public_origin = settings_.public_origin;
  if (is_opt_in(kind))
    frame.unsubscribe_url = settings_.public_origin +
                            "/api/public/unsubscribe?token=" + unsubscribe_token(user_id, kind);
  auto params = json::parse(row[5].as<std::string>("{}"));
  auto mail = render_mail(kind, frame, params);

  MimeMessage m;
  m.from = settings_.from;
  m.to = {frame.name, recipient};
  m.subject = mail.subject;
  m.text = mail.text;
  m.html = mail.html;
  m.message_id = kind + "." + row[1].as<std::string>() + "@" + settings_.domain;
  m.date = time::Clock::now();
  m.utc_offset = time::Zone::find("Europe/Berlin").value_or(time::Zone::utc()).offset_at(m.date);
  if (is_opt_in(kind))
    m.unsubscribe_url = frame.unsubscribe_url;
  std::string raw;
  try {
    raw = build_mime(m);
  } catch (const std::invalid_argument& e) {
    tx.exec_params(
        "UPDATE mails SET state = 'failed', recipient = $2, last_error = $3 WHERE id = $1", id,
        recipient, std::string("Die Empfängeradresse ist nicht verwendbar."));
    return true;
  }
  tx.exec_params(
      "UPDATE mails SET recipient = $2, language = $3, subject = $4, raw = $5, "
      "next_attempt_at = now() WHERE id = $1",
      id, recipient, frame.language, mail.subject, raw);
  return true;
}

void MailQueue::upsert_owner(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto user_id = json::get_string(doc, "user_id");
  auto changed = json::get_string(
      doc, event.type == "user.registered" ? "registered_at" : "updated_at", event_time(event));
  tx.exec_params(
      "INSERT INTO mail_owners (user_id, email, name, locale, changed_at) "
      "VALUES ($1, $2, $3, $4, $5::timestamptz) ON CONFLICT (user_id) DO UPDATE "
      "SET email = $2, name = $3, locale = $4, changed_at = $5::timestamptz "
      "WHERE mail_owners.changed_at <= $5::timestamptz AND NOT mail_owners.deleted",
      user_id, json::get_string(doc, "email"), json::get_string(doc, "name"),
      json::get_string(doc, "locale", "de") == "en" ? "en" : "de", changed);
  // Mails that waited for this owner go out with the next round.
  tx.exec_params(
      "UPDATE mails SET next_attempt_at = now() WHERE user_id = $1 AND state = 'pending' "
      "AND raw IS NULL",
      user_id);
}

void MailQueue::on_user_registered(const events::Event& event, pqxx::work& tx) {
  upsert_owner(event, tx);
  auto doc = json::parse(event.data);
  queue(tx, "welcome", event.id, json::get_string(doc, "user_id"), "{}");
}

void MailQueue::on_user_updated(const events::Event& event, pqxx::work& tx) {
  upsert_owner(event, tx);
}

void MailQueue::on_user_deleted(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto user_id = json::get_string(doc, "user_id");
  tx.exec_params(
      "INSERT INTO mail_owners (user_id, deleted, changed_at) VALUES ($1, true, $2::timestamptz) "
      "ON CONFLICT (user_id) DO UPDATE SET email = NULL, name = NULL, deleted = true",
      user_id, event_time(event));
  tx.exec_params("DELETE FROM mail_preferences WHERE user_id = $1", user_id);
  tx.exec_params("DELETE FROM mails WHERE user_id = $1", user_id);
}

namespace {

// The mail's data: the named amounts of a credits event, as they are.
std::string amounts(const json::Value& doc, std::initializer_list<const char*> fields) {
  json::Writer w;
  w.begin_object();
  for (const char* f : fields)
    w.field(f, json::get_int(doc, f));
  w.end_object();
  return w.str();
}

}  // namespace

void MailQueue::on_credits_low(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  queue(tx, "low_balance", event.id, json::get_string(doc, "user_id"),
        amounts(doc, {"balance_cents", "threshold_cents"}));
}

void MailQueue::on_credits_deducted(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto balance = json::get_int(doc, "balance_cents");
  if (balance >= 0 || balance + json::get_int(doc, "cents") < 0)
    return;
  queue(tx, "grace_entered", event.id, json::get_string(doc, "user_id"),
        amounts(doc, {"balance_cents"}));
}

void MailQueue::on_credits_exhausted(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  queue(tx, "agents_paused", event.id, json::get_string(doc, "user_id"),
        amounts(doc, {"balance_cents", "grace_limit_cents"}));
}

void MailQueue::on_credits_restored(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  queue(tx, "agents_resumed", event.id, json::get_string(doc, "user_id"),
        amounts(doc, {"balance_cents"}));
}

void MailQueue::on_credits_purchased(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto pack = json::get_string(doc, "pack_id");
  json::Writer w;
  w.begin_object()
      .field("pack", json::get_string(doc, "pack_name", pack))
      .field("credits_count", json::get_int(doc, "credits"))
      .field("amount_cents", json::get_int(doc, "amount_cents"))
      .field("balance_cents", json::get_int(doc, "balance_cents"))
      .field("transaction_id", json::get_string(doc, "transaction_id"))
      .field("purchased_date", event_time(event))
      .end_object();
  queue(tx, "purchase_receipt", event.id, json::get_string(doc, "user_id"), w.str());
}

void MailQueue::on_calls_completed(const std::vector<const events::Event*>& events,
                                   pqxx::work& tx) {
  // For every completed call, one lookup per batch: prepared. For the calls ($1 owners, $2
  // agents, in the batch's order) whose owner turned call summaries on: the call's place in the
  // lists (n, from 1) and its agent's name and zone (null while the agent is not known here).
  static const pg::Statement kOptedInWithAgent(
      "SELECT k.n, a.name, a.timezone FROM unnest($1::text[], $2::text[]) WITH ORDINALITY "
      "AS k (user_id, agent_id, n) JOIN mail_preferences p ON p.user_id = k.user_id "
      "AND p.call_summary LEFT JOIN agents a ON a.agent_id = k.agent_id ORDER BY k.n");
  auto calls = real_calls(events);
  if (calls.events.empty())
    return;
  auto opted = pg::exec_prepared(tx, kOptedInWithAgent, pg::text_array(calls.users),
                                 pg::text_array(calls.agents));
  for (const auto& row : opted) {
    auto n = row[0].as<std::size_t>() - 1;
    const auto& doc = calls.data.at(n);
    json::Writer w;
    w.begin_object()
        .field("agent", row[1].as<std::string>("—"))
        .field("timezone", row[2].as<std::string>("Europe/Berlin"))
        .field("started_time", json::get_string(doc, "started_at"))
        .field("duration_seconds", json::get_int(doc, "duration_seconds"))
        .field("status", json::get_string(doc, "status"))
        .field("appointment_booked", json::get_bool(doc, "appointment_booked"));
    if (auto caller = json::get_optional_string(doc, "caller_number"))
      w.field("caller", *caller);
    if (auto summary = json::get_optional_string(doc, "summary"); summary && !summary->empty())
      w.field("summary", *summary);
    w.end_object();
    queue(tx, "call_summary", calls.events.at(n)->id, calls.users.at(n), w.str());
  }
}

void MailQueue::on_appointment_booked(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto user_id = json::get_string(doc, "user_id");
  if (!opted_in(tx, user_id, "new_booking"))
    return;
  json::Writer w;
  w.begin_object()
      .field("agent", agent_name(tx, json::get_string(doc, "agent_id")))
      .field("caller_name", json::get_string(doc, "caller_name"))
      .field("timezone", json::get_string(doc, "timezone", "Europe/Berlin"))
      .field("start_time", json::get_string(doc, "start"))
      .field("end_clock", json::get_string(doc, "end"))
      .end_object();
  queue(tx, "new_booking", event.id, user_id, w.str());
}

void MailQueue::on_webhook_disabled(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  json::Writer w;
  w.begin_object()
      .field("url", json::get_string(doc, "url"))
      .field("failing_since_time", json::get_string(doc, "failing_since"))
      .end_object();
  queue(tx, "webhook_disabled", event.id, json::get_string(doc, "user_id"), w.str());
}

std::string MailQueue::queue_direct(const DirectMail& mail) {
  // The link holds a fresh token, so a retried request maps to the same row.
  auto event_id =
      crypto::sha256_hex(mail.kind + "\n" + mail.user_id + "\n" + mail.link).substr(0, 32);
  json::Writer w;
  w.begin_object().field("link", mail.link).field("expires_time", mail.expires_at).end_object();
  return pg::transact(db_, [&](pqxx::work& tx) {
    queue(tx, mail.kind, event_id, mail.user_id, w.str(),
          std::make_pair(mail.email, mail.language));
    auto r = tx.exec_params("SELECT id FROM mails WHERE kind = $1 AND event_id = $2", mail.kind,
                            event_id);
    return r.empty() ? std::string() : r[0][0].as<std::string>();
  });
}

int MailQueue::run_once() {
  std::vector<std::string> ids = pg::transact(db_, [&](pqxx::work& tx) {
    std::vector<std::string> out;
    for (const auto& r :
         tx.exec_params(kClaimDue, settings_.batch, static_cast<double>(settings_.lease.count())))
      out.push_back(r[0].as<std::string>());
    return out;
  });
  int settled = 0;
  for (const auto& id : ids) {
    struct Due {
      std::string kind, recipient, raw;
      int attempts = 0;
    };
    // Render what waited for its owner; give up on an owner never announced.
    auto due = pg::transact(db_, [&](pqxx::work& tx) -> std::optional<Due> {
      auto r = tx.exec_params(
          "SELECT kind, recipient, raw, attempts, created_at < now() - make_interval(secs => $2) "
          "FROM mails WHERE id = $1 AND state = 'pending'",
          id, static_cast<double>(std::chrono::seconds(settings_.wait_for_owner).count()));
      if (r.empty())
        return std::nullopt;
      if (r[0][2].is_null() && !render(tx, id)) {
        if (r[0][4].as<bool>())
          tx.exec_params("UPDATE mails SET state = 'failed', last_error = $2 WHERE id = $1", id,
                         std::string("Der Empfänger ist unbekannt (kein Nutzerkonto gemeldet)."));
        else
          tx.exec_params(
              "UPDATE mails SET next_attempt_at = now() + make_interval(secs => $2), "
              "last_error = $3 WHERE id = $1",
              id, static_cast<double>(settings_.first_retry.count()),
              std::string("Wartet auf die Daten des Empfängers."));
        return std::nullopt;
      }
      auto row = tx.exec_params(
          "SELECT kind, recipient, raw, attempts FROM mails WHERE id = $1 AND state = 'pending'",
          id);
      if (row.empty() || row[0][2].is_null())
        return std::nullopt;
      return Due{row[0][0].as<std::string>(), row[0][1].as<std::string>(),
                 row[0][2].as<std::string>(), row[0][3].as<int>()};
    });
    ++settled;
    if (!due)
      continue;
    auto result = smtp_.send(settings_.from.address, due->recipient, due->raw);
    int attempts = due->attempts + 1;
    pg::transact(db_, [&](pqxx::work& tx) {
      if (result.sent()) {
        tx.exec_params(
            "UPDATE mails SET state = 'sent', sent_at = now(), attempts = $2, last_error = NULL "
            "WHERE id = $1",
            id, attempts);
        if (carries_secret(due->kind))
          tx.exec_params("UPDATE mails SET raw = NULL, params = NULL WHERE id = $1", id);
        return;
      }
      bool give_up =
          result.outcome == SmtpResult::Outcome::permanent || attempts >= settings_.max_attempts;
      tx.exec_params(
          "UPDATE mails SET state = CASE WHEN $3 THEN 'failed' ELSE 'pending' END, "
          "attempts = $2, last_error = $4, "
          "next_attempt_at = now() + make_interval(secs => $5) WHERE id = $1",
          id, attempts, give_up, result.error,
          static_cast<double>(retry_delay(attempts, settings_).count()));
      // A failed mail with a secret link is useless later; the link must not linger.
      if (give_up && carries_secret(due->kind))
        tx.exec_params("UPDATE mails SET raw = NULL, params = NULL WHERE id = $1", id);
    });
    if (result.sent())
      log::info("mail sent", {{"mail_id", id}, {"kind", due->kind}});
    else
      log::warn("mail not sent",
                {{"mail_id", id},
                 {"kind", due->kind},
                 {"permanent", result.outcome == SmtpResult::Outcome::permanent ? "true" : "false"},
                 {"error", result.error}});
  }
  return settled;
}

std::string MailQueue::unsubscribe_token(const std::string& user_id,
                                         const std::string& kind) const {
  auto mac = crypto::hmac_sha256(settings_.unsubscribe_secret,
                                 "kx-mail-unsubscribe\n" + kind + "\n" + user_id);
  return kind + "." + user_id + "." + crypto::base64url_encode(mac);
}

std::optional<std::pair<std::string, std::string>> MailQueue::read_unsubscribe_token(
    std::string_view token) const {
  auto first = token.find('.');
  auto last = token.rfind('.');
  if (token.size() > 300 || first == std::string_view::npos || first == last)
    return std::nullopt;
  std::string kind(token.substr(0, first));
  std::string user_id(token.substr(first + 1, last - first - 1));
  if (!is_opt_in(kind) || user_id.empty())
    return std::nullopt;
  if (!crypto::constant_time_equal(unsubscribe_token(user_id, kind), token))
    return std::nullopt;
  return std::make_pair(user_id, kind);
}

}  // namespace kx::integrations
