#include "admin_api.hpp"

#include <cctype>
#include <regex>
#include <set>

#include "api_support.hpp"
#include "catalog_store.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "reconcile_command.hpp"
#include "statistics_store.hpp"
#include "stripe_store.hpp"

namespace kx::billing {
namespace {

using http::Access;
using http::Error;
using http::Request;
using http::Response;

constexpr std::int64_t kMaxPackAmount = 10'000'000;  // 100.000 € per pack
constexpr std::int64_t kMaxAdjustment = 10'000'000;
constexpr int kMaxStatsDays = 366;

std::string settings_json(const StoredSettings& s) {
  json::Writer w;
  w.begin_object()
      .field("price_per_minute_cents", s.values.price_per_minute_cents)
      .field("rounding", std::string(to_string(s.values.rounding)))
      .field("grace_limit_cents", s.values.grace_limit_cents)
      .field("low_balance_threshold_cents", s.values.low_balance_threshold_cents)
      .field("signup_bonus_cents", s.values.signup_bonus_cents)
      .field("charge_test_calls", s.values.charge_test_calls)
      .field("updated_at", s.updated_at)
      .field("updated_by", s.updated_by.empty() ? std::optional<std::string>() : s.updated_by)
      .end_object();
  return w.str();
}

std::string pack_json(const Pack& p) {
  json::Writer w;
  w.begin_object()
      .field("id", p.id)
      .field("name", p.name)
      .field("credits", p.credits)
      .field("price_cents", p.price_cents)
      .field("currency", p.currency)
      .field("active", p.active)
      .field("sort_order", p.sort_order)
      .end_object();
  return w.str();
}

// Refuses members the endpoint does not know, so a typo is not silently ignored.
void reject_unknown(const json::Value& doc, json::FieldReader& in,
                    const std::set<std::string>& known) {
  if (!doc.IsObject())
    return;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string name(it->name.GetString(), it->name.GetStringLength());
    if (!known.count(name))
      in.add_error(name, "ist unbekannt");
  }
}

std::optional<std::int64_t> ranged(json::FieldReader& in, const char* name, std::int64_t min,
                                   std::int64_t max, bool required) {
  auto problems = in.errors().size();
  auto v = required ? std::optional<std::int64_t>(in.required_int(name)) : in.optional_int(name);
  if (in.errors().size() != problems)
    return std::nullopt;
  if (v && (*v < min || *v > max)) {
    in.add_error(
        name, "muss zwischen " + std::to_string(min) + " und " + std::to_string(max) + " liegen");
    return std::nullopt;
  }
  return v;
}

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && std::isspace(static_cast<unsigned char>(s[start])))
    ++start;
  return s.substr(start);
}

