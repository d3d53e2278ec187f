#include "stripe_client.hpp"

#include <cctype>

#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::billing {

FormBody& FormBody::add(std::string key, std::string value) {
  fields_.emplace_back(std::move(key), std::move(value));
  return *this;
}

std::string FormBody::str() const {
  std::string out;
  for (const auto& [key, value] : fields_) {
    if (!out.empty())
      out += '&';
    out += key;
    out += '=';
    out += http::percent_encode(value);
  }
  return out;
}

FormBody customer_form(const NewCustomer& c) {
  FormBody form;
  form.add("email", c.email);
  if (!c.name.empty())
    form.add("name", c.name);
  form.add("preferred_locales[0]", c.locale);
  for (const auto& [k, v] : c.metadata)
    form.add("metadata[" + k + "]", v);
  return form;
}

FormBody checkout_session_form(const NewCheckoutSession& s) {
  std::string currency;
  for (char ch : s.currency)
    currency += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  FormBody form;
  form.add("mode", "payment");
  if (s.customer.empty())
    form.add("customer_creation", "always");
  else
    form.add("customer", s.customer);
  form.add("client_reference_id", s.client_reference_id);
  form.add("locale", s.locale);
  form.add("line_items[0][price_data][currency]", currency);
  form.add("line_items[0][price_data][unit_amount]", s.unit_amount_cents);
  form.add("line_items[0][price_data][product_data][name]", s.product_name);
  form.add("line_items[0][quantity]", 1);
  for (const auto& [k, v] : s.metadata)
    form.add("metadata[" + k + "]", v);
  // Session metadata is not copied to the PaymentIntent; refunds and disputes name only that.
  for (const auto& [k, v] : s.metadata)
    form.add("payment_intent_data[metadata][" + k + "]", v);
  form.add("success_url", s.success_url);
  form.add("cancel_url", s.cancel_url);
  return form;
}

http::ClientOptions StripeClient::default_options() {
  http::ClientOptions o;
  o.connect_timeout = std::chrono::milliseconds(3'000);
  o.request_timeout = std::chrono::milliseconds(20'000);
  o.max_retries = 2;
  o.backoff = std::chrono::milliseconds(250);
  o.max_response_body = 1024 * 1024;
  return o;
}

StripeClient::StripeClient(StripeConfig config, http::ClientOptions options)
    : config_(std::move(config)), http_(options) {}

http::Response StripeClient::post(const std::string& path, const FormBody& form,
                                  const std::string& idempotency_key) {
  http::ClientRequest req;
  req.method = "POST";
  req.url = config_.api_base + path;
  req.headers.set("Authorization", "Bearer " + config_.secret_key);
  req.headers.set("Content-Type", "application/x-www-form-urlencoded");
  req.headers.set("Idempotency-Key", idempotency_key);
  req.headers.set("Stripe-Version",
                  config_.api_version.empty() ? kStripeApiVersion : config_.api_version);
  req.body = form.str();
  auto res = http_.send(req);
  if (res.status >= 200 && res.status < 300)
    return res;
  std::string type, code, message = "Stripe answered " + std::to_string(res.status);
  try {
    auto doc = json::parse(res.body);
    if (doc.IsObject() && doc.HasMember("error") && doc["error"].IsObject()) {
      const auto& e = doc["error"];
      type = json::get_string(e, "type");
      code = json::get_string(e, "code");
      message += ": " + json::get_string(e, "message");
    }
  } catch (const std::exception&) {
    // Not Stripe's error format (a proxy's page, say): the status says enough.
  }
  throw StripeError(res.status, type, code, std::string(res.headers.get("Request-Id").value_or("")),
                    message);
}

namespace {

// The answer's object; a body that is not JSON is Stripe's failure, not the client's.
json::Document parse_answer(const http::Response& res) {
  try {
    return json::parse(res.body);
  } catch (const json::ParseError&) {
    throw StripeError(res.status, "api_error", "", "", "answer is not JSON");
  }
}

}  // namespace

std::string StripeClient::create_customer(const NewCustomer& customer,
                                          const std::string& idempotency_key) {
  auto res = post("/v1/customers", customer_form(customer), idempotency_key);
  auto doc = parse_answer(res);
  std::string id = json::get_string(doc, "id");
  if (id.empty())
    throw StripeError(res.status, "api_error", "", "", "customer without id");
  return id;
}

CheckoutSession StripeClient::create_checkout_session(const NewCheckoutSession& session,
                                                      const std::string& idempotency_key) {
  auto res = post("/v1/checkout/sessions", checkout_session_form(session), idempotency_key);
  auto doc = parse_answer(res);
  CheckoutSession out{json::get_string(doc, "id"), json::get_string(doc, "url"),
                      std::string(res.headers.get("Stripe-Version").value_or(""))};
  if (out.id.empty() || out.url.empty())
    throw StripeError(res.status, "api_error", "", "", "checkout session without id or url");
  return out;
}

}  // namespace kx::billing
