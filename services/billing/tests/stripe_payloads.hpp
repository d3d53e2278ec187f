#pragma once
// Stripe's webhook events as Stripe sends them (API version 2026-10-28.endive, the shapes of
// stripe-node 23.1.0's types: Checkout/Sessions.d.ts, Charges.d.ts, Disputes.d.ts,
// Events.d.ts), with every top-level field of the object, so billing is tested against what
// really arrives and not against the few fields it reads.
#include <cstdint>
#include <optional>
#include <string>

namespace kx::billing::testing::stripe {

inline std::string quoted(const std::optional<std::string>& s) {
  return s ? "\"" + *s + "\"" : "null";
}

/// An event envelope around `object` (the data.object).
inline std::string event(const std::string& id, const std::string& type,
                         const std::string& object) {
  return R"({"id":")" + id + R"(","object":"event","api_version":"2026-10-28.endive",)" +
         R"("created":1767254460,"data":{"object":)" + object +
         R"(},"livemode":false,"pending_webhooks":1,)" +
         R"("request":{"id":null,"idempotency_key":null},"type":")" + type + R"("})";
}

struct Session {
  std::optional<std::string> id = "cs_test_a1";
  std::string user_id = "u1";
  std::string pack_id = "starter";
  std::string credits = "1000";  ///< metadata value, a string as all metadata
  std::optional<std::int64_t> amount_total = 1000;
  std::string currency = "eur";
  std::optional<std::string> payment_intent = "pi_test_1";
  std::string payment_status = "paid";  ///< paid, unpaid, no_payment_required
  std::string status = "complete";
  std::optional<std::string> customer = "cus_test_1";
};

/// A Checkout Session (mode payment) as checkout.session.* events carry it.
inline std::string session(const Session& s) {
  std::string amount = s.amount_total ? std::to_string(*s.amount_total) : "null";
  std::string id = s.id ? R"("id":")" + *s.id + R"(",)" : "";
  return "{" + id + R"("object":"checkout.session","adaptive_pricing":{"enabled":true},)" +
         R"("after_expiration":null,"allow_promotion_codes":null,"amount_subtotal":)" + amount +
         R"(,"amount_total":)" + amount +
         R"(,"automatic_tax":{"enabled":false,"liability":null,"provider":null,"status":null},)" +
         R"("billing_address_collection":null,"cancel_url":"https://app.kametrix.de/?checkout=cancelled",)" +
         R"("client_reference_id":")" + s.user_id +
         R"(","client_secret":null,"collected_information":null,"consent":null,)" +
         R"("consent_collection":null,"created":1767254400,"currency":")" + s.currency +
         R"(","currency_conversion":null,"custom_fields":[],)" +
         R"("custom_text":{"after_submit":null,"shipping_address":null,"submit":null,"terms_of_service_acceptance":null},)" +
         R"("customer":)" + quoted(s.customer) +
         R"(,"customer_account":null,"customer_creation":null,)" +
         R"("customer_details":{"address":{"city":null,"country":"DE","line1":null,"line2":null,"postal_code":null,"state":null},)" +
         R"("business_name":null,"email":"inhaberin@salon-beispiel.de","individual_name":null,"name":"Anna Beispiel","phone":null,"tax_exempt":"none","tax_ids":[]},)" +
         R"("customer_email":null,"discounts":[],"expires_at":1767340800,)" +
         R"("integration_identifier":null,"invoice":null,)" +
         R"("invoice_creation":{"enabled":false,"invoice_data":{"account_tax_ids":null,"custom_fields":null,"description":null,"footer":null,"issuer":null,"metadata":{},"rendering_options":null}},)" +
         R"("livemode":false,"locale":"de","managed_payments":null,)" +
         R"("metadata":{"credits":")" + s.credits + R"(","pack_id":")" + s.pack_id +
         R"(","user_id":")" + s.user_id + R"("},)" +
         R"("mode":"payment","origin_context":null,"payment_intent":)" + quoted(s.payment_intent) +
         R"(,"payment_link":null,"payment_method_collection":"if_required",)" +
         R"("payment_method_configuration_details":null,)" +
         R"("payment_method_options":{"card":{"request_three_d_secure":"automatic"}},)" +
         R"("payment_method_types":["card"],"payment_status":")" + s.payment_status +
         R"(","permissions":null,"phone_number_collection":{"enabled":false},)" +
         R"("recovered_from":null,"saved_payment_method_options":null,"setup_intent":null,)" +
         R"("shipping_address_collection":null,"shipping_cost":null,"shipping_options":[],)" +
         R"("status":")" + s.status + R"(","submit_type":null,"subscription":null,)" +
         R"("success_url":"https://app.kametrix.de/?checkout=success&session_id={CHECKOUT_SESSION_ID}",)" +
         R"("total_details":{"amount_discount":0,"amount_shipping":0,"amount_tax":0},)" +
         R"("ui_mode":"hosted","url":null,"wallet_options":null})";
}

struct Charge {
  std::string id = "ch_test_1";
  std::optional<std::string> payment_intent = "pi_test_1";
  std::int64_t amount = 1000;
  std::int64_t amount_refunded = 0;  ///< cumulative, as Stripe reports it
  std::string currency = "eur";
  bool disputed = false;
};

