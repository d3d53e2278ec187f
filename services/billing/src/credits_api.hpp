#pragma once
// The owner's billing endpoints (through the gateway, scoped to the signed-in user): balance,
// packs, transaction history and its CSV export, and Stripe Checkout.

#include "checkout.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"

namespace kx::billing {

class CreditsApi {
 public:
  /// Without Stripe (checkout.available() false) checkout answers 503 payments_unavailable.
  CreditsApi(pg::Pool& db, Checkout& checkout);
  void add_routes(http::Router& router);

  http::Response balance(http::Request& req);
  http::Response packs(http::Request& req);
  http::Response transactions(http::Request& req);
  http::Response export_csv(http::Request& req);
  http::Response checkout(http::Request& req);

 private:
  pg::Pool& db_;
  Checkout& checkout_;
};

}  // namespace kx::billing
