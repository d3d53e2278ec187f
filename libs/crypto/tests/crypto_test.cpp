#include "kx/crypto/crypto.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace kx::crypto {
namespace {

std::string unhex(std::string_view hex) {
  const std::optional<std::string> bytes = hex_decode(hex);
  if (!bytes) {
    ADD_FAILURE() << "bad hex in test vector: " << hex;
    return {};
  }
  return *bytes;
}

// --- SHA-256 (FIPS 180-2 examples) ------------------------------------------------------------

TEST(Sha256, NistVectors) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(std::string_view{}),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, RawIs32Bytes) {
  EXPECT_EQ(sha256("abc").size(), 32u);
  EXPECT_EQ(hex_encode(sha256("abc")), sha256_hex("abc"));
}

// --- HMAC-SHA256 (RFC 4231) -------------------------------------------------------------------

TEST(HmacSha256, Rfc4231Case1) {
  EXPECT_EQ(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(HmacSha256, Rfc4231Case2) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256, Rfc4231Case3) {
  EXPECT_EQ(hmac_sha256_hex(std::string(20, '\xaa'), std::string(50, '\xdd')),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

TEST(HmacSha256, Rfc4231Case4) {
  EXPECT_EQ(hmac_sha256_hex(unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                            std::string(50, '\xcd')),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

TEST(HmacSha256, Rfc4231Case6KeyLargerThanBlock) {
  EXPECT_EQ(hmac_sha256_hex(std::string(131, '\xaa'),
                            "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256, Rfc4231Case7KeyAndDataLargerThanBlock) {
  EXPECT_EQ(hmac_sha256_hex(std::string(131, '\xaa'),
                            "This is a test using a larger than block-size key and a larger than "
                            "block-size data. The key needs to be hashed before being used by the "
                            "HMAC algorithm."),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(HmacSha256, StripeWebhookSignature) {
  EXPECT_EQ(hmac_sha256_hex("whsec_testsecret123",
                            "1700000000.{\"id\":\"evt_test_1\",\"object\":\"event\",\"type\":"
                            "\"checkout.session.completed\"}"),
            "5919eb981ff289482a1d3b593875c640315491c3c529eca9e649506f9f078a27");
}

TEST(HmacSha256, EmptyKeyIsValid) {
  // Well-known value of HMAC-SHA256 with an empty key over an empty message.
  EXPECT_EQ(hmac_sha256_hex("", ""),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  EXPECT_EQ(hmac_sha256("k", "m").size(), 32u);
}

// --- constant_time_equal ----------------------------------------------------------------------

TEST(ConstantTimeEqual, ComparesContentsAndLength) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "secret2"));
  EXPECT_FALSE(constant_time_equal("", "x"));
  EXPECT_TRUE(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

// --- Encodings --------------------------------------------------------------------------------

TEST(Hex, EncodesLowerCaseAndRoundTrips) {
  EXPECT_EQ(hex_encode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(hex_encode(""), "");
  EXPECT_EQ(hex_decode("0001ABff"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(hex_decode(""), "");
  const std::string bytes = random_bytes(64);
  EXPECT_EQ(hex_decode(hex_encode(bytes)), bytes);
}

TEST(Hex, RejectsInvalidInput) {
  EXPECT_EQ(hex_decode("abc"), std::nullopt);
  EXPECT_EQ(hex_decode("zz"), std::nullopt);
  EXPECT_EQ(hex_decode("0g"), std::nullopt);
  EXPECT_EQ(hex_decode("12 4"), std::nullopt);
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
  EXPECT_EQ(base64_decode(""), "");
}

TEST(Base64, UsesStandardAlphabet) {
  EXPECT_EQ(base64_encode("\xfb\xff\xbf"), "+/+/");
  EXPECT_EQ(base64_decode("+/+/"), "\xfb\xff\xbf");
}

TEST(Base64, RoundTripsAllLengths) {
  for (std::size_t n = 0; n < 40; ++n) {
    const std::string bytes = random_bytes(n);
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << n;
    EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes) << n;
  }
}

TEST(Base64, RejectsInvalidInput) {
  EXPECT_EQ(base64_decode("Zm9vYmE"), std::nullopt);    // padding required
  EXPECT_EQ(base64_decode("Zm9v!mFy"), std::nullopt);   // not in the alphabet
  EXPECT_EQ(base64_decode("Zm9v-mFy"), std::nullopt);   // url alphabet
  EXPECT_EQ(base64_decode("Zm9vY==="), std::nullopt);   // too much padding
  EXPECT_EQ(base64_decode("Zm=vYmFy"), std::nullopt);   // padding in the middle
  EXPECT_EQ(base64_decode("Zm9vYh=="), std::nullopt);   // non-zero trailing bits
  EXPECT_EQ(base64_decode("Zm9v YmFy"), std::nullopt);  // whitespace
  EXPECT_EQ(base64_decode("Z"), std::nullopt);
}

TEST(Base64Url, UsesUrlAlphabetWithoutPadding) {
  EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_decode("-_-_"), "\xfb\xff\xbf");
}

TEST(Base64Url, AcceptsWithOrWithoutPadding) {
  EXPECT_EQ(base64url_decode("Zg"), "f");
  EXPECT_EQ(base64url_decode("Zg=="), "f");
  EXPECT_EQ(base64url_decode("Zm8"), "fo");
  EXPECT_EQ(base64url_decode("Zm8="), "fo");
}

TEST(Base64Url, RejectsInvalidInput) {
  EXPECT_EQ(base64url_decode("+/+/"), std::nullopt);  // standard alphabet
  EXPECT_EQ(base64url_decode("Zg="), std::nullopt);   // wrong padding
  EXPECT_EQ(base64url_decode("Z"), std::nullopt);     // impossible length
  EXPECT_EQ(base64url_decode("Zh"), std::nullopt);    // non-zero trailing bits
  EXPECT_EQ(base64url_decode("Zm.v"), std::nullopt);
}

// --- Randomness and identifiers ---------------------------------------------------------------

TEST(Random, BytesHaveRequestedLength) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  EXPECT_EQ(random_bytes(17).size(), 17u);
  EXPECT_NE(random_bytes(32), random_bytes(32));
}

TEST(Random, TokenLengthAlphabetAndUniqueness) {
  const std::regex url_safe("^[A-Za-z0-9_-]+$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string token = random_token();
    ASSERT_EQ(token.size(), 43u);
    ASSERT_TRUE(std::regex_match(token, url_safe)) << token;
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(random_token(16).size(), 22u);
  EXPECT_EQ(base64url_decode(random_token(24))->size(), 24u);
}

TEST(Uuid, RecognisesTheTextForm) {
  EXPECT_TRUE(is_uuid(uuid_v4()));
  EXPECT_TRUE(is_uuid(uuid_v7()));
  EXPECT_TRUE(is_uuid("0194A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B"));
  for (const char* bad :
       {"", "0194a1b2c3d47e5f8a9b0c1d2e3f4a5b", "0194a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5",
        "0194a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5bb", "0194a1b2-c3d4-7e5f-8a9b_0c1d2e3f4a5b",
        "0194a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5g", "../../etc/passwd-00000000000000000"})
    EXPECT_FALSE(is_uuid(bad)) << bad;
}

TEST(Uuid, V4Format) {
  const std::regex v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string id = uuid_v4();
    ASSERT_TRUE(std::regex_match(id, v4)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(Uuid, V7FormatAndTimestamp) {
  const std::regex v7("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  const auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const auto before = now_ms();
  const std::string id = uuid_v7();
  const auto after = now_ms();
  ASSERT_TRUE(std::regex_match(id, v7)) << id;
  const std::string hex_ms = id.substr(0, 8) + id.substr(9, 4);
  const auto ms = static_cast<std::int64_t>(std::stoull(hex_ms, nullptr, 16));
  EXPECT_GE(ms, before);
  EXPECT_LE(ms, after + 1);
}

TEST(Uuid, V7IsStrictlyIncreasingWithinAndAcrossMilliseconds) {
  std::string prev = uuid_v7();
  for (int i = 0; i < 5000; ++i) {
    const std::string next = uuid_v7();
    ASSERT_LT(prev, next);
    prev = next;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const std::string later = uuid_v7();
  EXPECT_LT(prev.substr(0, 13), later.substr(0, 13));  // the millisecond prefix moved on
}

// --- AES-256-GCM (McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 13-16) ---

struct GcmVector {
  const char* name;
  const char* key;
  const char* iv;
  const char* plaintext;
  const char* aad;
  const char* ciphertext;
  const char* tag;
};

constexpr const char* kZeroKey = "0000000000000000000000000000000000000000000000000000000000000000";
constexpr const char* kKey15 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
constexpr const char* kPlaintext64 =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
constexpr const char* kCiphertext64 =
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";

const GcmVector kGcmVectors[] = {
    {"case13", kZeroKey, "000000000000000000000000", "", "", "",
     "530f8afbc74536b9a963b4f1c4cb738b"},
    {"case14", kZeroKey, "000000000000000000000000", "00000000000000000000000000000000", "",
     "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    {"case15", kKey15, "cafebabefacedbaddecaf888", kPlaintext64, "", kCiphertext64,
     "b094dac5d93471bdec1a502270e3cc6c"},
};

class GcmVectorTest : public testing::TestWithParam<GcmVector> {};

TEST_P(GcmVectorTest, EncryptsAndDecrypts) {
  const GcmVector& v = GetParam();
  const std::string key = unhex(v.key);
  const std::string iv = unhex(v.iv);
  const std::string plaintext = unhex(v.plaintext);
  const std::string aad = unhex(v.aad);
  const std::string expected = unhex(v.ciphertext) + unhex(v.tag);
  EXPECT_EQ(hex_encode(aes256gcm_encrypt(key, iv, plaintext, aad)), hex_encode(expected));
  EXPECT_EQ(aes256gcm_decrypt(key, iv, expected, aad), plaintext);
}

INSTANTIATE_TEST_SUITE_P(McGrewViega, GcmVectorTest, testing::ValuesIn(kGcmVectors),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Aes256GcmVectors, Case16SixtyBytePlaintextWithAad) {
  const std::string key = unhex(kKey15);
  const std::string iv = unhex("cafebabefacedbaddecaf888");
  const std::string plaintext = unhex(kPlaintext64).substr(0, 60);
  const std::string aad = unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const std::string expected =
      unhex(kCiphertext64).substr(0, 60) + unhex("76fc6ece0f4e1768cddf8853bb2d551b");
  EXPECT_EQ(hex_encode(aes256gcm_encrypt(key, iv, plaintext, aad)), hex_encode(expected));
  EXPECT_EQ(aes256gcm_decrypt(key, iv, expected, aad), plaintext);
  EXPECT_EQ(aes256gcm_decrypt(key, iv, expected, aad.substr(1)), std::nullopt);
  EXPECT_EQ(aes256gcm_decrypt(key, iv, expected, ""), std::nullopt);
}

TEST(Aes256GcmVectors, RejectsTamperingAndBadSizes) {
  const std::string key = unhex(kKey15);
  const std::string iv = unhex("cafebabefacedbaddecaf888");
  std::string sealed = aes256gcm_encrypt(key, iv, "hello", "");
  sealed[0] = static_cast<char>(sealed[0] ^ 1);
  EXPECT_EQ(aes256gcm_decrypt(key, iv, sealed, ""), std::nullopt);
  EXPECT_EQ(aes256gcm_decrypt(key, iv, "short", ""), std::nullopt);
  EXPECT_THROW(aes256gcm_encrypt(key.substr(1), iv, "x", ""), std::invalid_argument);
  EXPECT_THROW(aes256gcm_encrypt(key, iv.substr(1), "x", ""), std::invalid_argument);
  EXPECT_THROW(aes256gcm_decrypt(key, std::string(16, '\0'), sealed, ""), std::invalid_argument);
}

// --- Aes256Gcm tokens and Keyring -------------------------------------------------------------

TEST(Aes256Gcm, SealOpenRoundTrip) {
  const Aes256Gcm cipher("k1", random_bytes(32));
  for (const std::string& plaintext : {std::string(), std::string("x"), random_bytes(1000)}) {
    const std::string token = cipher.seal(plaintext, "user:42");
    EXPECT_EQ(cipher.open(token, "user:42"), plaintext);
  }
}

TEST(Aes256Gcm, TokenIsSelfDescribing) {
  const Aes256Gcm cipher("2024-06", random_bytes(32));
  const std::string token = cipher.seal("sk_live_abc");
  ASSERT_TRUE(token.starts_with("v1:2024-06:")) << token;
  const std::optional<std::string> raw = base64url_decode(token.substr(11));
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->size(), 12 + 11 + 16u);
  EXPECT_EQ(Aes256Gcm::key_id_of(token), "2024-06");
  EXPECT_EQ(token.find('='), std::string::npos);
  EXPECT_NE(cipher.seal("sk_live_abc"), token);  // fresh nonce each time
}

TEST(Aes256Gcm, RejectsBadKeys) {
  EXPECT_THROW(Aes256Gcm("k", std::string(31, 'k')), std::invalid_argument);
  EXPECT_THROW(Aes256Gcm("k", std::string(33, 'k')), std::invalid_argument);
  EXPECT_THROW(Aes256Gcm("", std::string(32, 'k')), std::invalid_argument);
  EXPECT_THROW(Aes256Gcm("a:b", std::string(32, 'k')), std::invalid_argument);
}

TEST(Aes256Gcm, TamperedTokenThrows) {
  const Aes256Gcm cipher("k1", random_bytes(32));
  const std::string token = cipher.seal("secret");
  const std::string raw = *base64url_decode(token.substr(6));  // after "v1:k1:"
  for (const std::size_t pos : {std::size_t{0}, std::size_t{12}, raw.size() - 1}) {
    std::string bad = raw;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x01);
    EXPECT_THROW(cipher.open("v1:k1:" + base64url_encode(bad)), DecryptError) << pos;
  }
  EXPECT_THROW(cipher.open(token.substr(0, token.size() - 1)), DecryptError);
}

TEST(Aes256Gcm, MalformedTokensThrow) {
  const Aes256Gcm cipher("k1", random_bytes(32));
  for (const char* bad : {"", "v1", "v1:", "v1:k1", "v1:k1:", "v2:k1:AAAA", "v1::AAAA",
                          "v1:k1:!!!!", "v1:k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
    EXPECT_THROW(cipher.open(bad), DecryptError) << bad;
  }
  EXPECT_EQ(Aes256Gcm::key_id_of("garbage"), "");
}

TEST(Aes256Gcm, WrongAadThrows) {
  const Aes256Gcm cipher("k1", random_bytes(32));
  const std::string token = cipher.seal("secret", "tenant:1");
  EXPECT_THROW(cipher.open(token, "tenant:2"), DecryptError);
  EXPECT_THROW(cipher.open(token), DecryptError);
}

TEST(Aes256Gcm, WrongKeyIdOrKeyThrows) {
  const std::string key = random_bytes(32);
  const Aes256Gcm k1("k1", key);
  const std::string token = k1.seal("secret");
  EXPECT_THROW(Aes256Gcm("k2", key).open(token), DecryptError);
  EXPECT_THROW(Aes256Gcm("k1", random_bytes(32)).open(token), DecryptError);
}

TEST(Keyring, RotatesKeysAndOpensOldTokens) {
  Keyring ring;
  EXPECT_THROW(ring.seal("x"), std::logic_error);
  ring.add("2024", random_bytes(32));
  const std::string old_token = ring.seal("old secret", "aad");
  EXPECT_EQ(Keyring::key_id_of(old_token), "2024");

  ring.add("2025", random_bytes(32));
  EXPECT_EQ(Keyring::key_id_of(ring.seal("x")), "2024");  // first key stays primary
  ring.set_primary("2025");
  const std::string new_token = ring.seal("new secret", "aad");
  EXPECT_EQ(Keyring::key_id_of(new_token), "2025");

  EXPECT_EQ(ring.open(old_token, "aad"), "old secret");
  EXPECT_EQ(ring.open(new_token, "aad"), "new secret");
  EXPECT_THROW(ring.open(new_token, "other"), DecryptError);
}

TEST(Keyring, RejectsUnknownAndDuplicateIds) {
  Keyring ring;
  ring.add("a", random_bytes(32));
  EXPECT_THROW(ring.add("a", random_bytes(32)), std::invalid_argument);
  EXPECT_THROW(ring.add("b", "short"), std::invalid_argument);
  EXPECT_THROW(ring.set_primary("b"), std::invalid_argument);

  const std::string foreign = Aes256Gcm("zz", random_bytes(32)).seal("x");
  EXPECT_THROW(ring.open(foreign), DecryptError);
  EXPECT_THROW(ring.open("not a token"), DecryptError);
}

// --- Passwords --------------------------------------------------------------------------------

TEST(Password, HashAndVerify) {
  const std::string encoded = hash_password("correct horse battery staple");
  EXPECT_TRUE(verify_password(encoded, "correct horse battery staple"));
  EXPECT_FALSE(verify_password(encoded, "correct horse battery stapl"));
  EXPECT_FALSE(verify_password(encoded, ""));
  EXPECT_NE(hash_password("correct horse battery staple"), encoded);  // salted
}

TEST(Password, EncodedStringUsesDefaultParams) {
  const std::string encoded = hash_password("pw");
  EXPECT_TRUE(encoded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << encoded;
  // 16-byte salt and 32-byte hash in unpadded base64: 22 and 43 characters.
  const std::regex phc(
      R"(^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$)");
  EXPECT_TRUE(std::regex_match(encoded, phc)) << encoded;
}

TEST(Password, EmptyPasswordWorks) {
  const Argon2Params cheap{.memory_kib = 64, .iterations = 1, .parallelism = 1};
  const std::string encoded = hash_password("", cheap);
  EXPECT_TRUE(verify_password(encoded, ""));
  EXPECT_FALSE(verify_password(encoded, "x"));
}

TEST(Password, MalformedHashIsFalse) {
  const Argon2Params cheap{.memory_kib = 64, .iterations = 1, .parallelism = 1};
  const std::string good = hash_password("pw", cheap);
  ASSERT_TRUE(verify_password(good, "pw"));
  std::string flipped_hash = good;
  flipped_hash.back() = flipped_hash.back() == 'A' ? 'B' : 'A';
  std::string argon2i = good;
  argon2i.replace(0, 9, "$argon2i");

  for (const std::string& bad : {std::string(), std::string("pw"), std::string("$argon2id$"),
                                 std::string("$argon2id$v=19$m=64,t=1,p=1$$"),
                                 good.substr(0, good.size() - 5), good.substr(0, 30), flipped_hash,
                                 argon2i, good + "x", std::string(good).insert(5, 1, '\0')}) {
    EXPECT_FALSE(verify_password(bad, "pw")) << bad;
  }
}

TEST(Password, NeedsRehash) {
  const Argon2Params cheap{.memory_kib = 64, .iterations = 1, .parallelism = 1};
  const std::string weak = hash_password("pw", cheap);
  EXPECT_TRUE(password_needs_rehash(weak));
  EXPECT_FALSE(password_needs_rehash(weak, cheap));

  const std::string current = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA";
  EXPECT_FALSE(password_needs_rehash(current));
  EXPECT_TRUE(password_needs_rehash(current, {.memory_kib = 65536}));
  EXPECT_TRUE(password_needs_rehash(current, {.iterations = 3}));
  EXPECT_TRUE(password_needs_rehash(current, {.parallelism = 2}));
  EXPECT_FALSE(password_needs_rehash("$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"));

  EXPECT_TRUE(password_needs_rehash("$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"));
  EXPECT_TRUE(password_needs_rehash("$argon2id$v=16$m=19456,t=2,p=1$c2FsdA$aGFzaA"));
  EXPECT_TRUE(password_needs_rehash("$argon2id$v=19$m=,t=2,p=1$c2FsdA$aGFzaA"));
  EXPECT_TRUE(password_needs_rehash("$argon2id$v=19$t=2,m=19456,p=1$c2FsdA$aGFzaA"));
  EXPECT_TRUE(password_needs_rehash("garbage"));
}

}  // namespace
}  // namespace kx::crypto

namespace kx::crypto {
namespace {

// Resident memory of this process in KiB: now (VmRSS) or the peak since the last reset (VmHWM).
[[maybe_unused]] long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0)
      return std::stol(line.substr(std::strlen(field) + 1));
  }
  return -1;
}

TEST(Password, ABurstOfLoginsIsHashedAFewAtATimeAndItsMemoryGivenBack) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator keeps freed memory in quarantine";
#else
  auto stored = hash_password("Sonnenblume-7-Fenster");
  std::ofstream("/proc/self/clear_refs") << "5";  // resets VmHWM to the current RSS
  const long resting = status_kib("VmRSS:");
  constexpr int kLogins = 50;
  std::vector<std::thread> logins;
  std::atomic<int> accepted{0};
  for (int i = 0; i < kLogins; ++i) {
    logins.emplace_back([&] { accepted += verify_password(stored, "Sonnenblume-7-Fenster"); });
  }
  for (auto& t : logins)
    t.join();
  EXPECT_EQ(accepted.load(), kLogins);
  // One 19 MiB Argon2 block per core at most, not one per login (50 would be ~950 MiB).
  const long cores = std::max(1u, std::thread::hardware_concurrency());
  const long peak = status_kib("VmHWM:");
  EXPECT_LT(peak - resting, cores * 19 * 1024 + 16 * 1024) << "peak " << peak << " KiB";
  // And the blocks went back to the system.
  EXPECT_LT(status_kib("VmRSS:") - resting, 8 * 1024);
#endif
}

}  // namespace
}  // namespace kx::crypto
