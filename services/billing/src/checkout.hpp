#pragma once
// Starting a Stripe Checkout for a credit pack: the owner's Stripe customer (created once and
// reused), the Checkout Session with everything the webhook needs to credit it, and billing's
// record of the session. Blocking (PostgreSQL and Stripe); thread-safe.

#include <memory>
#include <string>

#include "kx/pg/pg.hpp"
#include "ledger.hpp"
#include "stripe_client.hpp"

namespace kx::billing {

struct CheckoutUrls {
  std::string success_url;  ///< may contain Stripe's {CHECKOUT_SESSION_ID} placeholder
  std::string cancel_url;
};

/// The dashboard addresses Stripe sends the browser back to, below `public_origin`.
CheckoutUrls checkout_urls(const std::string& public_origin);

struct CheckoutStart {
  enum class Status {
    started,
    unknown_pack,  ///< no such pack, or not active
    account_closed,
    provider_error,  ///< Stripe refused or could not be reached (logged)
  };
  Status status = Status::started;
  CheckoutSession session;
};

class Checkout {
 public:
  /// `stripe` may be null (Stripe not configured): available() is then false.
  Checkout(pg::Pool& db, Ledger& ledger, std::shared_ptr<StripeClient> stripe, CheckoutUrls urls);
  bool available() const { return stripe_ != nullptr; }

  /// Creates a session for `pack_id`. `client_key` (may be empty) is the caller's idempotency
  /// key: the same key for the same owner and pack gives the same session. Requires available().
  /// An owner whose user.registered billing has not consumed yet (right after sign-up) gets the
  /// account opened now (with the sign-up bonus, booked once whoever opens first); without the
  /// profile there is no Stripe customer yet, so Checkout creates one (customer_creation=always)
  /// and the webhook keeps it for the next checkout.
  CheckoutStart start(const std::string& user_id, const std::string& pack_id,
                      const std::string& client_key, const std::string& request_id);

 private:
  pg::Pool& db_;
  Ledger& ledger_;
  std::shared_ptr<StripeClient> stripe_;
  CheckoutUrls urls_;
};

}  // namespace kx::billing
