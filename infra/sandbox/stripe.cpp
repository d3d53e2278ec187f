// Stripe stand-in: the part of Stripe's API that billing calls (customers and Checkout Sessions,
// form-encoded, with idempotency keys and Stripe's error format) and a small hosted checkout
// page. "Pay" completes the session, posts a correctly signed checkout.session.completed to the
// gateway's /webhooks/stripe as Stripe would, and sends the browser to the success URL; "Cancel"
// sends it to the cancel URL. State lives in memory and is lost on restart.
// Like Stripe, every API answer carries the Stripe-Version it was made with: the request's
// Stripe-Version header when it names a valid version (else 400, as Stripe answers), otherwise the
// account's default version, which is older than the one billing is written against.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "kx/crypto/crypto.hpp"
#include "kx/http/client.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "sandbox.hpp"
#include "web_form.hpp"

namespace kx::sandbox {
namespace {

using http::Request;
using http::Response;
// What an account that was never upgraded answers requests without Stripe-Version with.
constexpr const char* kAccountDefaultVersion = "2024-06-20";

struct Customer {
  std::string id;
  std::string json;
};

struct Session {
  std::string id;
  std::string customer;
  std::string customer_creation;  // "always": a customer is created when the session is paid
  std::string client_reference_id;
  std::string locale;
  std::string currency;
  std::int64_t amount_total = 0;
  std::string product_name;
  std::string success_url;
  std::string cancel_url;
  std::map<std::string, std::string> metadata;
  std::string status = "open";
  std::string payment_status = "unpaid";
  std::string payment_intent;  // set when paid
  std::string event_id;        // the completed event, re-sent on a repeated "Pay"
  std::int64_t created = 0;
};

struct Remembered {
  std::string fingerprint;
  Response response;
};

class StripeSandbox {
 public:
  explicit StripeSandbox(const SandboxSettings& settings)
      : settings_(settings), webhooks_(http::ClientOptions{.max_retries = 0}) {}

  Response create_customer(Request& req) {
    return idempotent(req, [&](const Form& form) {
      Customer c;
      c.id = "cus_" + token(14);
      json::Writer w;
      w.begin_object()
          .field("id", c.id)
          .field("object", "customer")
          .field("created", now())
          .field("email", form_value(form, "email"))
          .field("name", form_value(form, "name"))
          .field("livemode", false)
          .key("metadata");
      write_map(w, with_prefix(form, "metadata"));
      w.key("preferred_locales").begin_array();
      for (const auto& [k, v] : with_prefix(form, "preferred_locales"))
        w.value(v);
      w.end_array().end_object();
      c.json = w.str();
      std::lock_guard lock(mutex_);
      customers_.push_back(c);
      return Response::json(200, c.json);
    });
  }

  Response list_customers(Request& req) {
    if (auto denied = check_key(req))
      return *denied;
    auto email = req.query_param("email");
    json::Writer w;
    w.begin_object()
        .field("object", "list")
        .field("url", "/v1/customers")
        .key("data")
        .begin_array();
    std::lock_guard lock(mutex_);
    for (const auto& c : customers_) {
      auto doc = json::parse(c.json);
      if (!email || json::get_string(doc, "email") == *email)
        w.raw(c.json);
    }
    w.end_array().field("has_more", false).end_object();
    return Response::json(200, w.str());
  }

  Response create_session(Request& req) {
    return idempotent(req, [&](const Form& form) {
      Session s;
      s.created = now();
      for (const char* required :
           {"mode", "line_items[0][price_data][currency]", "line_items[0][price_data][unit_amount]",
            "line_items[0][price_data][product_data][name]", "line_items[0][quantity]",
            "success_url", "cancel_url"}) {
        if (form_value(form, required).empty())
          return error(400, "invalid_request_error", "parameter_missing",
                       std::string("Missing required param: ") + required + ".", required);
      }
      if (form_value(form, "mode") != "payment")
        return error(400, "invalid_request_error", "parameter_invalid_string",
                     "This sandbox only supports mode=payment.", "mode");
      std::int64_t unit = 0, quantity = 0;
      if (!parse_int(form_value(form, "line_items[0][price_data][unit_amount]"), unit) ||
          unit <= 0 || !parse_int(form_value(form, "line_items[0][quantity]"), quantity) ||
          quantity <= 0) {
        return error(400, "invalid_request_error", "parameter_invalid_integer",
                     "Invalid integer: unit_amount and quantity must be positive integers.",
                     "line_items[0][price_data][unit_amount]");
      }
      s.customer = form_value(form, "customer");
      if (!s.customer.empty() && !customer_exists(s.customer)) {
        return error(400, "invalid_request_error", "resource_missing",
                     "No such customer: '" + s.customer + "'", "customer");
      }
      s.id = "cs_test_" + token(24);
      s.customer_creation = form_value(form, "customer_creation");
      s.client_reference_id = form_value(form, "client_reference_id");
      s.locale = form_value(form, "locale");
      s.currency = form_value(form, "line_items[0][price_data][currency]");
      s.amount_total = unit * quantity;
      s.product_name = form_value(form, "line_items[0][price_data][product_data][name]");
      s.success_url = form_value(form, "success_url");
      s.cancel_url = form_value(form, "cancel_url");
      s.metadata = with_prefix(form, "metadata");
      std::lock_guard lock(mutex_);
      sessions_[s.id] = s;
      return Response::json(200, session_json(s));
    });
  }

