#include "credits_admin_api.hpp"

#include "api_support.hpp"
#include "catalog_store.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"

namespace kx::billing {
namespace {

using http::Access;
using http::Error;
using http::Request;
using http::Response;

constexpr std::int64_t kMaxAdjustment = 10'000'000;

std::string balance_json(std::int64_t balance) {
  return R"({"balance_cents":)" + std::to_string(balance) + "}";
}

}  // namespace

void CreditsAdminApi::add_routes(http::Router& r) {
  const http::RouteOptions read{.max_body = 0, .access = Access::admin};
  const http::RouteOptions write{.max_body = 16 * 1024, .access = Access::admin};
  r.add("POST", "/api/admin/credits/adjust", *this, &CreditsAdminApi::adjust, write);
  r.add("GET", "/api/admin/credits/accounts/{user_id}", *this, &CreditsAdminApi::account, read);
  r.add("GET", "/api/admin/credits/accounts/{user_id}/transactions", *this,
        &CreditsAdminApi::account_transactions, read);
}

Response CreditsAdminApi::adjust(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"user_id", "cents", "reason", "request_key"});
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
      events::publish_audit(outbox_, tx, req,
                            {"credits.adjust", "user", a.user_id,
                             balance_json(r.balance_before_cents), after.str(), a.user_id});
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

Response CreditsAdminApi::account(Request& req) {
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

Response CreditsAdminApi::account_transactions(Request& req) {
  return ledger_page(db_, req, req.param("user_id"));
}

}  // namespace kx::billing
