#include "stripe_events.hpp"

#include <algorithm>
#include <cctype>

#include "catalog_store.hpp"
#include "kx/log/log.hpp"
#include "ledger_store.hpp"

namespace kx::billing {
namespace {

// An id field that Stripe sends either as a string or, when expanded, as an object with an id.
std::optional<std::string> id_of(const json::Value& obj, const char* name) {
  if (!obj.IsObject())
    return std::nullopt;
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd())
    return std::nullopt;
  if (it->value.IsString() && it->value.GetStringLength() > 0)
    return std::string(it->value.GetString(), it->value.GetStringLength());
  if (it->value.IsObject())
    return json::get_optional_string(it->value, "id");
  return std::nullopt;
}

const json::Value& member_object(const json::Value& obj, const char* name) {
  static const json::Value kEmpty(rapidjson::kObjectType);
  if (!obj.IsObject())
    return kEmpty;
  auto it = obj.FindMember(name);
  return it != obj.MemberEnd() && it->value.IsObject() ? it->value : kEmpty;
}

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string money(std::int64_t cents, const std::string& currency) {
  return std::to_string(cents) + " " + currency;
}

// Stripe's amount_total: the integer, when it sent one.
std::optional<std::int64_t> amount_total(const json::Value& session) {
  auto it = session.FindMember("amount_total");
  if (it == session.MemberEnd() || !it->value.IsInt64())
    return std::nullopt;
  return it->value.GetInt64();
}

}  // namespace

std::string_view to_string(StripeOutcome outcome) {
  switch (outcome) {
    case StripeOutcome::credited:
      return "credited";
    case StripeOutcome::already_credited:
      return "already_credited";
    case StripeOutcome::awaiting_payment:
      return "awaiting_payment";
    case StripeOutcome::payment_failed:
      return "payment_failed";
    case StripeOutcome::expired:
      return "expired";
    case StripeOutcome::refunded:
      return "refunded";
    case StripeOutcome::dispute_recorded:
      return "dispute_recorded";
    case StripeOutcome::duplicate_dispute:
      return "duplicate_dispute";
    case StripeOutcome::dispute_lost:
      return "dispute_lost";
    case StripeOutcome::dispute_closed:
      return "dispute_closed";
    case StripeOutcome::held:
      return "held";
    case StripeOutcome::no_change:
      return "no_change";
    case StripeOutcome::duplicate:
      return "duplicate";
    case StripeOutcome::ignored:
      return "ignored";
    case StripeOutcome::unknown_session:
      return "unknown_session";
    case StripeOutcome::amount_mismatch:
      return "amount_mismatch";
    case StripeOutcome::unmatched:
      return "unmatched";
    case StripeOutcome::unusable:
      return "unusable";
  }
  return "unusable";
}

bool needs_attention(StripeOutcome outcome) {
  switch (outcome) {
    case StripeOutcome::unknown_session:
    case StripeOutcome::amount_mismatch:
    case StripeOutcome::unmatched:
    case StripeOutcome::unusable:
      return true;
    default:
      return false;
  }
}

StripeResult StripeEvents::apply(pqxx::work& tx, const std::string& type,
                                 const json::Value& object) {
  if (type == "checkout.session.completed" || type == "checkout.session.async_payment_succeeded")
    return fulfil(tx, object);
  if (type == "checkout.session.async_payment_failed" || type == "checkout.session.expired") {
    auto session_id = json::get_string(object, "id");
    if (session_id.empty())
      return {StripeOutcome::unusable, "Checkout Session ohne id"};
    bool failed = type == "checkout.session.async_payment_failed";
    StripeStore::set_status(tx, session_id, failed ? "failed" : "expired",
                            id_of(object, "payment_intent"));
    if (failed)
      log::warn("asynchronous payment failed", {{"checkout_session_id", session_id}});
    return {failed ? StripeOutcome::payment_failed : StripeOutcome::expired, {}};
  }
  if (type == "charge.refunded")
    return keep_refund(tx, object);
  if (type == "charge.dispute.created" || type == "charge.dispute.closed")
    return record_dispute(tx, type, object);
  return {StripeOutcome::ignored, {}};
}