/// A Charge as charge.refunded carries it (since API 2022-11-15 without the refunds list).
inline std::string charge(const Charge& c) {
  bool fully = c.amount_refunded >= c.amount;
  return R"({"id":")" + c.id + R"(","object":"charge","amount":)" + std::to_string(c.amount) +
         R"(,"amount_captured":)" + std::to_string(c.amount) + R"(,"amount_refunded":)" +
         std::to_string(c.amount_refunded) +
         R"(,"application":null,"application_fee":null,"application_fee_amount":null,)" +
         R"("balance_transaction":"txn_test_1",)" +
         R"("billing_details":{"address":{"city":null,"country":"DE","line1":null,"line2":null,"postal_code":null,"state":null},"email":"inhaberin@salon-beispiel.de","name":"Anna Beispiel","phone":null,"tax_id":null},)" +
         R"("calculated_statement_descriptor":"KAMETRIX","captured":true,"created":1767254410,)" +
         R"("currency":")" + c.currency +
         R"(","customer":"cus_test_1","description":null,"disputed":)" +
         (c.disputed ? "true" : "false") +
         R"(,"failure_balance_transaction":null,"failure_code":null,"failure_message":null,)" +
         R"("fraud_details":{},"livemode":false,"metadata":{},"on_behalf_of":null,)" +
         R"("outcome":{"advice_code":null,"network_advice_code":null,"network_decline_code":null,"network_status":"approved_by_network","reason":null,"risk_level":"normal","risk_score":32,"seller_message":"Payment complete.","type":"authorized"},)" +
         R"("paid":true,"payment_intent":)" + quoted(c.payment_intent) +
         R"(,"payment_method":"pm_test_1",)" +
         R"("payment_method_details":{"card":{"amount_authorized":)" + std::to_string(c.amount) +
         R"(,"brand":"visa","checks":{"address_line1_check":null,"address_postal_code_check":null,"cvc_check":"pass"},"country":"DE","exp_month":12,"exp_year":2030,"fingerprint":"Xt5EWLLDS7FJjR1c","funding":"credit","last4":"4242","network":"visa","three_d_secure":null,"wallet":null},"type":"card"},)" +
         R"("radar_options":{},"receipt_email":"inhaberin@salon-beispiel.de","receipt_number":null,)" +
         R"("receipt_url":"https://pay.stripe.com/receipts/payment/CAcaFwoVYWNjdF90ZXN0",)" +
         R"("refunded":)" + (fully ? "true" : "false") +
         R"(,"review":null,"shipping":null,"source":null,"source_transfer":null,)" +
         R"("statement_descriptor":null,"statement_descriptor_suffix":null,"status":"succeeded",)" +
         R"("transfer_data":null,"transfer_group":null})";
}

struct Dispute {
  std::string id = "dp_test_1";
  std::string charge = "ch_test_1";
  std::optional<std::string> payment_intent = "pi_test_1";
  std::int64_t amount = 1000;
  std::string currency = "eur";
  std::string reason = "fraudulent";
  std::string status = "needs_response";  ///< lost, won, under_review, warning_closed, ...
};

/// A Dispute as charge.dispute.* events carry it.
inline std::string dispute(const Dispute& d) {
  bool closed = d.status == "lost" || d.status == "won";
  return R"({"id":")" + d.id + R"(","object":"dispute","amount":)" + std::to_string(d.amount) +
         R"(,"balance_transactions":[],"charge":")" + d.charge +
         R"(","created":1767340000,"currency":")" + d.currency +
         R"(","enhanced_eligibility_types":[],)" +
         R"("evidence":{"access_activity_log":null,"billing_address":null,"cancellation_policy":null,"cancellation_policy_disclosure":null,"cancellation_rebuttal":null,"customer_communication":null,"customer_email_address":null,"customer_name":null,"customer_purchase_ip":null,"customer_signature":null,"duplicate_charge_documentation":null,"duplicate_charge_explanation":null,"duplicate_charge_id":null,"enhanced_evidence":{},"product_description":null,"receipt":null,"refund_policy":null,"refund_policy_disclosure":null,"refund_refusal_explanation":null,"service_date":null,"service_documentation":null,"shipping_address":null,"shipping_carrier":null,"shipping_date":null,"shipping_documentation":null,"shipping_tracking_number":null,"uncategorized_file":null,"uncategorized_text":null},)" +
         R"("evidence_details":{"due_by":1768204800,"enhanced_eligibility":{},"has_evidence":false,"past_due":)" +
         (closed ? "true" : "false") + R"(,"submission_count":0,"submission_method":null},)" +
         R"("intended_submission_method":null,"is_charge_refundable":false,"livemode":false,)" +
         R"("metadata":{},"network_reason_code":"10.4","payment_intent":)" +
         quoted(d.payment_intent) +
         R"(,"payment_method_details":{"card":{"brand":"visa","case_type":"chargeback","network_reason_code":"10.4"},"type":"card"},)" +
         R"("reason":")" + d.reason + R"(","status":")" + d.status + R"("})";
}

}  // namespace kx::billing::testing::stripe