// The pack fields of a create or update body, applied onto `pack`.
void read_pack_fields(json::FieldReader& in, Pack& pack, bool create) {
  if (auto name = create ? std::optional<std::string>(in.required_string("name", 60))
                         : in.optional_string("name", 60)) {
    pack.name = trimmed(*name);
    if (pack.name.empty())
      in.add_error("name", "darf nicht leer sein");
  }
  if (auto v = ranged(in, "credits", 1, kMaxPackAmount, create))
    pack.credits = *v;
  if (auto v = ranged(in, "price_cents", 1, kMaxPackAmount, create))
    pack.price_cents = *v;
  if (auto currency = in.optional_string("currency", 3)) {
    if (*currency != "EUR")
      in.add_error("currency", "muss \"EUR\" sein");
  }
  if (auto active = in.optional_bool("active"))
    pack.active = *active;
  if (auto v = ranged(in, "sort_order", 0, 10'000, false))
    pack.sort_order = static_cast<int>(*v);
}

std::string balance_json(std::int64_t balance) {
  return R"({"balance_cents":)" + std::to_string(balance) + "}";
}

}  // namespace

void AdminApi::add_routes(http::Router& r) {
  auto bind = [this](Response (AdminApi::*fn)(Request&)) {
    return [this, fn](Request& req) { return (this->*fn)(req); };
  };
  const http::RouteOptions read{.max_body = 0, .access = Access::admin};
  const http::RouteOptions write{.max_body = 16 * 1024, .access = Access::admin};
  r.add("GET", "/api/admin/billing/settings", bind(&AdminApi::get_settings), read);
  r.add("PUT", "/api/admin/billing/settings", bind(&AdminApi::update_settings), write);
  r.add("GET", "/api/admin/billing/packs", bind(&AdminApi::list_packs), read);
  r.add("POST", "/api/admin/billing/packs", bind(&AdminApi::create_pack), write);
  r.add("PATCH", "/api/admin/billing/packs/{id}", bind(&AdminApi::update_pack), write);
  r.add("GET", "/api/admin/billing/stats", bind(&AdminApi::statistics), read);
  r.add("GET", "/api/admin/billing/reconciliation", bind(&AdminApi::reconciliation), read);
  r.add("GET", "/api/admin/billing/disputes", bind(&AdminApi::disputes), read);
  r.add("POST", "/api/admin/billing/disputes/{id}/review", bind(&AdminApi::review_dispute), write);
  r.add("POST", "/api/admin/credits/adjust", bind(&AdminApi::adjust), write);
  r.add("GET", "/api/admin/credits/accounts/{user_id}", bind(&AdminApi::account), read);
  r.add("GET", "/api/admin/credits/accounts/{user_id}/transactions",
        bind(&AdminApi::account_transactions), read);
}

Response AdminApi::get_settings(Request&) {
  auto s = pg::transact(db_, [](pqxx::work& tx) { return CatalogStore::settings(tx); });
  return Response::json(200, settings_json(s));
}

Response AdminApi::update_settings(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  reject_unknown(doc, in,
                 {"price_per_minute_cents", "rounding", "grace_limit_cents",
                  "low_balance_threshold_cents", "signup_bonus_cents", "charge_test_calls"});
  auto price = ranged(in, "price_per_minute_cents", 1, 1000, false);
  auto rounding_text = in.optional_string("rounding", 40);
  std::optional<Rounding> rounding;
  if (rounding_text) {
    rounding = parse_rounding(*rounding_text);
    if (!rounding)
      in.add_error("rounding", "muss \"per_started_minute\" oder \"per_second\" sein");
  }
  auto grace = ranged(in, "grace_limit_cents", 0, 100'000, false);
  auto threshold = ranged(in, "low_balance_threshold_cents", 0, 1'000'000, false);
  auto bonus = ranged(in, "signup_bonus_cents", 0, 100'000, false);
  auto test_calls = in.optional_bool("charge_test_calls");
  if (in.ok() && !price && !rounding && !grace && !threshold && !bonus && !test_calls)
    in.add_error("", "mindestens eine Einstellung ist nötig");
  http::require_valid(in);

  auto saved = pg::transact(db_, [&](pqxx::work& tx) {
    auto before = CatalogStore::settings(tx);
    BillingSettings next = before.values;
    if (price)
      next.price_per_minute_cents = *price;
    if (rounding)
      next.rounding = *rounding;
    if (grace)
      next.grace_limit_cents = *grace;
    if (threshold)
      next.low_balance_threshold_cents = *threshold;
    if (bonus)
      next.signup_bonus_cents = *bonus;
    if (test_calls)
      next.charge_test_calls = *test_calls;
    auto after = CatalogStore::save_settings(tx, next, req.identity.user_id);
    publish_audit(outbox_, tx, req,
                  {"billing.settings.update", "billing_settings", "billing", settings_json(before),
                   settings_json(after)});
    return after;
  });
  log::info("billing settings changed",
            {{"admin_id", req.identity.user_id}, {"request_id", req.request_id}});
  return Response::json(200, settings_json(saved));
}

Response AdminApi::list_packs(Request&) {
  auto packs = pg::transact(db_, [](pqxx::work& tx) { return CatalogStore::packs(tx, true); });
  json::Writer w;
  w.begin_object().key("items").begin_array();
  for (const auto& p : packs)
    w.raw(pack_json(p));
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response AdminApi::create_pack(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  reject_unknown(doc, in,
                 {"id", "name", "credits", "price_cents", "currency", "active", "sort_order"});
  Pack pack;
  if (auto id = in.optional_string("id", 40)) {
    static const std::regex kId("^[a-z0-9][a-z0-9-]{0,39}$");
    if (!std::regex_match(*id, kId))
      in.add_error("id", "darf nur Kleinbuchstaben, Ziffern und Bindestriche enthalten");
    pack.id = *id;
  } else {
    pack.id = crypto::uuid_v7();
  }
  read_pack_fields(in, pack, true);
  http::require_valid(in);
  bool created = pg::transact(db_, [&](pqxx::work& tx) {
    if (!CatalogStore::insert_pack(tx, pack))
      return false;
    publish_audit(outbox_, tx, req,
                  {"billing.pack.create", "credit_pack", pack.id, "null", pack_json(pack)});
    return true;
  });
  if (!created)
    throw Error::conflict("Ein Paket mit dieser Kennung gibt es schon.", "pack_exists");
  return Response::json(201, pack_json(pack));
}

Response AdminApi::update_pack(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  reject_unknown(doc, in, {"name", "credits", "price_cents", "currency", "active", "sort_order"});
  Pack changes;
  read_pack_fields(in, changes, false);
  http::require_valid(in);
  const auto& id = req.param("id");
  auto updated = pg::transact(db_, [&](pqxx::work& tx) -> std::optional<Pack> {
    auto before = CatalogStore::pack(tx, id);
    if (!before)
      return std::nullopt;
    // Re-read the body onto the stored pack: only the fields sent change.
    Pack after = *before;
    json::FieldReader apply(doc);
    read_pack_fields(apply, after, false);
    CatalogStore::update_pack(tx, after);
    publish_audit(outbox_, tx, req,
                  {"billing.pack.update", "credit_pack", id, pack_json(*before), pack_json(after)});
    return after;
  });
  if (!updated)
    throw Error::not_found("Dieses Guthabenpaket gibt es nicht.");
  return Response::json(200, pack_json(*updated));
}

Response AdminApi::adjust(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  reject_unknown(doc, in, {"user_id", "cents", "reason", "request_key"});
  AdjustRequest a;
  a.user_id = in.required_string("user_id", 100);
  a.cents = in.required_int("cents");
  if (in.ok() && (a.cents == 0 || a.cents < -kMaxAdjustment || a.cents > kMaxAdjustment)) {
    in.add_error("cents", "muss ungleich 0 sein und darf höchstens " +
                              std::to_string(kMaxAdjustment) + " Cent betragen");
  }
  a.reason = trimmed(in.required_string("reason", 500));
  if (in.ok() && a.reason.empty())
    in.add_error("reason", "darf nicht leer sein");
  auto key = in.optional_string("request_key", 100);
  if (!key) {
    if (auto header = req.header("Idempotency-Key"))
      key = std::string(*header);
  }
  if (!key)
    in.add_error("request_key", "ist erforderlich");
  else if (!http::is_plain_token(*key, 100))
    in.add_error("request_key", "muss aus 1 bis 100 Buchstaben, Ziffern oder -_.: bestehen");
  http::require_valid(in);
  a.request_key = *key;
  a.admin_id = req.identity.user_id;

  auto result = pg::transact(db_, [&](pqxx::work& tx) {
    auto r = ledger_.adjust(tx, a);
    if (r.status == AdjustResult::Status::booked) {
      json::Writer after;
      after.begin_object()
          .field("balance_cents", r.entry->balance_after_cents)
          .field("cents", a.cents)
          .field("reason", a.reason)
          .field("transaction_id", r.entry->id)
          .field("request_key", a.request_key)
          .end_object();
      publish_audit(outbox_, tx, req,
                    {"credits.adjust", "user", a.user_id, balance_json(r.balance_before_cents),
                     after.str(), a.user_id});
    }
    return r;
  });
  switch (result.status) {
    case AdjustResult::Status::unknown_account:
      throw Error::not_found("Für diese Person gibt es kein Guthabenkonto.");
    case AdjustResult::Status::would_go_negative:
      throw Error(422, "insufficient_balance",
                  "Die Korrektur würde das Guthaben unter null senken.");
    case AdjustResult::Status::key_conflict:
      throw Error::conflict("Dieser request_key wurde bereits für eine andere Korrektur verwendet.",
                            "idempotency_conflict");
    case AdjustResult::Status::booked:
    case AdjustResult::Status::replayed:
      break;
  }
  if (!result.entry)
    throw std::logic_error("adjustment without entry");
  bool replayed = result.status == AdjustResult::Status::replayed;
  json::Writer w;
  w.begin_object().key("transaction");
  write_entry(w, *result.entry);
  w.field("balance_cents", result.entry->balance_after_cents)
      .field("replayed", replayed)
      .end_object();
  return Response::json(replayed ? 200 : 201, w.str());
}

Response AdminApi::account(Request& req) {
  const auto& user_id = req.param("user_id");
  auto [account, settings] = pg::transact(db_, [&](pqxx::work& tx) {
    return std::make_pair(LedgerStore::find_account(tx, user_id),
                          CatalogStore::settings(tx).values);
  });
  if (!account)
    throw Error::not_found("Für diese Person gibt es kein Guthabenkonto.");
  json::Writer w;
  w.begin_object()
      .field("user_id", account->user_id)
      .field("email", account->email)
      .field("balance_cents", account->balance_cents)
      .field("currency", "EUR")
      .field(
          "state",
          std::string(to_string(account_state(account->balance_cents, account->flags, settings))))
      .field("low_warned", account->flags.low_warned)
      .field("exhausted", account->flags.exhausted)
      .field("closed", account->closed)
      .field("stripe_customer_id", account->stripe_customer_id)
      .field("entries", account->last_entry_seq)
      .field("opened_at", account->opened_at)
      .end_object();
  return Response::json(200, w.str());
}

Response AdminApi::account_transactions(Request& req) {
  return ledger_page(db_, req, req.param("user_id"));
}

Response AdminApi::statistics(Request& req) {
  http::QueryParams q(req);
  auto from = q.date("from");
  auto to = q.date("to");
  q.require_valid();
  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  auto last = to.value_or(today);
  auto first = from.value_or(last - std::chrono::days(29));
  if (first > last)
    q.add_error("from", "darf nicht nach \"to\" liegen");
  else if ((last - first).count() >= kMaxStatsDays)
    q.add_error("from",
                "der Zeitraum darf höchstens " + std::to_string(kMaxStatsDays) + " Tage umfassen");
  q.require_valid();
  auto [days, snapshot] = pg::transact(db_, [&](pqxx::work& tx) {
    return std::make_pair(
        StatisticsStore::per_day(tx, http::format_date(first), http::format_date(last)),
        StatisticsStore::snapshot(tx));
  });
  DayStats total;
  json::Writer w;
  w.begin_object()
      .field("from", http::format_date(first))
      .field("to", http::format_date(last))
      .key("days")
      .begin_array();
  for (const auto& d : days) {
    w.begin_object()
        .field("date", d.date)
        .field("credits_sold", d.credits_sold)
        .field("credits_used", d.credits_used)
        .field("credits_refunded", d.credits_refunded)
        .field("credits_adjusted", d.credits_adjusted)
        .field("credits_bonus", d.credits_bonus)
        .field("revenue_cents", d.revenue_cents)
        .field("refunded_cents", d.refunded_cents)
        .field("purchases", d.purchases)
        .field("charged_calls", d.charged_calls)
        .field("written_off_cents", d.written_off_cents)
        .end_object();
    total.credits_sold += d.credits_sold;
    total.credits_used += d.credits_used;
    total.credits_refunded += d.credits_refunded;
    total.credits_adjusted += d.credits_adjusted;
    total.credits_bonus += d.credits_bonus;
    total.revenue_cents += d.revenue_cents;
    total.refunded_cents += d.refunded_cents;
    total.purchases += d.purchases;
    total.charged_calls += d.charged_calls;
    total.written_off_cents += d.written_off_cents;
  }
  w.end_array()
      .key("totals")
      .begin_object()
      .field("credits_sold", total.credits_sold)
      .field("credits_used", total.credits_used)
      .field("credits_refunded", total.credits_refunded)
      .field("credits_adjusted", total.credits_adjusted)
      .field("credits_bonus", total.credits_bonus)
      .field("revenue_cents", total.revenue_cents)
      .field("refunded_cents", total.refunded_cents)
      .field("purchases", total.purchases)
      .field("charged_calls", total.charged_calls)
      .field("written_off_cents", total.written_off_cents)
      .end_object()
      .key("accounts")
      .begin_object()
      .field("open", snapshot.open_accounts)
      .field("total_balance_cents", snapshot.total_balance_cents)
      .field("low", snapshot.accounts_low)
      .field("in_grace", snapshot.accounts_in_grace)
      .field("grace_owed_cents", snapshot.grace_owed_cents)
      .field("exhausted", snapshot.accounts_exhausted)
      .field("open_disputes", snapshot.open_disputes)
      .field("unmatched_stripe_events", snapshot.unmatched_stripe_events)
      .end_object()
      .end_object();
  return Response::json(200, w.str());
}

Response AdminApi::reconciliation(Request& req) {
  auto report = reconcile_ledger(db_);
  if (!report.drift.empty()) {
    log::error("ledger drift found", {{"accounts", static_cast<std::int64_t>(report.drift.size())},
                                      {"request_id", req.request_id}});
  }
  return Response::json(200, reconciliation_json(report));
}

Response AdminApi::disputes(Request& req) {
  http::QueryParams q(req);
  auto [limit, offset] = q.page(50, 200);
  bool open = q.flag("open").value_or(true);
  q.require_valid();
  auto list = pg::transact(
      db_, [&](pqxx::work& tx) { return StripeStore::disputes(tx, open, limit, offset); });
  json::Writer w;
  w.begin_object().key("items").begin_array();
  for (const auto& d : list) {
    w.begin_object()
        .field("dispute_id", d.dispute_id)
        .field("charge_id", d.charge_id)
        .field("payment_intent", d.payment_intent)
        .field("checkout_session_id", d.session_id)
        .field("user_id", d.user_id)
        .field("amount_cents", d.amount_cents)
        .field("currency", d.currency)
        .field("reason", d.reason)
        .field("status", d.status)
        .field("created_at", d.created_at)
        .field("reviewed_at", d.reviewed_at)
        .field("reviewed_by", d.reviewed_by)
        .end_object();
  }
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response AdminApi::review_dispute(Request& req) {
  const auto& id = req.param("id");
  bool reviewed = pg::transact(db_, [&](pqxx::work& tx) {
    if (!StripeStore::review_dispute(tx, id, req.identity.user_id))
      return false;
    publish_audit(
        outbox_, tx, req,
        {"billing.dispute.review", "dispute", id, R"({"reviewed":false})", R"({"reviewed":true})"});
    return true;
  });
  if (!reviewed)
    throw Error::not_found("Diese Zahlungsanfechtung gibt es nicht oder sie ist bereits geprüft.");
  return Response::json(200, R"({"reviewed":true})");
}

}  // namespace kx::billing
