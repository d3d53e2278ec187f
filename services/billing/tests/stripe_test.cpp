// Stripe's wire details without a network: the signature header and the form encoding, checked
// against the vectors computed with Stripe's own library (provider-wire-formats.md B.1, B.8).
#include <gtest/gtest.h>

#include "kx/crypto/crypto.hpp"
#include "stripe_client.hpp"
#include "stripe_signature.hpp"

namespace kx::billing {
namespace {

using namespace std::chrono_literals;

const std::string kSecret = "whsec_testsecret123";
const std::string kBody =
    R"({"id":"evt_test_1","object":"event","type":"checkout.session.completed"})";
const std::string kV1 = "5919eb981ff289482a1d3b593875c640315491c3c529eca9e649506f9f078a27";
const auto kSigned = std::chrono::system_clock::time_point(1700000000s);

TEST(StripeSignature, AcceptsStripesOwnTestVector) {
  EXPECT_EQ(verify_stripe_signature("t=1700000000,v1=" + kV1, kBody, kSecret, kSigned + 10s),
            SignatureCheck::ok);
}

TEST(StripeSignature, RefusesOldAndFarFutureTimestamps) {
  auto header = "t=1700000000,v1=" + kV1;
  EXPECT_EQ(verify_stripe_signature(header, kBody, kSecret, kSigned + 300s), SignatureCheck::ok);
  EXPECT_EQ(verify_stripe_signature(header, kBody, kSecret, kSigned + 301s),
            SignatureCheck::outside_tolerance);
  EXPECT_EQ(verify_stripe_signature(header, kBody, kSecret, kSigned - 301s),
            SignatureCheck::outside_tolerance);
  // The real clock: the vector is years old.
  EXPECT_EQ(verify_stripe_signature(header, kBody, kSecret, std::chrono::system_clock::now()),
            SignatureCheck::outside_tolerance);
}

TEST(StripeSignature, AnyV1MayMatchOtherSchemesAreIgnored) {
  auto wrong = std::string(64, 'a');
  EXPECT_EQ(verify_stripe_signature("t=1700000000,v1=" + wrong + ",v1=" + kV1 + ",v0=" + wrong,
                                    kBody, kSecret, kSigned),
            SignatureCheck::ok);
  EXPECT_EQ(verify_stripe_signature(" t=1700000000 , v1=" + kV1 + " ", kBody, kSecret, kSigned),
            SignatureCheck::ok);
  // A matching signature under another scheme is no signature.
  EXPECT_EQ(verify_stripe_signature("t=1700000000,v0=" + kV1, kBody, kSecret, kSigned),
            SignatureCheck::malformed_header);
}

TEST(StripeSignature, RefusesEverythingElse) {
  auto ok = "t=1700000000,v1=" + kV1;
  EXPECT_EQ(verify_stripe_signature("", kBody, kSecret, kSigned), SignatureCheck::missing_header);
  EXPECT_EQ(verify_stripe_signature("v1=" + kV1, kBody, kSecret, kSigned),
            SignatureCheck::malformed_header);
  EXPECT_EQ(verify_stripe_signature("t=abc,v1=" + kV1, kBody, kSecret, kSigned),
            SignatureCheck::malformed_header);
  EXPECT_EQ(verify_stripe_signature("t=-5,v1=" + kV1, kBody, kSecret, kSigned),
            SignatureCheck::malformed_header);
  EXPECT_EQ(verify_stripe_signature(ok, kBody + " ", kSecret, kSigned), SignatureCheck::no_match);
  EXPECT_EQ(verify_stripe_signature(ok, kBody, "whsec_other", kSigned), SignatureCheck::no_match);
  EXPECT_EQ(verify_stripe_signature(ok, kBody, "", kSigned), SignatureCheck::no_match);
  EXPECT_EQ(verify_stripe_signature("t=1700000001,v1=" + kV1, kBody, kSecret, kSigned),
            SignatureCheck::no_match);
  std::string upper = kV1;
  for (auto& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(verify_stripe_signature("t=1700000000,v1=" + upper, kBody, kSecret, kSigned),
            SignatureCheck::no_match);
}

TEST(StripeForm, EncodesLikeStripesLibrary) {
  FormBody form;
  form.add("line_items[0][price_data][product_data][name]",
           "Receptionist Starter \u2013 100 Minuten");
  form.add("success_url",
           "https://app.example.com/billing/success?session_id={CHECKOUT_SESSION_ID}");
  form.add("client_reference_id", "tenant_42:order_1001");
  form.add("line_items[0][price_data][unit_amount]", std::int64_t{4900});
  EXPECT_EQ(form.str(),
            "line_items[0][price_data][product_data][name]=Receptionist%20Starter%20%E2%80%93%"
            "20100%20Minuten"
            "&success_url=https%3A%2F%2Fapp.example.com%2Fbilling%2Fsuccess%3Fsession_id%3D%"
            "7BCHECKOUT_SESSION_ID%7D"
            "&client_reference_id=tenant_42%3Aorder_1001"
            "&line_items[0][price_data][unit_amount]=4900");
}

TEST(StripeForm, CheckoutSessionCarriesWhatBillingNeeds) {
  NewCheckoutSession s;
  s.customer = "cus_1";
  s.client_reference_id = "u1";
  s.locale = "de";
  s.currency = "EUR";
  s.unit_amount_cents = 1000;
  s.product_name = "Starter";
  s.success_url = "https://kx.example/?checkout=success&session_id={CHECKOUT_SESSION_ID}";
  s.cancel_url = "https://kx.example/?checkout=cancelled";
  s.metadata = {{"user_id", "u1"}, {"pack_id", "starter"}};
  auto body = checkout_session_form(s).str();
  for (const char* part :
       {"mode=payment", "customer=cus_1", "client_reference_id=u1", "locale=de",
        "line_items[0][price_data][currency]=eur", "line_items[0][price_data][unit_amount]=1000",
        "line_items[0][price_data][product_data][name]=Starter", "line_items[0][quantity]=1",
        "metadata[user_id]=u1", "metadata[pack_id]=starter",
        "payment_intent_data[metadata][user_id]=u1",
        "cancel_url=https%3A%2F%2Fkx.example%2F%"
        "3Fcheckout%3Dcancelled"}) {
    EXPECT_NE(body.find(part), std::string::npos) << part << " in " << body;
  }
}

}  // namespace
}  // namespace kx::billing
