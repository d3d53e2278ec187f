#include "stripe_signature.hpp"

#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

#include "kx/crypto/crypto.hpp"
#include "kx/http/message.hpp"

namespace kx::billing {
namespace {}  // namespace

std::string_view to_string(SignatureCheck check) {
  switch (check) {
    case SignatureCheck::ok:
      return "ok";
    case SignatureCheck::missing_header:
      return "missing Stripe-Signature header";
    case SignatureCheck::malformed_header:
      return "malformed Stripe-Signature header";
    case SignatureCheck::no_match:
      return "no v1 signature matches the body";
    case SignatureCheck::outside_tolerance:
      return "signature timestamp outside the tolerance";
  }
  return "unknown";
}

SignatureCheck verify_stripe_signature(std::string_view header, std::string_view body,
                                       std::string_view secret,
                                       std::chrono::system_clock::time_point now,
                                       std::chrono::seconds tolerance) {
  header = http::trim_ows(header);
  if (header.empty())
    return SignatureCheck::missing_header;
  std::string_view timestamp;
  std::vector<std::string_view> signatures;
  while (!header.empty()) {
    auto comma = header.find(',');
    auto item = http::trim_ows(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    auto eq = item.find('=');
    if (eq == std::string_view::npos)
      continue;
    auto key = item.substr(0, eq);
    auto value = item.substr(eq + 1);
    if (key == "t")
      timestamp = value;
    else if (key == "v1" && !value.empty())
      signatures.push_back(value);
  }
  std::int64_t t = 0;
  if (timestamp.empty() || signatures.empty())
    return SignatureCheck::malformed_header;
  auto [end, err] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), t);
  if (err != std::errc() || end != timestamp.data() + timestamp.size() || t < 0)
    return SignatureCheck::malformed_header;
  if (secret.empty())
    return SignatureCheck::no_match;

  std::string signed_payload(timestamp);
  signed_payload += '.';
  signed_payload += body;
  std::string expected = crypto::hmac_sha256_hex(secret, signed_payload);
  bool matched = false;
  for (auto sig : signatures) {
    // Every candidate is compared, so the time taken does not depend on which one matched.
    if (crypto::constant_time_equal(expected, sig))
      matched = true;
  }
  if (!matched)
    return SignatureCheck::no_match;
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  std::int64_t age = now_s - t;
  if (age > tolerance.count() || -age > tolerance.count())
    return SignatureCheck::outside_tolerance;
  return SignatureCheck::ok;
}

}  // namespace kx::billing