StripeResult StripeEvents::fulfil(pqxx::work& tx, const json::Value& obj) {
  auto session_id = json::get_string(obj, "id");
  if (session_id.empty())
    return {StripeOutcome::unusable, "Checkout Session ohne id"};
  auto payment_intent = id_of(obj, "payment_intent");
  // Refunds and disputes of this payment that arrive meanwhile wait for this transaction.
  if (payment_intent)
    StripeStore::lock_payment(tx, *payment_intent);
  auto session = StripeStore::lock_session(tx, session_id);
  if (!session) {
    // Not created by billing: whatever its metadata says, it credits nothing.
    const auto& metadata = member_object(obj, "metadata");
    log::error("paid checkout session billing did not create",
               {{"checkout_session_id", session_id}});
    return {StripeOutcome::unknown_session,
            "Checkout Session nicht von billing angelegt (client_reference_id \"" +
                json::get_string(obj, "client_reference_id") + "\", metadata.user_id \"" +
                json::get_string(metadata, "user_id") + "\", metadata.pack_id \"" +
                json::get_string(metadata, "pack_id") + "\", amount_total " +
                money(amount_total(obj).value_or(0), upper(json::get_string(obj, "currency"))) +
                ")"};
  }
  auto payment_status = json::get_string(obj, "payment_status");
  // Delayed methods (SEPA debit, bank transfer) complete the session unpaid; the money's
  // outcome arrives later as async_payment_succeeded or async_payment_failed.
  if (payment_status != "paid" && payment_status != "no_payment_required") {
    StripeStore::set_status(tx, session_id, "awaiting_payment", payment_intent);
    return {StripeOutcome::awaiting_payment, {}};
  }
  if (session->entry_id)
    return {StripeOutcome::already_credited, {}};
  auto paid = amount_total(obj);
  auto currency = upper(json::get_string(obj, "currency"));
  if (paid != session->amount_cents || currency != session->currency) {
    log::error("checkout session paid with another amount than recorded",
               {{"checkout_session_id", session_id},
                {"amount_total", paid.value_or(-1)},
                {"recorded_cents", session->amount_cents}});
    return {StripeOutcome::amount_mismatch,
            "bezahlt " + (paid ? money(*paid, currency) : "ohne amount_total") + ", erwartet " +
                money(session->amount_cents, session->currency) + " für Paket " + session->pack_id};
  }
  auto pack = CatalogStore::pack(tx, session->pack_id);
  Purchase purchase;
  purchase.session_id = session->session_id;
  purchase.user_id = session->user_id;
  purchase.pack_id = session->pack_id;
  purchase.pack_name = pack ? pack->name : session->pack_id;
  purchase.credits = session->credits;
  purchase.amount_cents = session->amount_cents;
  purchase.currency = session->currency;
  auto entry = ledger_.credit_purchase(tx, purchase);
  if (!entry)
    throw std::logic_error("purchase entry exists for an uncredited session: " + session_id);
  StripeStore::mark_paid(tx, session_id, entry->id, payment_intent);
  // A first checkout before the owner's profile was known let Checkout create the customer.
  if (auto customer = id_of(obj, "customer"))
    LedgerStore::adopt_stripe_customer(tx, session->user_id, *customer);
  if (payment_intent) {
    session->payment_intent = payment_intent;
    StripeStore::link_disputes(tx, *payment_intent, *session);
    settle(tx, *payment_intent);
  }
  return {StripeOutcome::credited, {}};
}

StripeResult StripeEvents::keep_refund(pqxx::work& tx, const json::Value& obj) {
  auto charge_id = json::get_string(obj, "id");
  if (charge_id.empty())
    return {StripeOutcome::unusable, "Charge ohne id"};
  auto payment_intent = id_of(obj, "payment_intent");
  if (!payment_intent) {
    log::warn("refund of a charge without a payment intent", {{"charge_id", charge_id}});
    return {StripeOutcome::unmatched, "Erstattung der Charge " + charge_id +
                                          " ohne PaymentIntent: keine Zahlung von billing"};
  }
  StripeStore::lock_payment(tx, *payment_intent);
  StripeStore::keep_charge_refund(tx, charge_id, *payment_intent, json::get_int(obj, "amount"),
                                  upper(json::get_string(obj, "currency")),
                                  std::max<std::int64_t>(0, json::get_int(obj, "amount_refunded")));
  auto settled = settle(tx, *payment_intent);
  if (!settled) {
    log::info("refund kept until its purchase is booked",
              {{"charge_id", charge_id}, {"payment_intent", *payment_intent}});
    return {StripeOutcome::held, {}};
  }
  return {*settled, {}};
}

