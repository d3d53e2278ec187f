#include "vapi_signature.hpp"

#include <gtest/gtest.h>

namespace kx::telephony {
namespace {

using Clock = std::chrono::system_clock;

const std::string kSecret = "vapi-hmac-secret";
const std::string kBody = R"({"message":{"type":"hang"}})";

Clock::time_point at(std::int64_t s) {
  return Clock::time_point(std::chrono::seconds(s));
}

http::Headers headers(std::initializer_list<std::pair<std::string, std::string>> list) {
  http::Headers h;
  for (const auto& [k, v] : list)
    h.add(k, v);
  return h;
}

// Test vector B.3 of the provider reference: Vapi's HMAC credential with its defaults.
TEST(VapiSignature, HmacCredentialTestVector) {
  const std::string expected = "be10481716a0caf1462449007a17e57e7bb2377eae2e11a5f63678e5270266a9";
  EXPECT_EQ(VapiSignature::sign(kSecret, kBody, "1700000000"), expected);
  VapiSignature v(kSecret);
  auto h = headers({{"x-signature", expected}, {"x-timestamp", "1700000000"}});
  EXPECT_EQ(v.verify(h, kBody, at(1'700'000'100)), VapiAuth::accepted);
  // The same request replayed much later is refused.
  EXPECT_EQ(v.verify(h, kBody, at(1'700'000'000 + 3600)), VapiAuth::stale_timestamp);
  // Milliseconds are understood as well.
  auto ms = headers({{"X-Signature", VapiSignature::sign(kSecret, kBody, "1700000000123")},
                     {"X-Timestamp", "1700000000123"}});
  EXPECT_EQ(v.verify(ms, kBody, at(1'700'000'010)), VapiAuth::accepted);
  // Without the timestamp check the old vector passes against any clock.
  VapiSignature no_window(kSecret, std::chrono::seconds(0));
  EXPECT_EQ(no_window.verify(h, kBody, Clock::now()), VapiAuth::accepted);
  // A changed body or timestamp fails.
  EXPECT_EQ(v.verify(h, kBody + " ", at(1'700'000'000)), VapiAuth::invalid_credentials);
  auto other_ts = headers({{"x-signature", expected}, {"x-timestamp", "1700000001"}});
  EXPECT_EQ(v.verify(other_ts, kBody, at(1'700'000'000)), VapiAuth::invalid_credentials);
}

TEST(VapiSignature, VapiSignatureHeaderOverTheRawBody) {
  VapiSignature v(kSecret);
  auto sig = VapiSignature::sign(kSecret, kBody);
  EXPECT_EQ(v.verify(headers({{"X-Vapi-Signature", sig}}), kBody, Clock::now()),
            VapiAuth::accepted);
  std::string upper = sig;
  for (auto& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(v.verify(headers({{"x-vapi-signature", "sha256=" + upper}}), kBody, Clock::now()),
            VapiAuth::accepted);
  EXPECT_EQ(v.verify(headers({{"X-Vapi-Signature", sig}}), kBody + "x", Clock::now()),
            VapiAuth::invalid_credentials);
  EXPECT_EQ(v.verify(headers({{"X-Vapi-Signature", sig.substr(1)}}), kBody, Clock::now()),
            VapiAuth::invalid_credentials);
  EXPECT_EQ(v.verify(headers({{"X-Vapi-Signature", ""}}), kBody, Clock::now()),
            VapiAuth::invalid_credentials);
  // Signed together with a timestamp header, the signature covers "<timestamp>.<body>".
  auto now = Clock::now();
  auto ts = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  EXPECT_EQ(v.verify(headers({{"X-Vapi-Signature", VapiSignature::sign(kSecret, kBody, ts)},
                              {"X-Timestamp", ts}}),
                     kBody, now),
            VapiAuth::accepted);
  EXPECT_EQ(v.verify(headers({{"X-Vapi-Signature", sig}, {"X-Timestamp", ts}}), kBody, now),
            VapiAuth::invalid_credentials);
  EXPECT_EQ(v.verify(headers({{"X-Vapi-Signature", VapiSignature::sign(kSecret, kBody, "soon")},
                              {"X-Timestamp", "soon"}}),
                     kBody, now),
            VapiAuth::stale_timestamp);
}

TEST(VapiSignature, BearerAndLegacySecret) {
  VapiSignature v(kSecret);
  auto now = Clock::now();
  EXPECT_EQ(v.verify(headers({{"Authorization", "Bearer " + kSecret}}), kBody, now),
            VapiAuth::accepted);
  EXPECT_EQ(v.verify(headers({{"authorization", "bearer " + kSecret}}), kBody, now),
            VapiAuth::accepted);
  EXPECT_EQ(v.verify(headers({{"Authorization", "Bearer " + kSecret + "x"}}), kBody, now),
            VapiAuth::invalid_credentials);
  EXPECT_EQ(v.verify(headers({{"X-Vapi-Secret", kSecret}}), kBody, now), VapiAuth::accepted);
  EXPECT_EQ(v.verify(headers({{"X-Vapi-Secret", "wrong"}}), kBody, now),
            VapiAuth::invalid_credentials);
  // What Vapi sends when the credential header keeps its default "Bearer " prefix.
  EXPECT_EQ(v.verify(headers({{"X-Vapi-Secret", "Bearer " + kSecret}}), kBody, now),
            VapiAuth::accepted);
  EXPECT_EQ(v.verify(headers({{"X-Vapi-Secret", "bearer  " + kSecret + " "}}), kBody, now),
            VapiAuth::accepted);
  EXPECT_EQ(v.verify(headers({{"X-Vapi-Secret", "Bearer wrong"}}), kBody, now),
            VapiAuth::invalid_credentials);
  // A Basic header is no credential of ours.
  EXPECT_EQ(v.verify(headers({{"Authorization", "Basic " + kSecret}}), kBody, now),
            VapiAuth::missing_credentials);
  EXPECT_EQ(v.verify(headers({}), kBody, now), VapiAuth::missing_credentials);
  // x-signature alone (no timestamp) is not the HMAC credential.
  EXPECT_EQ(v.verify(headers({{"X-Signature", VapiSignature::sign(kSecret, kBody)}}), kBody, now),
            VapiAuth::missing_credentials);
}

TEST(VapiSignature, NothingIsAcceptedWithoutASecret) {
  VapiSignature v("");
  auto now = Clock::now();
  EXPECT_EQ(v.verify(headers({{"Authorization", "Bearer "}}), kBody, now),
            VapiAuth::no_secret_configured);
  EXPECT_EQ(v.verify(headers({{"X-Vapi-Signature", VapiSignature::sign("", kBody)}}), kBody, now),
            VapiAuth::no_secret_configured);
  EXPECT_EQ(v.verify(headers({{"X-Vapi-Secret", ""}}), kBody, now), VapiAuth::no_secret_configured);
}

}  // namespace
}  // namespace kx::telephony
