#include "ledger.hpp"

#include <algorithm>
#include <stdexcept>

#include "catalog_store.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::billing {
namespace {

std::string call_length(std::int64_t seconds) {
  auto s = seconds % 60;
  return std::to_string(seconds / 60) + ":" + (s < 10 ? "0" : "") + std::to_string(s) + " Min.";
}

std::string call_description(std::int64_t seconds, const CallCost& cost,
                             const BillingSettings& settings, std::int64_t written_off) {
  std::string text = "Anruf (" + call_length(seconds) + "), ";
  if (settings.rounding == Rounding::per_started_minute) {
    text += format_number(cost.billed_minutes) +
            (cost.billed_minutes == 1 ? " angefangene Minute" : " angefangene Minuten") + " à " +
            format_euro(settings.price_per_minute_cents);
  } else {
    text += "sekundengenau à " + format_euro(settings.price_per_minute_cents) + " pro Minute";
  }
  if (written_off > 0)
    text += "; " + format_euro(written_off) + " über der Kulanzgrenze nicht berechnet";
  return text;
}

std::string deducted_event(const Entry& e, const std::string& call_id, std::int64_t minutes) {
  json::Writer w;
  w.begin_object()
      .field("user_id", e.user_id)
      .field("transaction_id", e.id)
      .field("call_id", call_id)
      .field("billed_minutes", minutes)
      .field("cents", -e.amount_cents)
      .field("balance_cents", e.balance_after_cents)
      .end_object();
  return w.str();
}

std::string purchased_event(const Entry& e, const Purchase& p) {
  json::Writer w;
  w.begin_object()
      .field("user_id", e.user_id)
      .field("transaction_id", e.id)
      .field("pack_id", p.pack_id)
      .field("credits", p.credits)
      .field("amount_cents", p.amount_cents)
      .field("currency", p.currency)
      .field("checkout_session_id", p.session_id)
      .field("balance_cents", e.balance_after_cents)
      .end_object();
  return w.str();
}

std::string refunded_event(const Entry& e, const RefundBooking& r) {
  json::Writer w;
  w.begin_object()
      .field("user_id", e.user_id)
      .field("transaction_id", e.id)
      .field("cents", r.credits)
      .field("charge_id", r.charge_id)
      .field("reason", std::string(to_string(r.cause)))
      .field("balance_cents", e.balance_after_cents)
      .end_object();
  return w.str();
}

std::string adjusted_event(const Entry& e, const AdjustRequest& a) {
  json::Writer w;
  w.begin_object()
      .field("user_id", e.user_id)
      .field("transaction_id", e.id)
      .field("cents", a.cents)
      .field("reason", a.reason)
      .field("admin_id", a.admin_id)
      .field("balance_cents", e.balance_after_cents)
      .end_object();
  return w.str();
}

}  // namespace

std::string_view to_string(ChargeOutcome outcome) {
  switch (outcome) {
    case ChargeOutcome::charged:
      return "charged";
    case ChargeOutcome::capped:
      return "capped";
    case ChargeOutcome::free_zero_seconds:
      return "free_zero_seconds";
    case ChargeOutcome::free_test_call:
      return "free_test_call";
    case ChargeOutcome::duplicate:
      return "duplicate";
  }
  return "duplicate";
}

std::string_view to_string(TakebackCause cause) {
  return cause == TakebackCause::dispute_lost ? "dispute_lost" : "refund";
}

Account Ledger::lock_or_open(pqxx::work& tx, const std::string& user_id) {
  if (auto account = LedgerStore::lock_account(tx, user_id))
    return *account;
  // Events of different topics arrive in any order: a call may be reported before the
  // account's user.registered; the account is opened now and its profile filled in later.
  LedgerStore::open_account(tx, user_id);
  auto account = LedgerStore::lock_account(tx, user_id);
  if (!account)
    throw std::logic_error("account vanished after opening: " + user_id);
  return *account;
}

Ledger::Booked Ledger::booking(const Account& account, const BillingSettings& settings,
                               const std::string& kind, std::int64_t amount_cents,
                               const std::string& reference, const std::string& description) {
  Booked b;
  b.entry.id = crypto::uuid_v7();
  b.entry.user_id = account.user_id;
  b.entry.seq = account.last_entry_seq + 1;
  b.entry.kind = kind;
  b.entry.amount_cents = amount_cents;
  b.entry.balance_after_cents = account.balance_cents + amount_cents;
  b.entry.reference = reference;
  b.entry.description = description;
  b.alerts = next_alerts(account.flags, b.entry.balance_after_cents,
                         amount_cents < 0 ? Movement::debit : Movement::credit, settings);
  return b;
}

std::optional<Ledger::Booked> Ledger::applied(Account& account, const Booked& booking,
                                              const std::optional<Entry>& stored) {
  if (!stored)
    return std::nullopt;
  account.balance_cents = stored->balance_after_cents;
  account.last_entry_seq = stored->seq;
  account.flags = booking.alerts.flags;
  return Booked{*stored, booking.alerts};
}