StripeResult StripeEvents::record_dispute(pqxx::work& tx, const std::string& type,
                                          const json::Value& obj) {
  Dispute d;
  d.dispute_id = json::get_string(obj, "id");
  if (d.dispute_id.empty())
    return {StripeOutcome::unusable, "Dispute ohne id"};
  d.charge_id = id_of(obj, "charge").value_or("");
  d.payment_intent = id_of(obj, "payment_intent").value_or("");
  if (!d.payment_intent.empty()) {
    StripeStore::lock_payment(tx, d.payment_intent);
    if (auto session = StripeStore::lock_session_by_payment_intent(tx, d.payment_intent)) {
      d.session_id = session->session_id;
      d.user_id = session->user_id;
    }
  }
  d.amount_cents = json::get_int(obj, "amount");
  d.currency = upper(json::get_string(obj, "currency"));
  d.reason = json::get_string(obj, "reason");
  d.status = json::get_string(obj, "status");
  bool known = !StripeStore::record_dispute(tx, d);
  if (!known) {
    log::warn("payment disputed", {{"dispute_id", d.dispute_id},
                                   {"user_id", d.user_id.value_or("")},
                                   {"amount_cents", d.amount_cents},
                                   {"reason", d.reason},
                                   {"status", d.status}});
  }
  if (type == "charge.dispute.created")
    return {known ? StripeOutcome::duplicate_dispute : StripeOutcome::dispute_recorded, {}};
  // Closed: only a lost dispute moves money (the amount went back to the payer).
  if (StripeStore::dispute_status(tx, d.dispute_id) != "lost")
    return {StripeOutcome::dispute_closed, {}};
  if (d.payment_intent.empty()) {
    return {StripeOutcome::unmatched, "verlorene Anfechtung " + d.dispute_id +
                                          " ohne PaymentIntent: keine Zahlung von billing"};
  }
  auto settled = settle(tx, d.payment_intent);
  if (!settled)
    return {StripeOutcome::held, {}};
  return {*settled, {}};
}

std::optional<StripeOutcome> StripeEvents::settle(pqxx::work& tx,
                                                  const std::string& payment_intent) {
  auto session = StripeStore::lock_session_by_payment_intent(tx, payment_intent);
  if (!session || !session->entry_id)
    return std::nullopt;
  auto& s = *session;
  auto facts = StripeStore::takebacks(tx, payment_intent);
  auto paid = s.amount_cents;
  // Refunds first, a lost dispute takes what the refunds did not; together never more than the
  // share of the money that went back, and never more credits than were bought.
  auto returned = std::min(paid, facts.refunded_cents + facts.lost_cents);
  auto total_target = refunded_credits(s.credits, paid, returned);
  auto refund_target = refunded_credits(s.credits, paid, std::min(paid, facts.refunded_cents));
  auto taken = s.refunded_credits + s.chargeback_credits;
  auto take = [&](TakebackCause cause, std::int64_t credits, std::int64_t cents,
                  std::string charge_id) {
    if (charge_id.empty())
      charge_id = payment_intent;  // a dispute Stripe sent without its charge
    taken += credits;
    RefundBooking booking{s.user_id,
                          charge_id,
                          std::string(cause == TakebackCause::refund ? "refund:" : "chargeback:") +
                              s.session_id + ":" + std::to_string(taken),
                          credits,
                          cents,
                          cause};
    auto entry = ledger_.take_back_refund(tx, booking);
    if (!entry)
      throw std::logic_error("take-back booked twice: " + booking.reference);
    StripeStore::record_refund(tx, booking.reference, charge_id, s, cents, credits, entry->id,
                               std::string(to_string(cause)));
  };
  auto refund_credits = std::clamp<std::int64_t>(refund_target - s.refunded_credits, 0,
                                                 std::max<std::int64_t>(0, total_target - taken));
  if (refund_credits > 0) {
    take(TakebackCause::refund, refund_credits,
         std::max<std::int64_t>(0, std::min(paid, facts.refunded_cents) - s.refunded_cents),
         facts.refund_charge_id);
    s.refunded_credits += refund_credits;
  }
  s.refunded_cents = std::max(s.refunded_cents, facts.refunded_cents);
  auto chargeback_credits = std::max<std::int64_t>(0, total_target - taken);
  if (chargeback_credits > 0) {
    take(TakebackCause::dispute_lost, chargeback_credits,
         std::max<std::int64_t>(0, facts.lost_cents - s.chargeback_cents), facts.lost_charge_id);
    s.chargeback_credits += chargeback_credits;
  }
  s.chargeback_cents = std::max(s.chargeback_cents, facts.lost_cents);
  StripeStore::set_takeback_totals(tx, s);
  if (chargeback_credits > 0)
    return StripeOutcome::dispute_lost;
  return refund_credits > 0 ? StripeOutcome::refunded : StripeOutcome::no_change;
}

}  // namespace kx::billing