  Response get_session(Request& req) {
    if (auto denied = check_key(req))
      return *denied;
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(req.param("id"));
    if (it == sessions_.end()) {
      return error(404, "invalid_request_error", "resource_missing",
                   "No such checkout.session: '" + req.param("id") + "'", "id");
    }
    return Response::json(200, session_json(it->second));
  }

  Response page(Request& req) {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(req.param("id"));
    if (it == sessions_.end())
      return html(404, "<h1>Checkout nicht gefunden</h1>");
    const auto& s = it->second;
    bool en = s.locale == "en";
    std::string body =
        "<h1>" + std::string(en ? "Stripe sandbox checkout" : "Stripe-Sandbox-Kasse") + "</h1><p>" +
        html_escape(s.product_name) + "</p><p class=\"amount\">" + euro(s.amount_total) + "</p>";
    if (s.status == "open") {
      body += "<form method=\"post\" action=\"/stripe/checkout/" + s.id +
              "/pay\"><button type=\"submit\">" + (en ? "Pay" : "Bezahlen") +
              "</button></form><form method=\"post\" action=\"/stripe/checkout/" + s.id +
              "/cancel\"><button type=\"submit\">" + (en ? "Cancel" : "Abbrechen") +
              "</button></form>";
    } else {
      body += std::string("<p>") + (en ? "This checkout is " : "Dieser Bezahlvorgang ist ") +
              html_escape(s.status) + ".</p>";
    }
    return html(200, body);
  }

  Response pay(Request& req) {
    std::string event, success_url, id = req.param("id");
    {
      std::lock_guard lock(mutex_);
      auto it = sessions_.find(id);
      if (it == sessions_.end())
        return html(404, "<h1>Checkout nicht gefunden</h1>");
      auto& s = it->second;
      if (s.status == "expired")
        return html(409, "<h1>Dieser Bezahlvorgang ist abgelaufen.</h1>");
      if (s.status == "open") {
        s.status = "complete";
        s.payment_status = "paid";
        s.payment_intent = "pi_" + token(24);
        if (s.customer.empty() && s.customer_creation == "always") {
          Customer c;
          c.id = "cus_" + token(14);
          c.json = R"({"id":")" + c.id + R"(","object":"customer","email":null,"metadata":{}})";
          customers_.push_back(c);
          s.customer = c.id;
        }
        s.event_id = "evt_" + token(24);
      }
      // A repeated "Pay" re-sends the same event, as Stripe's retries would.
      event = event_json(s);
      success_url = s.success_url;
      auto placeholder = success_url.find("{CHECKOUT_SESSION_ID}");
      if (placeholder != std::string::npos)
        success_url.replace(placeholder, std::string("{CHECKOUT_SESSION_ID}").size(), s.id);
    }
    int status = deliver(event);
    if (status < 200 || status >= 300) {
      return html(502,
                  "<h1>Webhook nicht zugestellt</h1><p>Die Zahlung ist erfasst, aber "
                  "/webhooks/stripe antwortete " +
                      std::to_string(status) +
                      ".</p><form method=\"post\" action=\"/stripe/checkout/" + id +
                      "/pay\"><button type=\"submit\">Erneut senden</button></form>");
    }
    Response res;
    res.status = 303;
    res.headers.set("Location", success_url);
    return res;
  }

  Response cancel(Request& req) {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(req.param("id"));
    if (it == sessions_.end())
      return html(404, "<h1>Checkout nicht gefunden</h1>");
    Response res;
    res.status = 303;
    res.headers.set("Location", it->second.cancel_url);
    return res;
  }

 private:
  static std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  static std::string token(std::size_t n) {
    std::string out;
    for (unsigned char c : crypto::random_bytes(n))
      out += "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[c % 62];
    return out;
  }

  static bool parse_int(const std::string& s, std::int64_t& out) {
    if (s.empty() || s.size() > 15)
      return false;
    for (char c : s) {
      if (c < '0' || c > '9')
        return false;
    }
    out = std::stoll(s);
    return true;
  }

