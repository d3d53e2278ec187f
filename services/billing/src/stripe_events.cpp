#include "stripe_events.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "catalog_store.hpp"
#include "kx/log/log.hpp"
#include "stripe_store.hpp"

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

std::int64_t positive_int(const std::string& text) {
  std::int64_t n = 0;
  auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), n);
  return err == std::errc() && end == text.data() + text.size() && n > 0 ? n : 0;
}

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string StripeEvents::apply(pqxx::work& tx, const std::string& type,
                                const json::Value& object) {
  if (type == "checkout.session.completed" || type == "checkout.session.async_payment_succeeded")
    return fulfil(tx, object);
  if (type == "checkout.session.async_payment_failed" || type == "checkout.session.expired") {
    auto session_id = json::get_string(object, "id");
    bool failed = type == "checkout.session.async_payment_failed";
    StripeStore::set_status(tx, session_id, failed ? "failed" : "expired",
                            id_of(object, "payment_intent"));
    if (failed)
      log::warn("asynchronous payment failed", {{"checkout_session_id", session_id}});
    return failed ? "payment_failed" : "expired";
  }
  if (type == "charge.refunded")
    return take_back_refund(tx, object);
  if (type == "charge.dispute.created")
    return record_dispute(tx, object);
  return "ignored";
}

std::string StripeEvents::fulfil(pqxx::work& tx, const json::Value& obj) {
  auto session_id = json::get_string(obj, "id");
  auto payment_intent = id_of(obj, "payment_intent");
  auto payment_status = json::get_string(obj, "payment_status");
  // Delayed methods (SEPA debit, bank transfer) complete the session unpaid; the money's
  // outcome arrives later as async_payment_succeeded or async_payment_failed.
  if (payment_status != "paid" && payment_status != "no_payment_required") {
    StripeStore::set_status(tx, session_id, "awaiting_payment", payment_intent);
    return "awaiting_payment";
  }
  auto session = StripeStore::lock_session(tx, session_id);
  if (!session) {
    // Not recorded at checkout (e.g. our insert failed after Stripe created it): the metadata
    // we sent with the session says whose it is.
    const auto& metadata = member_object(obj, "metadata");
    CheckoutRecord record;
    record.session_id = session_id;
    record.user_id =
        json::get_string(metadata, "user_id", json::get_string(obj, "client_reference_id"));
    record.pack_id = json::get_string(metadata, "pack_id");
    record.credits = positive_int(json::get_string(metadata, "credits"));
    record.amount_cents = json::get_int(obj, "amount_total");
    record.currency = upper(json::get_string(obj, "currency", "eur"));
    if (record.user_id.empty() || record.pack_id.empty() || record.credits <= 0) {
      log::error("paid checkout session cannot be attributed",
                 {{"checkout_session_id", session_id}});
      return "unmatched";
    }
    StripeStore::insert_session(tx, record);
    session = StripeStore::lock_session(tx, session_id);
  }
  if (session->entry_id)
    return "already_credited";
  auto pack = CatalogStore::pack(tx, session->pack_id);
  Purchase purchase;
  purchase.session_id = session->session_id;
  purchase.user_id = session->user_id;
  purchase.pack_id = session->pack_id;
  purchase.pack_name = pack ? pack->name : session->pack_id;
  purchase.credits = session->credits;
  purchase.amount_cents = json::get_int(obj, "amount_total", session->amount_cents);
  purchase.currency = session->currency;
  auto entry = ledger_.credit_purchase(tx, purchase);
  if (!entry)
    throw std::logic_error("purchase entry exists for an uncredited session: " + session_id);
  StripeStore::mark_paid(tx, session_id, entry->id, payment_intent);
  return "credited";
}

std::string StripeEvents::take_back_refund(pqxx::work& tx, const json::Value& obj) {
  auto charge_id = json::get_string(obj, "id");
  auto payment_intent = id_of(obj, "payment_intent");
  auto session = payment_intent ? StripeStore::lock_session_by_payment_intent(tx, *payment_intent)
                                : std::nullopt;
  if (!session || !session->entry_id) {
    log::warn("refund for an unknown payment", {{"charge_id", charge_id}});
    return "unmatched";
  }
  auto refunded_cents = json::get_int(obj, "amount_refunded");
  auto paid_cents = json::get_int(obj, "amount", session->amount_cents);
  auto target_credits = refunded_credits(session->credits, paid_cents, refunded_cents);
  auto credits = target_credits - session->refunded_credits;
  auto money = refunded_cents - session->refunded_cents;
  if (money <= 0 && credits <= 0)
    return "no_change";  // this refund state was booked already (or arrives out of order)
  if (credits > 0) {
    RefundBooking booking{session->user_id, charge_id,
                          "refund:" + charge_id + ":" + std::to_string(refunded_cents), credits,
                          std::max<std::int64_t>(money, 0)};
    auto entry = ledger_.take_back_refund(tx, booking);
    if (!entry)
      return "no_change";
    StripeStore::record_refund(tx, booking.reference, charge_id, *session, booking.amount_cents,
                               credits, entry->id, "refund");
  }
  session->refunded_cents = std::max(refunded_cents, session->refunded_cents);
  session->refunded_credits = std::max(target_credits, session->refunded_credits);
  StripeStore::set_takeback_totals(tx, *session);
  return credits > 0 ? "refunded" : "no_change";
}

std::string StripeEvents::record_dispute(pqxx::work& tx, const json::Value& obj) {
  Dispute d;
  d.dispute_id = json::get_string(obj, "id");
  d.charge_id = id_of(obj, "charge").value_or("");
  d.payment_intent = id_of(obj, "payment_intent").value_or("");
  if (!d.payment_intent.empty()) {
    if (auto session = StripeStore::lock_session_by_payment_intent(tx, d.payment_intent)) {
      d.session_id = session->session_id;
      d.user_id = session->user_id;
    }
  }
  d.amount_cents = json::get_int(obj, "amount");
  d.currency = upper(json::get_string(obj, "currency"));
  d.reason = json::get_string(obj, "reason");
  d.status = json::get_string(obj, "status");
  if (!StripeStore::record_dispute(tx, d))
    return "duplicate_dispute";
  log::warn("payment disputed", {{"dispute_id", d.dispute_id},
                                 {"user_id", d.user_id.value_or("")},
                                 {"amount_cents", d.amount_cents},
                                 {"reason", d.reason}});
  return "dispute_recorded";
}

}  // namespace kx::billing
