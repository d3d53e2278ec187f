#pragma once
// The two Stripe REST calls billing makes: create a customer, create a Checkout Session.
// Requests are form-encoded with Stripe's bracket notation and carry an Idempotency-Key, so the
// HTTP client's retries (connection failures, 502/503/504) can never create a second object.
// Blocking; thread-safe (the HTTP client keeps connections per calling thread).

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kx/http/client.hpp"

namespace kx::billing {

/// A form body in Stripe's encoding: keys keep their brackets ("metadata[user_id]"), values are
/// percent-encoded (RFC 3986 unreserved characters stay), pairs joined with '&' in order.
class FormBody {
 public:
  FormBody& add(std::string key, std::string value);
  FormBody& add(std::string key, std::int64_t value) {
    return add(std::move(key), std::to_string(value));
  }
  std::string str() const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

/// The Stripe API version billing is written against: the request forms, the objects it reads
/// back and the webhook payloads it parses (stripe-node 23.1.0's types). Every request pins it,
/// so a Stripe account's default version (whatever the dashboard says) cannot change the shapes.
inline constexpr const char* kStripeApiVersion = "2026-10-28.endive";

struct StripeConfig {
  std::string api_base = "https://api.stripe.com";  ///< no trailing slash
  std::string secret_key;                           ///< sk_live_..., sk_test_... or rk_...
  std::string api_version = kStripeApiVersion;      ///< Stripe-Version header; empty = the pin
};

/// Stripe answered with an error status; fields from its error object.
class StripeError : public std::runtime_error {
 public:
  StripeError(int status, std::string type, std::string code, std::string request_id,
              const std::string& message)
      : std::runtime_error(message),
        status_(status),
        type_(std::move(type)),
        code_(std::move(code)),
        request_id_(std::move(request_id)) {}
  int status() const { return status_; }
  const std::string& type() const { return type_; }
  const std::string& code() const { return code_; }
  const std::string& request_id() const { return request_id_; }

 private:
  int status_;
  std::string type_, code_, request_id_;
};

struct NewCustomer {
  std::string email;
  std::string name;
  std::string locale;  ///< "de" or "en"
  std::map<std::string, std::string> metadata;
};

struct NewCheckoutSession {
  std::string customer;  ///< empty: Stripe Checkout creates the customer (customer_creation)
  std::string client_reference_id;
  std::string locale;
  std::string currency;  ///< ISO 4217, any case (sent in lower case)
  std::int64_t unit_amount_cents = 0;
  std::string product_name;
  std::string success_url;
  std::string cancel_url;
  std::map<std::string, std::string> metadata;  ///< on the session and on its PaymentIntent
};

struct CheckoutSession {
  std::string id;
  std::string url;
  std::string api_version;  ///< the Stripe-Version Stripe answered with
};

/// The form a customer request sends (exposed for tests).
FormBody customer_form(const NewCustomer& customer);
/// The form a Checkout Session request sends (exposed for tests).
FormBody checkout_session_form(const NewCheckoutSession& session);

class StripeClient {
 public:
  explicit StripeClient(StripeConfig config, http::ClientOptions options = default_options());
  static http::ClientOptions default_options();

  /// POST /v1/customers; returns the customer id. Throws StripeError or http::ClientError.
  std::string create_customer(const NewCustomer& customer, const std::string& idempotency_key);
  /// POST /v1/checkout/sessions. Throws StripeError or http::ClientError.
  CheckoutSession create_checkout_session(const NewCheckoutSession& session,
                                          const std::string& idempotency_key);

 private:
  http::Response post(const std::string& path, const FormBody& form,
                      const std::string& idempotency_key);

  StripeConfig config_;
  http::Client http_;
};

}  // namespace kx::billing
