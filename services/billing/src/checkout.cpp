#include "checkout.hpp"

#include "catalog_store.hpp"
#include "credit_rules.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/log/log.hpp"
#include "ledger_store.hpp"
#include "stripe_store.hpp"

namespace kx::billing {
namespace {

std::string product_name(const Pack& pack, const std::string& locale) {
  if (locale == "en") {
    std::string credits = format_number(pack.credits);
    for (auto& c : credits) {
      if (c == '.')
        c = ',';
    }
    return "Kametrix credit pack \u201c" + pack.name + "\u201d (" + credits + " credits)";
  }
  return "Kametrix-Guthaben \u201e" + pack.name + "\u201c (" + format_number(pack.credits) +
         " Credits)";
}

}  // namespace

CheckoutUrls checkout_urls(const std::string& public_origin) {
  return {public_origin + "/?checkout=success&session_id={CHECKOUT_SESSION_ID}",
          public_origin + "/?checkout=cancelled"};
}

Checkout::Checkout(pg::Pool& db, Ledger& ledger, std::shared_ptr<StripeClient> stripe,
                   CheckoutUrls urls)
    : db_(db), ledger_(ledger), stripe_(std::move(stripe)), urls_(std::move(urls)) {}

CheckoutStart Checkout::start(const std::string& user_id, const std::string& pack_id,
                              const std::string& client_key, const std::string& request_id) {
  using Status = CheckoutStart::Status;
  CheckoutStart result;
  auto [pack, account] = pg::transact(db_, [&](pqxx::work& tx) {
    auto pack = CatalogStore::pack(tx, pack_id);
    auto account = LedgerStore::find_account(tx, user_id);
    if (pack && pack->active && !account) {
      // Right after sign-up user.registered may not be consumed yet: the first purchase does not
      // wait for it (the consumer fills in the profile later; the bonus is booked once).
      ledger_.open_account_on_demand(tx, user_id);
      account = LedgerStore::find_account(tx, user_id);
    }
    return std::make_pair(pack, account);
  });
  if (!pack || !pack->active) {
    result.status = Status::unknown_pack;
    return result;
  }
  if (!account)
    throw std::logic_error("account missing after opening it: " + user_id);
  if (account->closed) {
    result.status = Status::account_closed;
    return result;
  }
  try {
    std::string customer;
    if (account->stripe_customer_id) {
      customer = *account->stripe_customer_id;
    } else if (!account->email.empty()) {
      // One customer per owner: the key makes concurrent first checkouts create only one.
      auto created = stripe_->create_customer(
          {account->email, account->name, account->locale, {{"user_id", user_id}}},
          "kx-customer-" + user_id);
      customer = pg::transact(db_, [&](pqxx::work& tx) {
        return LedgerStore::keep_stripe_customer(tx, user_id, created);
      });
    }
    NewCheckoutSession s;
    s.customer = customer;
    s.client_reference_id = user_id;
    // Without the profile the owner's language is not known yet: the browser's decides.
    s.locale = account->email.empty() ? "auto" : account->locale == "en" ? "en" : "de";
    s.currency = pack->currency;
    s.unit_amount_cents = pack->price_cents;
    s.product_name = product_name(*pack, account->locale);
    s.success_url = urls_.success_url;
    s.cancel_url = urls_.cancel_url;
    s.metadata = {
        {"user_id", user_id}, {"pack_id", pack->id}, {"credits", std::to_string(pack->credits)}};
    // The client's key turns a double click into one session; without one, the key still makes
    // the HTTP client's own retries safe.
    std::string key = "kx-checkout-" + user_id + "-" + pack->id + "-" +
                      (client_key.empty() ? crypto::uuid_v4() : client_key);
    result.session = stripe_->create_checkout_session(s, key);
  } catch (const StripeError& e) {
    log::error("stripe request failed", {{"request_id", request_id},
                                         {"status", e.status()},
                                         {"type", e.type()},
                                         {"code", e.code()},
                                         {"stripe_request_id", e.request_id()},
                                         {"error", e.what()}});
    result.status = Status::provider_error;
    return result;
  } catch (const http::ClientError& e) {
    log::error("stripe unreachable", {{"request_id", request_id}, {"error", e.what()}});
    result.status = Status::provider_error;
    return result;
  }
  pg::transact(db_, [&](pqxx::work& tx) {
    CheckoutRecord record;
    record.session_id = result.session.id;
    record.user_id = user_id;
    record.pack_id = pack->id;
    record.credits = pack->credits;
    record.amount_cents = pack->price_cents;
    record.currency = pack->currency;
    StripeStore::insert_session(tx, record);
  });
  log::info("checkout started", {{"user_id", user_id},
                                 {"pack_id", pack->id},
                                 {"checkout_session_id", result.session.id},
                                 {"request_id", request_id}});
  return result;
}

}  // namespace kx::billing