std::optional<Ledger::Booked> Ledger::book(pqxx::work& tx, Account& account,
                                           const BillingSettings& settings, const std::string& kind,
                                           std::int64_t amount_cents, const std::string& reference,
                                           const std::string& description) {
  auto b = booking(account, settings, kind, amount_cents, reference, description);
  return applied(account, b, LedgerStore::book_entry(tx, b.entry, b.alerts.flags));
}

void Ledger::publish_alerts(pqxx::work& tx, const Account& account, const AlertDecision& alerts,
                            const BillingSettings& settings) const {
  const auto& user = account.user_id;
  if (alerts.publish_low) {
    json::Writer w;
    w.begin_object()
        .field("user_id", user)
        .field("balance_cents", account.balance_cents)
        .field("threshold_cents", settings.low_balance_threshold_cents)
        .end_object();
    outbox_.add(tx, "credits.low", user, user, w.str());
  }
  if (alerts.publish_exhausted) {
    json::Writer w;
    w.begin_object()
        .field("user_id", user)
        .field("balance_cents", account.balance_cents)
        .field("grace_limit_cents", settings.grace_limit_cents)
        .end_object();
    outbox_.add(tx, "credits.exhausted", user, user, w.str());
    log::info("credits exhausted", {{"user_id", user}, {"balance_cents", account.balance_cents}});
  }
  if (alerts.publish_restored) {
    json::Writer w;
    w.begin_object()
        .field("user_id", user)
        .field("balance_cents", account.balance_cents)
        .end_object();
    outbox_.add(tx, "credits.restored", user, user, w.str());
    log::info("credits restored", {{"user_id", user}, {"balance_cents", account.balance_cents}});
  }
}

std::optional<Entry> Ledger::open_account(pqxx::work& tx, const std::string& user_id,
                                          const std::string& email, const std::string& name,
                                          const std::string& locale) {
  if (LedgerStore::open_account(tx, user_id, email, name, locale))
    log::info("account opened", {{"user_id", user_id}});
  return book_signup_bonus(tx, user_id);
}

void Ledger::open_account_on_demand(pqxx::work& tx, const std::string& user_id) {
  if (LedgerStore::open_account(tx, user_id))
    log::info("account opened before its user.registered", {{"user_id", user_id}});
  book_signup_bonus(tx, user_id);
}

std::optional<Entry> Ledger::book_signup_bonus(pqxx::work& tx, const std::string& user_id) {
  auto settings = CatalogStore::settings(tx).values;
  if (settings.signup_bonus_cents <= 0)
    return std::nullopt;
  auto account = lock_or_open(tx, user_id);
  auto booked = book(tx, account, settings, kBonus, settings.signup_bonus_cents, "bonus:" + user_id,
                     "Startguthaben zur Anmeldung");
  if (!booked)
    return std::nullopt;
  publish_alerts(tx, account, booked->alerts, settings);
  return booked->entry;
}

bool Ledger::close_account(pqxx::work& tx, const std::string& user_id) {
  return LedgerStore::close_account(tx, user_id);
}

ChargeResult Ledger::charge_call(pqxx::work& tx, const CallReport& call) {
  // The settings and the account in one round trip; the account stays locked, so this owner's
  // charges (and a second delivery of this call) wait for this one.
  auto [settings, found] = LedgerStore::lock_for_charge(tx, call.user_id);
  auto cost = call_cost(call.duration_seconds, settings);
  CallCharge record{call.call_id,        call.user_id, call.agent_id,
                    call.status,         call.test,    call.duration_seconds,
                    cost.billed_minutes, cost.cents,   call.ended_at};
  ChargeResult result;
  result.cost_cents = cost.cents;
  // Each path below writes the call's record with its decision in the statement that acts on
  // it, and does nothing more when the call was decided before (result: duplicate).
  if (call.duration_seconds == 0 || (call.test && !settings.charge_test_calls)) {
    auto outcome = call.duration_seconds == 0 ? ChargeOutcome::free_zero_seconds
                                              : ChargeOutcome::free_test_call;
    if (LedgerStore::decide_call(tx, record, std::string(to_string(outcome))))
      result.outcome = outcome;
    return result;
  }

  auto account = found ? *found : lock_or_open(tx, call.user_id);
  auto capped = cap_to_grace(account.balance_cents, cost.cents, settings.grace_limit_cents);
  auto outcome = capped.written_off_cents > 0 ? ChargeOutcome::capped : ChargeOutcome::charged;
  if (capped.charged_cents == 0) {
    // Nothing left to charge: the account sits at minus the grace limit. The alerts still run,
    // in case a lower grace limit has made this balance exhausted.
    if (!LedgerStore::decide_call(tx, record, std::string(to_string(outcome))))
      return result;
    result.outcome = outcome;
    auto alerts = next_alerts(account.flags, account.balance_cents, Movement::debit, settings);
    if (!(alerts.flags == account.flags)) {
      account.flags = alerts.flags;
      LedgerStore::save_balance(tx, account);
      publish_alerts(tx, account, alerts, settings);
    }
    log::warn("call not charged: grace limit reached",
              {{"user_id", call.user_id}, {"call_id", call.call_id}, {"cost_cents", cost.cents}});
    return result;
  }
  auto balance_after = account.balance_cents - capped.charged_cents;
  auto b =
      booking(account, settings, balance_after < 0 ? kGraceUsage : kCallUsage,
              -capped.charged_cents, "call:" + call.call_id,
              call_description(call.duration_seconds, cost, settings, capped.written_off_cents));
  // credits.deducted goes with the booking, in its statement.
  auto deducted = outbox_.prepare({{"credits.deducted", call.user_id, call.user_id,
                                    deducted_event(b.entry, call.call_id, cost.billed_minutes)}});
  auto done = applied(account, b,
                      LedgerStore::book_call(tx, record, std::string(to_string(outcome)), b.entry,
                                             b.alerts.flags, deducted));
  if (!done)
    return result;
  result.outcome = outcome;
  result.charged_cents = capped.charged_cents;
  publish_alerts(tx, account, done->alerts, settings);
  result.entry = done->entry;
  return result;
}