  // "metadata[user_id]=u1" -> {"user_id": "u1"} for prefix "metadata".
  static std::map<std::string, std::string> with_prefix(const Form& form,
                                                        const std::string& prefix) {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : form) {
      if (k.size() > prefix.size() + 2 && k.compare(0, prefix.size() + 1, prefix + "[") == 0 &&
          k.back() == ']') {
        out[k.substr(prefix.size() + 1, k.size() - prefix.size() - 2)] = v;
      }
    }
    return out;
  }

  static void write_map(json::Writer& w, const std::map<std::string, std::string>& m) {
    w.begin_object();
    for (const auto& [k, v] : m)
      w.field(k, v);
    w.end_object();
  }

  static Response error(int status, const std::string& type, const std::string& code,
                        const std::string& message, const std::string& param = {}) {
    json::Writer w;
    w.begin_object()
        .key("error")
        .begin_object()
        .field("type", type)
        .field("code", code)
        .field("message", message);
    if (!param.empty())
      w.field("param", param);
    w.end_object().end_object();
    auto res = Response::json(status, w.str());
    res.headers.set("Request-Id", "req_" + token(14));
    return res;
  }

  static std::optional<Response> check_key(const Request& req) {
    auto auth = std::string(req.header("Authorization").value_or(""));
    const std::string bearer = "Bearer ";
    auto key = auth.rfind(bearer, 0) == 0 ? auth.substr(bearer.size()) : std::string();
    if (key.rfind("sk_test_", 0) == 0 || key.rfind("sk_live_", 0) == 0 || key.rfind("rk_", 0) == 0)
      return std::nullopt;
    return error(401, "invalid_request_error", "api_key_invalid", "Invalid API Key provided.");
  }

  // Stripe's idempotency: the same key with the same request replays the first answer; with a
  // different request it is an error.
  // Stripe-Version: a date, optionally with the release name ("2026-10-28.endive").
  static bool valid_version(const std::string& v) {
    if (v.size() < 10 || v[4] != '-' || v[7] != '-')
      return false;
    for (std::size_t i = 0; i < v.size(); ++i) {
      char c = v[i];
      bool ok = i < 10 ? (i == 4 || i == 7 || (c >= '0' && c <= '9'))
                       : (i == 10 ? c == '.' : (c >= 'a' && c <= 'z'));
      if (!ok || (i == 10 && v.size() == 11))
        return false;
    }
    return true;
  }

 public:
  /// Runs one API request: the version check first, then `handle`; the answer names the version.
  template <typename Fn>
  static Response versioned(Request& req, Fn&& handle) {
    auto requested = std::string(req.header("Stripe-Version").value_or(""));
    if (!requested.empty() && !valid_version(requested)) {
      return error(400, "invalid_request_error", "",
                   "Invalid Stripe API version: " + requested + ".");
    }
    auto res = handle();
    res.headers.set("Stripe-Version", requested.empty() ? kAccountDefaultVersion : requested);
    return res;
  }

 private:
  template <typename Fn>
  Response idempotent(Request& req, Fn&& create) {
    if (auto denied = check_key(req))
      return *denied;
    // Creations run one at a time, so two concurrent requests with one key create one object.
    std::lock_guard creating(creating_);
    auto form = parse_form(req.body);
    auto key = std::string(req.header("Idempotency-Key").value_or(""));
    auto fingerprint = req.path + "\n" + req.body;
    if (!key.empty()) {
      std::lock_guard lock(mutex_);
      auto it = remembered_.find(key);
      if (it != remembered_.end()) {
        if (it->second.fingerprint != fingerprint) {
          return error(400, "idempotency_error", "idempotency_key_in_use",
                       "Keys for idempotent requests can only be used with the same parameters "
                       "they were first used with.");
        }
        auto replay = it->second.response;
        replay.headers.set("Idempotent-Replayed", "true");
        return replay;
      }
    }
    auto res = create(form);
    res.headers.set("Request-Id", "req_" + token(14));
    if (!key.empty()) {
      std::lock_guard lock(mutex_);
      remembered_.emplace(key, Remembered{fingerprint, res});
    }
    return res;
  }

  bool customer_exists(const std::string& id) {
    std::lock_guard lock(mutex_);
    for (const auto& c : customers_) {
      if (c.id == id)
        return true;
    }
    return false;
  }

  std::string session_json(const Session& s) const {
    json::Writer w;
    w.begin_object()
        .field("id", s.id)
        .field("object", "checkout.session")
        .field("mode", "payment")
        .field("status", s.status)
        .field("payment_status", s.payment_status)
        .field("url", s.status == "open" ? std::optional<std::string>(settings_.public_url +
                                                                      "/stripe/checkout/" + s.id)
                                         : std::nullopt)
        .field("amount_subtotal", s.amount_total)
        .field("amount_total", s.amount_total)
        .field("currency", s.currency)
        .field("customer", s.customer.empty() ? std::optional<std::string>() : s.customer)
        .field("customer_creation",
               s.customer_creation.empty() ? std::optional<std::string>() : s.customer_creation)
        .field("client_reference_id", s.client_reference_id)
        .field("locale", s.locale)
        .field("payment_intent",
               s.payment_intent.empty() ? std::optional<std::string>() : s.payment_intent)
        .field("success_url", s.success_url)
        .field("cancel_url", s.cancel_url)
        .field("created", s.created)
        .field("expires_at", s.created + 24 * 3600)
        .field("livemode", false)
        .key("metadata");
    write_map(w, s.metadata);
    w.end_object();
    return w.str();
  }

