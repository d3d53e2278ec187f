#include "kx/crypto/crypto.hpp"

#include <argon2.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

namespace kx::crypto {
namespace {

constexpr std::size_t kKeySize = 32;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kSaltSize = 16;
constexpr std::size_t kPasswordHashSize = 32;
constexpr std::string_view kTokenVersion = "v1:";

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* bytes_of(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

// --- base64 -----------------------------------------------------------------------------------

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kBase64UrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode_base64(std::string_view in, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = std::uint32_t{static_cast<unsigned char>(in[i])} << 16 |
                            std::uint32_t{static_cast<unsigned char>(in[i + 1])} << 8 |
                            std::uint32_t{static_cast<unsigned char>(in[i + 2])};
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += alphabet[v >> 6 & 63];
    out += alphabet[v & 63];
  }
  const std::size_t rest = in.size() - i;
  if (rest == 0) {
    return out;
  }
  std::uint32_t v = std::uint32_t{static_cast<unsigned char>(in[i])} << 16;
  if (rest == 2) {
    v |= std::uint32_t{static_cast<unsigned char>(in[i + 1])} << 8;
  }
  out += alphabet[v >> 18 & 63];
  out += alphabet[v >> 12 & 63];
  if (rest == 2) {
    out += alphabet[v >> 6 & 63];
  }
  if (pad) {
    out.append(3 - rest, '=');
  }
  return out;
}

enum class Padding { kRequired, kOptional };

std::optional<std::string> decode_base64(std::string_view in, std::string_view alphabet,
                                         Padding padding) {
  std::size_t pad = 0;
  while (pad < 2 && pad < in.size() && in[in.size() - 1 - pad] == '=') {
    ++pad;
  }
  if ((pad > 0 || padding == Padding::kRequired) && in.size() % 4 != 0) {
    return std::nullopt;
  }
  in.remove_suffix(pad);
  if (in.size() % 4 == 1) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(in.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    const std::size_t v = alphabet.find(c);
    if (v == std::string_view::npos) {
      return std::nullopt;
    }
    acc = (acc << 6 | static_cast<std::uint32_t>(v)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>(acc >> bits & 0xff);
    }
  }
  // Leftover bits must be zero, otherwise several texts would decode to the same bytes.
  if ((acc & ((1u << bits) - 1)) != 0) {
    return std::nullopt;
  }
  return out;
}

// --- AES-GCM ----------------------------------------------------------------------------------

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx new_cipher_ctx() {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) {
    throw std::runtime_error("EVP_CIPHER_CTX_new failed");
  }
  return ctx;
}

void check_key_and_nonce(std::string_view key, std::string_view nonce) {
  if (key.size() != kKeySize) {
    throw std::invalid_argument("AES-256-GCM key must be 32 bytes");
  }
  if (nonce.size() != kNonceSize) {
    throw std::invalid_argument("AES-256-GCM nonce must be 12 bytes");
  }
}

bool fits_int(std::string_view s) {
  return s.size() <= static_cast<std::size_t>(INT_MAX);
}

// Parsed "v1:<key_id>:<payload>"; nullopt when the shape is wrong.
struct TokenParts {
  std::string_view key_id;
  std::string_view payload;
};

std::optional<TokenParts> split_token(std::string_view token) {
  if (!token.starts_with(kTokenVersion)) {
    return std::nullopt;
  }
  token.remove_prefix(kTokenVersion.size());
  const std::size_t colon = token.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return std::nullopt;
  }
  return TokenParts{token.substr(0, colon), token.substr(colon + 1)};
}

// --- Argon2 -----------------------------------------------------------------------------------

// Reads "<name>=<digits>" at the front of s and advances past it.
bool read_param(std::string_view& s, std::string_view name, std::uint32_t& value) {
  if (!s.starts_with(name) || s.size() <= name.size() || s[name.size()] != '=') {
    return false;
  }
  s.remove_prefix(name.size() + 1);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end == s.data()) {
    return false;
  }
  s.remove_prefix(static_cast<std::size_t>(end - s.data()));
  return true;
}

