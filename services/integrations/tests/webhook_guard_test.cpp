// The SSRF guard and the Standard Webhooks pieces, without network or database: every
// spelling of an internal target refused, public ones accepted with the address to connect
// to, and signatures equal to the reference library's.
#include <gtest/gtest.h>

#include "kx/crypto/crypto.hpp"
#include "kx/json/json.hpp"
#include "webhook_catalog.hpp"
#include "webhook_guard.hpp"

namespace kx::integrations {
namespace {

// Names resolve here as an attacker's DNS would answer.
std::vector<std::string> fake_dns(const std::string& host) {
  if (host == "public.example")
    return {"93.184.216.34"};
  if (host == "localhost")
    return {"127.0.0.1", "::1"};
  if (host == "internal.example")
    return {"10.0.0.5"};
  if (host == "metadata.example")
    return {"169.254.169.254"};
  // One public and one loopback answer: every address must pass, not just the first.
  if (host == "rebind.example")
    return {"93.184.216.34", "127.0.0.1"};
  if (host == "mapped.example")
    return {"::ffff:10.0.0.1"};
  return {};
}

TEST(WebhookGuard, RefusesInternalTargetsInEverySpelling) {
  TargetPolicy policy({}, fake_dns);
  const char* refused[] = {
      // Loopback, canonical and the spellings old parsers read as 127.0.0.1.
      "http://127.0.0.1/", "https://127.0.0.1/hook", "http://127.1/", "http://2130706433/",
      "http://0x7f000001/", "http://0177.0.0.1/", "http://0x7f.0.0.1/", "http://127.0.0.01/",
      "http://127.000.000.001/", "http://127.255.255.254/", "http://017700000001/",
      // IPv6 loopback, unspecified, mapped and embedded IPv4.
      "http://[::1]/", "http://[0:0:0:0:0:0:0:1]/", "http://[::]/", "http://[::ffff:127.0.0.1]/",
      "http://[::ffff:7f00:1]/", "http://[::127.0.0.1]/", "http://[64:ff9b::7f00:1]/",
      "http://[2002:7f00:1::1]/", "http://[fe80::1]/", "http://[fc00::1]/",
      "http://[fd12:3456::1]/", "http://[ff02::1]/", "http://[::1%25lo]/",
      // Unspecified, private, link-local and metadata, CGNAT, multicast, broadcast, reserved.
      "http://0.0.0.0/", "http://0/", "http://0.1.2.3/", "http://10.0.0.1/",
      "http://10.255.255.255/", "http://172.16.0.1/", "http://172.31.255.254/",
      "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/", "http://169.254.0.1/",
      "http://100.64.0.1/", "http://100.127.255.254/", "http://224.0.0.1/",
      "http://239.255.255.250/", "http://255.255.255.255/", "http://240.0.0.1/",
      "http://198.18.0.1/", "http://192.0.2.1/",
      // Names resolving inward.
      "http://localhost/", "https://localhost/", "http://internal.example/",
      "http://metadata.example/", "http://rebind.example/", "http://mapped.example/",
      "http://does-not-resolve.example/",
      // Userinfo, odd ports, schemes and parser confusion.
      "https://user:pass@public.example/", "https://public.example@127.0.0.1/",
      "https://@public.example/", "https://public.example:8443/", "https://public.example:22/",
      "http://public.example:8080/", "http://public.example:0/", "http://public.example:99999/",
      "http://public.example:/", "http://public.example:+80/", "ftp://public.example/",
      "file:///etc/passwd", "gopher://public.example/", "//public.example/",
      "http://public.example\\@127.0.0.1/", "http://public.example#@127.0.0.1/",
      "https://pub lic.example/", "https://public.example/\x01", "https://exämple.com/",
      "http://public.example%2e/", "http://-bad.example/", "http:///path", "http://[::1/",
      "http://127.0.0.1:19100/"};
  int count = 0;
  for (const char* url : refused) {
    ++count;
    EXPECT_THROW(policy.check(url), TargetRefused) << url;
  }
  EXPECT_GE(count, 25);
}

TEST(WebhookGuard, RefusesLoopbackNamesWithTheSystemResolver) {
  TargetPolicy policy;
  EXPECT_THROW(policy.check("http://localhost/"), TargetRefused);
  EXPECT_THROW(policy.check("https://localhost/hook"), TargetRefused);
}

TEST(WebhookGuard, AcceptsPublicTargetsAndNamesTheAddressToConnectTo) {
  TargetPolicy policy({}, fake_dns);
  EXPECT_EQ(policy.check("https://public.example/hooks/kametrix?x=1"), "93.184.216.34");
  EXPECT_EQ(policy.check("HTTPS://Public.Example:443/"), "93.184.216.34");
  EXPECT_EQ(policy.check("http://public.example/"), "93.184.216.34");
  EXPECT_EQ(policy.check("https://93.184.216.34/x"), "93.184.216.34");
  EXPECT_EQ(policy.check("https://[2606:2800:220:1:248:1893:25c8:1946]/"),
            "2606:2800:220:1:248:1893:25c8:1946");
  auto t = parse_target_url("https://Public.Example/a");
  EXPECT_TRUE(t.tls);
  EXPECT_EQ(t.host, "public.example");
  EXPECT_EQ(t.port, 443);
}

TEST(WebhookGuard, TheAllowListOpensOnlyItsHostAndPorts) {
  TargetPolicy policy(parse_allowed_targets("127.0.0.1:19100-19199, [::1]:19300"), fake_dns);
  EXPECT_EQ(policy.check("http://127.0.0.1:19100/hook"), "127.0.0.1");
  EXPECT_EQ(policy.check("http://127.0.0.1:19199/"), "127.0.0.1");
  EXPECT_EQ(policy.check("http://[::1]:19300/"), "::1");
  for (const char* url : {"http://127.0.0.1:19200/", "http://127.0.0.1:19099/", "http://127.0.0.1/",
                          "http://localhost:19100/", "http://127.1:19100/", "http://[::1]:19100/",
                          "http://user@127.0.0.1:19100/"})
    EXPECT_THROW(policy.check(url), TargetRefused) << url;
}

TEST(WebhookGuard, AllowListSyntax) {
  EXPECT_TRUE(parse_allowed_targets("").empty());
  EXPECT_TRUE(parse_allowed_targets(" , ").empty());
  auto list = parse_allowed_targets("Receiver.Local:8080,127.0.0.1:19100-19199");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].host, "receiver.local");
  EXPECT_EQ(list[0].first_port, 8080);
  EXPECT_EQ(list[0].last_port, 8080);
  EXPECT_EQ(list[1].last_port, 19199);
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", ":80", "h:0", "h:70000", "h:20-10", "h:a-b"})
    EXPECT_THROW(parse_allowed_targets(bad), std::invalid_argument) << bad;
}

