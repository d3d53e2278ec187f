#include "credit_rules.hpp"

#include <algorithm>
#include <stdexcept>

namespace kx::billing {

std::optional<Rounding> parse_rounding(std::string_view text) {
  if (text == "per_started_minute")
    return Rounding::per_started_minute;
  if (text == "per_second")
    return Rounding::per_second;
  return std::nullopt;
}

std::string_view to_string(Rounding rounding) {
  return rounding == Rounding::per_second ? "per_second" : "per_started_minute";
}

CallCost call_cost(std::int64_t duration_seconds, const BillingSettings& settings) {
  if (duration_seconds < 0 || duration_seconds > kMaxCallSeconds)
    throw std::invalid_argument("call duration out of range: " + std::to_string(duration_seconds));
  CallCost cost;
  cost.billed_minutes = (duration_seconds + 59) / 60;
  if (settings.rounding == Rounding::per_started_minute) {
    cost.cents = cost.billed_minutes * settings.price_per_minute_cents;
  } else {
    cost.cents = (duration_seconds * settings.price_per_minute_cents + 59) / 60;
  }
  return cost;
}

CappedCharge cap_to_grace(std::int64_t balance_cents, std::int64_t cost_cents,
                          std::int64_t grace_limit_cents) {
  std::int64_t room = std::max<std::int64_t>(0, balance_cents + grace_limit_cents);
  std::int64_t charged = std::min(cost_cents, room);
  return {charged, cost_cents - charged};
}

AlertDecision next_alerts(AlertFlags flags, std::int64_t balance_after_cents, Movement movement,
                          const BillingSettings& settings) {
  AlertDecision d;
  d.flags = flags;
  if (movement == Movement::debit) {
    if (balance_after_cents <= settings.low_balance_threshold_cents && !flags.low_warned) {
      d.flags.low_warned = true;
      d.publish_low = true;
    }
    if (balance_after_cents <= -settings.grace_limit_cents && !flags.exhausted) {
      d.flags.exhausted = true;
      d.publish_exhausted = true;
    }
  } else {
    if (balance_after_cents > settings.low_balance_threshold_cents)
      d.flags.low_warned = false;
    if (flags.exhausted && balance_after_cents > -settings.grace_limit_cents) {
      d.flags.exhausted = false;
      d.publish_restored = true;
    }
  }
  return d;
}

std::string_view to_string(AccountState state) {
  switch (state) {
    case AccountState::ok:
      return "ok";
    case AccountState::low:
      return "low";
    case AccountState::in_grace:
      return "in_grace";
    case AccountState::exhausted:
      return "exhausted";
  }
  return "ok";
}

AccountState account_state(std::int64_t balance_cents, const AlertFlags& flags,
                           const BillingSettings& settings) {
  if (flags.exhausted)
    return AccountState::exhausted;
  if (balance_cents < 0)
    return AccountState::in_grace;
  if (balance_cents <= settings.low_balance_threshold_cents)
    return AccountState::low;
  return AccountState::ok;
}

std::int64_t estimated_minutes(std::int64_t balance_cents, const BillingSettings& settings) {
  if (balance_cents <= 0 || settings.price_per_minute_cents <= 0)
    return 0;
  return balance_cents / settings.price_per_minute_cents;
}

std::int64_t refunded_credits(std::int64_t credits_bought, std::int64_t amount_paid_cents,
                              std::int64_t amount_refunded_cents) {
  if (amount_refunded_cents <= 0 || credits_bought <= 0)
    return 0;
  if (amount_paid_cents <= 0 || amount_refunded_cents >= amount_paid_cents)
    return credits_bought;
  std::int64_t product = 0;
  if (__builtin_mul_overflow(credits_bought, amount_refunded_cents, &product)) {
    // Far beyond any real pack; stay exact enough without overflowing.
    return credits_bought / amount_paid_cents * amount_refunded_cents;
  }
  return product / amount_paid_cents;
}

namespace {

std::uint64_t magnitude(std::int64_t n) {
  return n < 0 ? static_cast<std::uint64_t>(-(n + 1)) + 1 : static_cast<std::uint64_t>(n);
}

std::string group_thousands(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0)
      out += '.';
    out += digits[i];
  }
  return out;
}

}  // namespace

std::string format_number(std::int64_t n) {
  return (n < 0 ? "-" : "") + group_thousands(magnitude(n));
}

std::string format_euro(std::int64_t cents) {
  std::uint64_t abs = magnitude(cents);
  std::uint64_t rest = abs % 100;
  return (cents < 0 ? "-" : "") + group_thousands(abs / 100) + "," + (rest < 10 ? "0" : "") +
         std::to_string(rest) + " €";
}

}  // namespace kx::billing
