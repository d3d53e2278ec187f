#include "credits_api.hpp"

#include <cctype>

#include "api_support.hpp"
#include "catalog_store.hpp"
#include "credit_rules.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/text/csv.hpp"
#include "ledger_store.hpp"

namespace kx::billing {
namespace {

using http::Access;
using http::Error;
using http::Request;
using http::Response;

constexpr int kMaxExportRows = 100'000;

std::string kind_label(const std::string& kind) {
  if (kind == kPurchase)
    return "Kauf";
  if (kind == kCallUsage)
    return "Anruf";
  if (kind == kGraceUsage)
    return "Anruf (Kulanz)";
  if (kind == kAdminAdjustment)
    return "Korrektur";
  if (kind == kRefund)
    return "Erstattung";
  if (kind == kBonus)
    return "Startguthaben";
  return kind;
}

// Euros with a decimal comma and no currency sign, so German spreadsheets read a number.
std::string csv_amount(std::int64_t cents) {
  auto text = format_euro(cents);
  text = text.substr(0, text.size() - std::string(" €").size());
  std::string out;
  for (char c : text) {
    if (c != '.')
      out += c;
  }
  return out;
}

}  // namespace

CreditsApi::CreditsApi(pg::Pool& db, Checkout& checkout) : db_(db), checkout_(checkout) {}

void CreditsApi::add_routes(http::Router& r) {
  r.add("GET", "/api/credits", *this, &CreditsApi::balance,
        {.max_body = 0, .access = Access::user});
  r.add("GET", "/api/credits/packs", *this, &CreditsApi::packs,
        {.max_body = 0, .access = Access::user});
  // The landing page's pricing, for visitors who are not signed in.
  r.add("GET", "/api/public/packs", *this, &CreditsApi::packs,
        {.max_body = 0, .access = Access::anonymous});
  r.add("GET", "/api/credits/transactions", *this, &CreditsApi::transactions,
        {.max_body = 0, .access = Access::user});
  r.add("GET", "/api/credits/transactions.csv", *this, &CreditsApi::export_csv,
        {.max_body = 0, .access = Access::user});
  r.add("POST", "/api/checkout", *this, &CreditsApi::checkout,
        {.max_body = 4 * 1024, .access = Access::user});
}

Response CreditsApi::balance(Request& req) {
  auto [account, settings] = pg::transact(db_, [&](pqxx::work& tx) {
    return std::make_pair(LedgerStore::find_account(tx, req.identity.user_id),
                          CatalogStore::settings(tx).values);
  });
  std::int64_t balance = account ? account->balance_cents : 0;
  AlertFlags flags = account ? account->flags : AlertFlags{};
  std::int64_t grace_used = balance < 0 ? -balance : 0;
  json::Writer w;
  w.begin_object()
      .field("balance_cents", balance)
      .field("currency", "EUR")
      .field("account_open", account.has_value() && !account->closed)
      .field("state", std::string(to_string(account_state(balance, flags, settings))))
      .field("estimated_minutes", estimated_minutes(balance, settings))
      .field("price_per_minute_cents", settings.price_per_minute_cents)
      .field("rounding", std::string(to_string(settings.rounding)))
      .field("low_balance_threshold_cents", settings.low_balance_threshold_cents)
      .field("grace_limit_cents", settings.grace_limit_cents)
      .field("grace_used_cents", grace_used)
      .field("grace_remaining_cents",
             std::max<std::int64_t>(0, settings.grace_limit_cents - grace_used))
      .end_object();
  return Response::json(200, w.str());
}

Response CreditsApi::packs(Request&) {
  auto [packs, settings] = pg::transact(db_, [&](pqxx::work& tx) {
    return std::make_pair(CatalogStore::packs(tx, false), CatalogStore::settings(tx).values);
  });
  json::Writer w;
  w.begin_object().key("items").begin_array();
  for (const auto& p : packs) {
    w.begin_object()
        .field("id", p.id)
        .field("name", p.name)
        .field("credits", p.credits)
        .field("price_cents", p.price_cents)
        .field("currency", p.currency)
        .field("estimated_minutes", estimated_minutes(p.credits, settings))
        .end_object();
  }
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response CreditsApi::transactions(Request& req) {
  return ledger_page(db_, req, req.identity.user_id);
}

Response CreditsApi::export_csv(Request& req) {
  http::QueryParams q(req);
  auto kinds = entry_kinds(q, "type");
  q.require_valid();
  auto entries = pg::transact(db_, [&](pqxx::work& tx) {
    return LedgerStore::list_entries(tx, req.identity.user_id, kinds, kMaxExportRows, 0);
  });
  // Semicolons: what spreadsheet programs in Germany open correctly (the comma is the decimal
  // sign).
  text::CsvWriter csv(';');
  for (const char* title : {"Zeitpunkt (UTC)", "Art", "Betrag (EUR)", "Guthaben danach (EUR)",
                            "Beschreibung", "Referenz"})
    csv.cell(title);
  csv.end_row();
  for (const auto& e : entries) {
    csv.cell(e.created_at)
        .cell(kind_label(e.kind))
        .number(csv_amount(e.amount_cents))
        .number(csv_amount(e.balance_after_cents))
        .cell(e.description)
        .cell(e.reference)
        .end_row();
  }
  auto res = Response::text(200, std::string(text::kUtf8ByteOrderMark) + csv.str(),
                            "text/csv; charset=utf-8");
  res.headers.set("Content-Disposition", "attachment; filename=\"kametrix-transaktionen.csv\"");
  return res;
}

Response CreditsApi::checkout(Request& req) {
  if (!checkout_.available()) {
    throw Error(503, "payments_unavailable",
                "Zahlungen sind derzeit nicht möglich. Bitte versuchen Sie es später erneut.");
  }
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  auto pack_id = in.required_string("pack_id", 64);
  http::require_valid(in);
  std::string client_key(req.header("Idempotency-Key").value_or(""));
  if (req.header("Idempotency-Key") && !http::is_plain_token(client_key, 100)) {
    throw Error::bad_request(
        "Der Idempotency-Key muss aus 1 bis 100 Buchstaben, Ziffern oder -_.: bestehen.");
  }
  auto started = checkout_.start(req.identity.user_id, pack_id, client_key, req.request_id);
  switch (started.status) {
    case CheckoutStart::Status::unknown_pack:
      throw Error::not_found("Dieses Guthabenpaket gibt es nicht.");
    case CheckoutStart::Status::account_closed:
      throw Error::forbidden("Dieses Konto ist geschlossen.");
    case CheckoutStart::Status::provider_error:
      throw Error(502, "payment_provider_error",
                  "Die Zahlung konnte gerade nicht gestartet werden. Bitte versuchen Sie es in "
                  "einigen Minuten erneut.");
    case CheckoutStart::Status::started:
      break;
  }
  json::Writer w;
  w.begin_object()
      .field("checkout_session_id", started.session.id)
      .field("url", started.session.url)
      .end_object();
  return Response::json(201, w.str());
}

}  // namespace kx::billing