std::optional<Entry> Ledger::credit_purchase(pqxx::work& tx, const Purchase& p) {
  auto settings = CatalogStore::settings(tx).values;
  auto account = lock_or_open(tx, p.user_id);
  std::string description = "Kauf Paket „" + p.pack_name + "“: " + format_number(p.credits) +
                            " Credits für " + format_euro(p.amount_cents);
  if (account.balance_cents < 0) {
    description += ", davon " + format_euro(std::min(-account.balance_cents, p.credits)) +
                   " zum Ausgleich der Kulanznutzung";
  }
  auto booked =
      book(tx, account, settings, kPurchase, p.credits, "checkout:" + p.session_id, description);
  if (!booked)
    return std::nullopt;
  outbox_.add(tx, "credits.purchased", p.user_id, p.user_id, purchased_event(booked->entry, p));
  publish_alerts(tx, account, booked->alerts, settings);
  log::info(
      "credits purchased",
      {{"user_id", p.user_id}, {"checkout_session_id", p.session_id}, {"credits", p.credits}});
  return booked->entry;
}

std::optional<Entry> Ledger::take_back_refund(pqxx::work& tx, const RefundBooking& r) {
  auto settings = CatalogStore::settings(tx).values;
  auto account = lock_or_open(tx, r.user_id);
  std::string why =
      r.cause == TakebackCause::dispute_lost
          ? "Zahlung angefochten, Anfechtung verloren (" + format_euro(r.amount_cents) + ")"
          : "Erstattung von " + format_euro(r.amount_cents);
  auto booked = book(tx, account, settings, kRefund, -r.credits, r.reference,
                     why + ": " + format_number(r.credits) + " Credits zurückgebucht");
  if (!booked)
    return std::nullopt;
  outbox_.add(tx, "credits.refunded", r.user_id, r.user_id, refunded_event(booked->entry, r));
  publish_alerts(tx, account, booked->alerts, settings);
  log::info("refund booked", {{"user_id", r.user_id},
                              {"charge_id", r.charge_id},
                              {"cause", to_string(r.cause)},
                              {"credits", r.credits}});
  return booked->entry;
}

AdjustResult Ledger::adjust(pqxx::work& tx, const AdjustRequest& a) {
  AdjustResult result;
  auto replay = [&](const Adjustment& known) {
    if (known.user_id != a.user_id || known.cents != a.cents || known.reason != a.reason) {
      result.status = AdjustResult::Status::key_conflict;
      return result;
    }
    result.status = AdjustResult::Status::replayed;
    result.entry = LedgerStore::entry_by_id(tx, known.entry_id);
    if (result.entry)
      result.balance_before_cents = result.entry->balance_after_cents - result.entry->amount_cents;
    return result;
  };
  if (auto known = LedgerStore::find_adjustment(tx, a.request_key))
    return replay(*known);
  auto account = LedgerStore::lock_account(tx, a.user_id);
  if (!account) {
    result.status = AdjustResult::Status::unknown_account;
    return result;
  }
  result.balance_before_cents = account->balance_cents;
  if (a.cents < 0 && account->balance_cents + a.cents < 0) {
    result.status = AdjustResult::Status::would_go_negative;
    return result;
  }
  auto settings = CatalogStore::settings(tx).values;
  auto booked = book(tx, *account, settings, kAdminAdjustment, a.cents, "adjust:" + a.request_key,
                     "Korrektur durch den Support: " + a.reason);
  if (!booked) {
    // The same request key was booked by a concurrent request that committed meanwhile.
    if (auto known = LedgerStore::find_adjustment(tx, a.request_key))
      return replay(*known);
    throw std::logic_error("adjustment entry without its record: " + a.request_key);
  }
  LedgerStore::insert_adjustment(
      tx, {a.request_key, a.user_id, a.cents, a.reason, a.admin_id, booked->entry.id});
  outbox_.add(tx, "credits.adjusted", a.user_id, a.user_id, adjusted_event(booked->entry, a));
  publish_alerts(tx, *account, booked->alerts, settings);
  result.entry = booked->entry;
  return result;
}

}  // namespace kx::billing