bool skip(std::string_view& s, char c) {
  if (!s.starts_with(c)) {
    return false;
  }
  s.remove_prefix(1);
  return true;
}

// 16 bytes as "8-4-4-4-12" lower-case hex.
std::string format_uuid(std::string_view bytes) {
  const std::string h = hex_encode(bytes);
  return h.substr(0, 8) + '-' + h.substr(8, 4) + '-' + h.substr(12, 4) + '-' + h.substr(16, 4) +
         '-' + h.substr(20);
}

}  // namespace

std::string random_bytes(std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX)) {
    throw std::invalid_argument("random_bytes: too many bytes requested");
  }
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(bytes_of(out), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

std::string random_token(std::size_t bytes) {
  return base64url_encode(random_bytes(bytes));
}

std::string hex_encode(std::string_view bytes) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

std::optional<std::string> hex_decode(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return std::nullopt;
  }
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(hi << 4 | lo);
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  return encode_base64(bytes, kBase64Alphabet, true);
}

std::optional<std::string> base64_decode(std::string_view text) {
  return decode_base64(text, kBase64Alphabet, Padding::kRequired);
}

std::string base64url_encode(std::string_view bytes) {
  return encode_base64(bytes, kBase64UrlAlphabet, false);
}

std::optional<std::string> base64url_decode(std::string_view text) {
  return decode_base64(text, kBase64UrlAlphabet, Padding::kOptional);
}

std::string sha256(std::string_view data) {
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), bytes_of(out), &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest(SHA-256) failed");
  }
  out.resize(len);
  return out;
}

std::string sha256_hex(std::string_view data) {
  return hex_encode(sha256(data));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  if (!fits_int(key)) {
    throw std::invalid_argument("hmac_sha256: key too long");
  }
  // OpenSSL 3 treats a null key pointer as "no key" and fails; an empty key is valid HMAC.
  static constexpr unsigned char kEmptyKey = 0;
  const unsigned char* key_ptr = key.empty() ? &kEmptyKey : bytes_of(key);
  std::string out(EVP_MAX_MD_SIZE, '\0');
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key_ptr, static_cast<int>(key.size()), bytes_of(data), data.size(),
           bytes_of(out), &len) == nullptr) {
    throw std::runtime_error("HMAC(SHA-256) failed");
  }
  out.resize(len);
  return out;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  return hex_encode(hmac_sha256(key, data));
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36)
    return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i])))
      return false;
  }
  return true;
}

std::string uuid_v4() {
  std::string b = random_bytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  return format_uuid(b);
}

std::string uuid_v7() {
  // RFC 9562 section 6.2 method 3: rand_a holds sub-millisecond time. Bumping past the last
  // value handed out keeps the ids strictly increasing even if the clock stalls or steps back.
  static std::atomic<std::uint64_t> last{0};
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  const auto ms = static_cast<std::uint64_t>(ns / 1'000'000);
  const auto frac = static_cast<std::uint64_t>(ns % 1'000'000) * 4096 / 1'000'000;
  std::uint64_t stamp = (ms << 12 | frac) & ((std::uint64_t{1} << 60) - 1);
  std::uint64_t prev = last.load(std::memory_order_relaxed);
  do {
    stamp = std::max(stamp, prev + 1);
  } while (!last.compare_exchange_weak(prev, stamp, std::memory_order_relaxed));

  std::string b = random_bytes(16);
  for (int i = 0; i < 6; ++i) {
    b[i] = static_cast<char>(stamp >> (12 + 8 * (5 - i)) & 0xff);
  }
  b[6] = static_cast<char>(0x70 | (stamp >> 8 & 0x0f));
  b[7] = static_cast<char>(stamp & 0xff);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  return format_uuid(b);
}