  std::string event_json(const Session& s) const {
    json::Writer w;
    w.begin_object()
        .field("id", s.event_id)
        .field("object", "event")
        .field("api_version", "2026-10-28.endive")
        .field("created", now())
        .field("livemode", false)
        .field("pending_webhooks", 1)
        .field("type", "checkout.session.completed")
        .key("request")
        .begin_object()
        .key("id")
        .null()
        .key("idempotency_key")
        .null()
        .end_object()
        .key("data")
        .begin_object()
        .key("object")
        .raw(session_json(s))
        .end_object()
        .end_object();
    return w.str();
  }

  // Signs like Stripe (t=<now>,v1=HMAC-SHA256("<t>.<body>")) and posts to the gateway; a few
  // quick attempts, then the status of the last one (0 when nothing answered).
  int deliver(const std::string& event) {
    if (settings_.stripe_webhook_secret.empty()) {
      log::error("cannot sign stripe webhooks: STRIPE_WEBHOOK_SECRET is not set");
      return 0;
    }
    int status = 0;
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (attempt)
        std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
      auto t = std::to_string(now());
      http::ClientRequest call;
      call.method = "POST";
      call.url = settings_.gateway_url + "/webhooks/stripe";
      call.headers.set("Content-Type", "application/json; charset=utf-8");
      call.headers.set("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)");
      call.headers.set(
          "Stripe-Signature",
          "t=" + t +
              ",v1=" + crypto::hmac_sha256_hex(settings_.stripe_webhook_secret, t + "." + event));
      call.body = event;
      try {
        status = webhooks_.send(call).status;
      } catch (const http::ClientError& e) {
        log::warn("stripe webhook delivery failed", {{"error", e.what()}});
        status = 0;
        continue;
      }
      if (status < 500)
        break;
    }
    log::info("stripe webhook delivered", {{"status", status}});
    return status;
  }

  static std::string euro(std::int64_t cents) {
    auto rest = cents % 100;
    return std::to_string(cents / 100) + "," + (rest < 10 ? "0" : "") + std::to_string(rest) + " €";
  }

  static Response html(int status, const std::string& body) {
    return Response::text(status,
                          "<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\">"
                          "<title>Stripe-Sandbox</title></head><body>" +
                              body + "</body></html>",
                          "text/html; charset=utf-8");
  }

  const SandboxSettings settings_;
  http::Client webhooks_;
  std::mutex creating_;
  std::mutex mutex_;
  std::vector<Customer> customers_;
  std::map<std::string, Session> sessions_;
  std::map<std::string, Remembered> remembered_;
};

}  // namespace

void add_stripe_routes(http::Router& router, const SandboxSettings& settings) {
  auto stripe = std::make_shared<StripeSandbox>(settings);
  auto route = [&](const char* method, const char* pattern, Response (StripeSandbox::*fn)(Request&),
                   std::size_t max_body) {
    router.add(method, pattern, [stripe, fn](Request& req) { return ((*stripe).*fn)(req); },
               {.max_body = max_body, .access = http::Access::open});
  };
  auto api = [&](const char* method, const char* pattern, Response (StripeSandbox::*fn)(Request&),
                 std::size_t max_body) {
    router.add(method, pattern,
               [stripe, fn](Request& req) {
                 return StripeSandbox::versioned(req, [&] { return ((*stripe).*fn)(req); });
               },
               {.max_body = max_body, .access = http::Access::open});
  };
  api("POST", "/stripe/v1/customers", &StripeSandbox::create_customer, 64 * 1024);
  api("GET", "/stripe/v1/customers", &StripeSandbox::list_customers, 0);
  api("POST", "/stripe/v1/checkout/sessions", &StripeSandbox::create_session, 64 * 1024);
  api("GET", "/stripe/v1/checkout/sessions/{id}", &StripeSandbox::get_session, 0);
  route("GET", "/stripe/checkout/{id}", &StripeSandbox::page, 0);
  route("POST", "/stripe/checkout/{id}/pay", &StripeSandbox::pay, 4 * 1024);
  route("POST", "/stripe/checkout/{id}/cancel", &StripeSandbox::cancel, 4 * 1024);
}

}  // namespace kx::sandbox
