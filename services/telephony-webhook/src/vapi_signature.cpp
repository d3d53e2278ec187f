#include "vapi_signature.hpp"

#include <cctype>

#include "kx/crypto/crypto.hpp"
#include "kx/http/message.hpp"

namespace kx::telephony {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string signed_payload(std::string_view body, std::string_view timestamp) {
  if (timestamp.empty())
    return std::string(body);
  std::string payload;
  payload.reserve(timestamp.size() + 1 + body.size());
  payload.append(timestamp).append(".").append(body);
  return payload;
}

bool hmac_matches(std::string_view secret, std::string_view body, std::string_view timestamp,
                  std::string_view given) {
  given = http::trim_ows(given);
  if (given.size() > 7 && lower(given.substr(0, 7)) == "sha256=")
    given.remove_prefix(7);
  auto expected = crypto::hmac_sha256_hex(secret, signed_payload(body, timestamp));
  return crypto::constant_time_equal(expected, lower(given));
}

}  // namespace

std::string_view to_string(VapiAuth result) {
  switch (result) {
    case VapiAuth::accepted:
      return "accepted";
    case VapiAuth::no_secret_configured:
      return "no_secret_configured";
    case VapiAuth::missing_credentials:
      return "missing_credentials";
    case VapiAuth::invalid_credentials:
      return "invalid_credentials";
    case VapiAuth::stale_timestamp:
      return "stale_timestamp";
  }
  return "invalid_credentials";
}

VapiSignature::VapiSignature(std::string secret, std::chrono::seconds tolerance)
    : secret_(std::move(secret)), tolerance_(tolerance) {}

std::string VapiSignature::sign(std::string_view secret, std::string_view body,
                                std::string_view timestamp) {
  return crypto::hmac_sha256_hex(secret, signed_payload(body, timestamp));
}

bool VapiSignature::fresh(std::string_view timestamp,
                          std::chrono::system_clock::time_point now) const {
  if (tolerance_.count() == 0)
    return true;
  if (timestamp.empty() || timestamp.size() > 16)
    return false;
  std::int64_t value = 0;
  for (char c : timestamp) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + (c - '0');
  }
  // The unit is not documented: a value beyond year 5138 in seconds must be milliseconds.
  if (value > 100'000'000'000)
    value /= 1000;
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  auto skew = value > now_s ? value - now_s : now_s - value;
  return skew <= tolerance_.count();
}

VapiAuth VapiSignature::verify(const http::Headers& headers, std::string_view body,
                               std::chrono::system_clock::time_point now) const {
  if (secret_.empty())
    return VapiAuth::no_secret_configured;
  auto timestamp = headers.get("X-Timestamp");
  auto check_hmac = [&](std::string_view given) {
    std::string_view ts = timestamp ? http::trim_ows(*timestamp) : std::string_view();
    if (!hmac_matches(secret_, body, ts, given))
      return VapiAuth::invalid_credentials;
    if (timestamp && !fresh(ts, now))
      return VapiAuth::stale_timestamp;
    return VapiAuth::accepted;
  };
  if (auto sig = headers.get("X-Vapi-Signature"))
    return check_hmac(*sig);
  if (auto sig = headers.get("X-Signature"); sig && timestamp)
    return check_hmac(*sig);
  auto secret_matches = [&](std::string_view given) {
    return crypto::constant_time_equal(given, secret_) ? VapiAuth::accepted
                                                       : VapiAuth::invalid_credentials;
  };
  if (auto auth = headers.get("Authorization")) {
    if (auto token = http::bearer_token(*auth))
      return secret_matches(*token);
  }
  // Vapi's credential header keeps its default "Bearer " prefix unless the owner removed it.
  if (auto legacy = headers.get("X-Vapi-Secret"))
    return secret_matches(http::bearer_token(*legacy).value_or(http::trim_ows(*legacy)));
  return VapiAuth::missing_credentials;
}

}  // namespace kx::telephony
