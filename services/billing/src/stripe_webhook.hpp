#pragma once
// POST /webhooks/stripe: Stripe's events about payments. The Stripe-Signature header is
// verified against the raw body before anything is parsed; then, in one transaction, the event
// id is recorded (a repeated id changes nothing) and the event is applied (StripeEvents). A
// signed event billing cannot use is recorded for the admins and answered 200 like every applied
// one (anything else makes Stripe retry for days); only a body that is not JSON is refused, and
// processing errors (the database) answer 500, so Stripe retries later.

#include <chrono>
#include <functional>
#include <string>

#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"
#include "ledger.hpp"
#include "stripe_events.hpp"

namespace kx::billing {

class StripeWebhook {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  /// An empty `secret` refuses every event with 503 (Stripe keeps retrying until configured).
  StripeWebhook(
      pg::Pool& db, Ledger& ledger, std::string secret,
      Clock clock = [] { return std::chrono::system_clock::now(); });
  void add_routes(http::Router& router);
  http::Response receive(http::Request& req);

 private:
  pg::Pool& db_;
  StripeEvents events_;
  std::string secret_;
  Clock clock_;
};

}  // namespace kx::billing