TEST(WebhookGuard, PublicAddressClassification) {
  for (const char* ok : {"93.184.216.34", "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1",
                         "2606:4700:4700::1111", "2a00:1450:4001:82b::200e"})
    EXPECT_TRUE(is_public_address(ok)) << ok;
  for (const char* no :
       {"127.0.0.1", "10.1.2.3", "172.16.5.4", "192.168.0.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "224.0.0.251", "::1", "::", "::ffff:8.8.8.8", "fe80::1", "fd00::1", "ff02::1",
        "2001:db8::1", "2002:0808:0808::1", "not an address", ""})
    EXPECT_FALSE(is_public_address(no)) << no;
}

TEST(WebhookSigning, MatchesTheReferenceVector) {
  // provider-wire-formats.md Appendix B.2, computed with the standardwebhooks package.
  EXPECT_EQ(webhook_signature("whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "msg_test_1",
                              1700000000, R"({"type":"call.completed","data":{"call_id":"c_1"}})"),
            "v1,KH9PKUOwCnweuqYukFbIShUrHvbnb0RyikPb2IwV9Rk=");
  EXPECT_THROW(webhook_signature("MDEy", "m", 1, "{}"), std::invalid_argument);
}

TEST(WebhookSigning, SecretsAndMessageIds) {
  auto secret = new_webhook_secret();
  ASSERT_TRUE(secret.starts_with("whsec_"));
  auto key = crypto::base64_decode(secret.substr(6));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->size(), 32u);
  EXPECT_NE(new_webhook_secret(), secret);
  auto id = webhook_message_id("event-1", "endpoint-1");
  EXPECT_EQ(id, webhook_message_id("event-1", "endpoint-1"));
  EXPECT_NE(id, webhook_message_id("event-1", "endpoint-2"));
  EXPECT_NE(id, webhook_message_id("event-2", "endpoint-1"));
  EXPECT_EQ(id.find('.'), std::string::npos);
  EXPECT_EQ(id.size(), 36u);
}

TEST(WebhookCatalog, PayloadLeavesProviderIdsOut) {
  auto body = webhook_payload(
      "call.completed", "2026-11-29T10:00:00.000Z",
      R"({"call_id":"c1","vapi_call_id":"v1","user_id":"u1","duration_seconds":42,"summary":"Ä"})");
  auto doc = json::parse(body);
  EXPECT_EQ(json::get_string(doc, "type"), "call.completed");
  EXPECT_EQ(json::get_string(doc, "timestamp"), "2026-11-29T10:00:00.000Z");
  const auto& data = doc["data"];
  EXPECT_EQ(json::get_string(data, "call_id"), "c1");
  EXPECT_EQ(json::get_int(data, "duration_seconds"), 42);
  EXPECT_EQ(json::get_string(data, "summary"), "Ä");
  EXPECT_FALSE(data.HasMember("vapi_call_id"));
  EXPECT_TRUE(is_webhook_event_type("credits.low"));
  EXPECT_FALSE(is_webhook_event_type("webhook.test"));
  EXPECT_FALSE(is_webhook_event_type("user.registered"));
}

}  // namespace
}  // namespace kx::integrations