std::string aes256gcm_encrypt(std::string_view key, std::string_view nonce,
                              std::string_view plaintext, std::string_view aad) {
  check_key_and_nonce(key, nonce);
  if (!fits_int(plaintext) || !fits_int(aad)) {
    throw std::invalid_argument("aes256gcm_encrypt: input too long");
  }
  const CipherCtx ctx = new_cipher_ctx();
  std::string out(plaintext.size() + kTagSize, '\0');
  int len = 0;
  bool ok = EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes_of(key),
                               bytes_of(nonce)) == 1;
  if (ok && !aad.empty()) {
    ok = EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes_of(aad), static_cast<int>(aad.size())) ==
         1;
  }
  if (ok && !plaintext.empty()) {
    ok = EVP_EncryptUpdate(ctx.get(), bytes_of(out), &len, bytes_of(plaintext),
                           static_cast<int>(plaintext.size())) == 1;
  }
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), bytes_of(out) + plaintext.size(), &len) == 1 &&
       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                           bytes_of(out) + plaintext.size()) == 1;
  if (!ok) {
    throw std::runtime_error("AES-256-GCM encryption failed");
  }
  return out;
}

std::optional<std::string> aes256gcm_decrypt(std::string_view key, std::string_view nonce,
                                             std::string_view ciphertext_and_tag,
                                             std::string_view aad) {
  check_key_and_nonce(key, nonce);
  if (ciphertext_and_tag.size() < kTagSize || !fits_int(ciphertext_and_tag) || !fits_int(aad)) {
    return std::nullopt;
  }
  const std::string_view ciphertext =
      ciphertext_and_tag.substr(0, ciphertext_and_tag.size() - kTagSize);
  std::array<unsigned char, kTagSize> tag{};
  std::copy_n(bytes_of(ciphertext_and_tag) + ciphertext.size(), kTagSize, tag.begin());

  const CipherCtx ctx = new_cipher_ctx();
  std::string out(ciphertext.size(), '\0');
  int len = 0;
  bool ok = EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, bytes_of(key),
                               bytes_of(nonce)) == 1;
  if (ok && !aad.empty()) {
    ok = EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes_of(aad), static_cast<int>(aad.size())) ==
         1;
  }
  if (ok && !ciphertext.empty()) {
    ok = EVP_DecryptUpdate(ctx.get(), bytes_of(out), &len, bytes_of(ciphertext),
                           static_cast<int>(ciphertext.size())) == 1;
  }
  ok = ok &&
       EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize),
                           tag.data()) == 1 &&
       EVP_DecryptFinal_ex(ctx.get(), bytes_of(out) + ciphertext.size(), &len) == 1;
  if (!ok) {
    // Unauthenticated plaintext must not linger in freed memory.
    OPENSSL_cleanse(out.data(), out.size());
    return std::nullopt;
  }
  return out;
}

Aes256Gcm::Aes256Gcm(std::string key_id, std::string key)
    : key_id_(std::move(key_id)), key_(std::move(key)) {
  if (key_.size() != kKeySize) {
    throw std::invalid_argument("Aes256Gcm key must be 32 bytes");
  }
  if (key_id_.empty() || key_id_.find(':') != std::string::npos) {
    throw std::invalid_argument("Aes256Gcm key id must be non-empty and must not contain ':'");
  }
}

std::string Aes256Gcm::seal(std::string_view plaintext, std::string_view aad) const {
  const std::string nonce = random_bytes(kNonceSize);
  const std::string sealed = aes256gcm_encrypt(key_, nonce, plaintext, aad);
  std::string token(kTokenVersion);
  token += key_id_;
  token += ':';
  token += base64url_encode(nonce + sealed);
  return token;
}

std::string Aes256Gcm::open(std::string_view token, std::string_view aad) const {
  const std::optional<TokenParts> parts = split_token(token);
  if (!parts) {
    throw DecryptError("malformed encrypted token");
  }
  if (parts->key_id != key_id_) {
    throw DecryptError("encrypted token is for another key");
  }
  const std::optional<std::string> raw = base64url_decode(parts->payload);
  if (!raw || raw->size() < kNonceSize + kTagSize) {
    throw DecryptError("malformed encrypted token");
  }
  const std::string_view raw_view = *raw;
  std::optional<std::string> plaintext =
      aes256gcm_decrypt(key_, raw_view.substr(0, kNonceSize), raw_view.substr(kNonceSize), aad);
  if (!plaintext) {
    throw DecryptError("encrypted token failed authentication");
  }
  return std::move(*plaintext);
}

