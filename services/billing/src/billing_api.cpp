#include "billing_api.hpp"

#include "accounts.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::billing {

void BillingApi::add_routes(http::Router& router) {
  router.add("GET", "/api/credits", [this](http::Request& req) { return balance(req); },
             {.max_body = 0, .access = http::Access::user});
}

void BillingApi::on_user_registered(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  std::string user_id = json::get_string(doc, "user_id");
  if (Accounts::open(tx, user_id))
    log::info("account opened", {{"user_id", user_id}});
}

http::Response BillingApi::balance(http::Request& req) {
  auto account =
      pg::transact(db_, [&](pqxx::work& tx) { return Accounts::find(tx, req.identity.user_id); });
  json::Writer w;
  w.begin_object()
      .field("balance_cents", account ? account->balance_cents : std::int64_t{0})
      .field("currency", "EUR")
      .field("account_open", account.has_value())
      .end_object();
  return http::Response::json(200, w.str());
}

}  // namespace kx::billing
