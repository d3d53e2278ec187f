#pragma once
// Verification of Stripe's webhook signature header against the raw request body:
//   Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>[,v1=...][,v0=...]
// The signed payload is "<t>.<raw body>", keyed with the endpoint secret as-is (whsec_ prefix
// included). Any v1 may match (secret rotation); other schemes are ignored so an attacker cannot
// downgrade. Pure and thread-safe.

#include <chrono>
#include <string_view>

namespace kx::billing {

enum class SignatureCheck {
  ok,
  missing_header,     ///< no Stripe-Signature header, or an empty one
  malformed_header,   ///< no t= timestamp or no v1= signature
  no_match,           ///< no v1 signature matches the body
  outside_tolerance,  ///< the signature matches, but t is too far from now
};

/// Why a check failed, for logs (never sent to the caller).
std::string_view to_string(SignatureCheck check);

inline constexpr std::chrono::seconds kStripeTolerance{300};

/// Checks `header` for `body`. A signature whose timestamp is more than `tolerance` away from
/// `now` (in the past, as Stripe's library checks, or in the future) is refused, so a captured
/// request cannot be replayed later. Signatures are compared in constant time.
SignatureCheck verify_stripe_signature(std::string_view header, std::string_view body,
                                       std::string_view secret,
                                       std::chrono::system_clock::time_point now,
                                       std::chrono::seconds tolerance = kStripeTolerance);

}  // namespace kx::billing