std::string_view Aes256Gcm::key_id_of(std::string_view token) {
  const std::optional<TokenParts> parts = split_token(token);
  return parts ? parts->key_id : std::string_view{};
}

void Keyring::add(std::string key_id, std::string key) {
  if (keys_.contains(key_id)) {
    throw std::invalid_argument("Keyring already holds key id " + key_id);
  }
  Aes256Gcm cipher(key_id, std::move(key));
  keys_.emplace(key_id, std::move(cipher));
  if (primary_.empty()) {
    primary_ = std::move(key_id);
  }
}

void Keyring::set_primary(std::string_view key_id) {
  if (!keys_.contains(key_id)) {
    throw std::invalid_argument("Keyring has no key id " + std::string(key_id));
  }
  primary_ = key_id;
}

std::string Keyring::seal(std::string_view plaintext, std::string_view aad) const {
  const auto it = keys_.find(primary_);
  if (it == keys_.end()) {
    throw std::logic_error("Keyring::seal on an empty keyring");
  }
  return it->second.seal(plaintext, aad);
}

std::string Keyring::open(std::string_view token, std::string_view aad) const {
  const auto it = keys_.find(key_id_of(token));
  if (it == keys_.end()) {
    throw DecryptError("encrypted token names an unknown key");
  }
  return it->second.open(token, aad);
}

namespace {

// Each Argon2 run holds its whole memory cost (19 MiB at the defaults). A burst of logins would
// otherwise hash all at once: memory grows with the burst and the runs only slow each other down
// on the machine's cores. At most one run per core; the others wait their turn.
class HashSlots {
 public:
  HashSlots() : free_(std::max(1u, std::thread::hardware_concurrency())) {
    // Blocks this large come from mmap and go back to the system when freed. glibc would
    // otherwise raise its mmap threshold after the first such free, keep later blocks in its heap
    // and hold on to tens of MiB after a burst of logins.
    mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
  }

  class Slot {
   public:
    explicit Slot(HashSlots& slots) : slots_(slots) {
      std::unique_lock lock(slots_.mutex_);
      slots_.cv_.wait(lock, [this] { return slots_.free_ > 0; });
      --slots_.free_;
    }
    ~Slot() {
      {
        std::lock_guard lock(slots_.mutex_);
        ++slots_.free_;
      }
      slots_.cv_.notify_one();
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    HashSlots& slots_;
  };

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  unsigned free_;
};

HashSlots& hash_slots() {
  static HashSlots slots;
  return slots;
}

}  // namespace

std::string hash_password(std::string_view password, const Argon2Params& params) {
  HashSlots::Slot slot(hash_slots());
  const std::string salt = random_bytes(kSaltSize);
  std::string encoded(argon2_encodedlen(params.iterations, params.memory_kib, params.parallelism,
                                        kSaltSize, kPasswordHashSize, Argon2_id),
                      '\0');
  const int rc = argon2id_hash_encoded(params.iterations, params.memory_kib, params.parallelism,
                                       password.data(), password.size(), salt.data(), salt.size(),
                                       kPasswordHashSize, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    throw std::runtime_error(std::string("argon2id_hash_encoded: ") + argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool verify_password(std::string_view encoded, std::string_view password) {
  if (encoded.find('\0') != std::string_view::npos) {
    return false;
  }
  const std::string terminated(encoded);
  HashSlots::Slot slot(hash_slots());
  return argon2id_verify(terminated.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool password_needs_rehash(std::string_view encoded, const Argon2Params& params) {
  constexpr std::string_view kPrefix = "$argon2id$v=19$";
  if (!encoded.starts_with(kPrefix)) {
    return true;
  }
  encoded.remove_prefix(kPrefix.size());
  Argon2Params have;
  const bool parsed = read_param(encoded, "m", have.memory_kib) && skip(encoded, ',') &&
                      read_param(encoded, "t", have.iterations) && skip(encoded, ',') &&
                      read_param(encoded, "p", have.parallelism) && encoded.starts_with('$');
  return !parsed || have.memory_kib < params.memory_kib || have.iterations < params.iterations ||
         have.parallelism < params.parallelism;
}

}  // namespace kx::crypto
