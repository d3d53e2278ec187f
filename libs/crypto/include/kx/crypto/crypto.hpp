#pragma once

// Cryptographic building blocks shared by the services: randomness, encodings, hashes, MACs,
// authenticated encryption for secrets at rest, and password hashing.
//
// Byte strings are std::string holding raw bytes. Every free function here is thread-safe.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kx::crypto {

// --- Randomness -------------------------------------------------------------------------------

// n bytes from the OpenSSL CSPRNG.
// Throws std::runtime_error if the RNG fails, std::invalid_argument if n exceeds INT_MAX.
std::string random_bytes(std::size_t n);

// Unguessable identifier: base64url (no padding) of `bytes` random bytes; 32 bytes -> 43 chars.
// Throws like random_bytes.
std::string random_token(std::size_t bytes = 32);

// --- Encodings --------------------------------------------------------------------------------

// Lower-case hex of raw bytes. Never throws (except std::bad_alloc).
std::string hex_encode(std::string_view bytes);

// Raw bytes from hex (either case); nullopt on odd length or a non-hex character.
std::optional<std::string> hex_decode(std::string_view hex);

// Standard-alphabet base64 with '=' padding.
std::string base64_encode(std::string_view bytes);

// Inverse of base64_encode. Strict: padding required, no whitespace, non-zero trailing bits
// rejected, so each byte string has exactly one accepted encoding. nullopt on invalid input.
std::optional<std::string> base64_decode(std::string_view text);

// URL-safe base64 ('-', '_') without padding.
std::string base64url_encode(std::string_view bytes);

// Inverse of base64url_encode; accepts the text with or without correct '=' padding. Otherwise
// as strict as base64_decode. nullopt on invalid input.
std::optional<std::string> base64url_decode(std::string_view text);

// --- Hashes and MACs --------------------------------------------------------------------------

// SHA-256 digest, 32 raw bytes. Throws std::runtime_error only if OpenSSL fails.
std::string sha256(std::string_view data);

// hex_encode(sha256(data)).
std::string sha256_hex(std::string_view data);

// HMAC-SHA256, 32 raw bytes. Any key length is allowed. Throws std::runtime_error only if
// OpenSSL fails.
std::string hmac_sha256(std::string_view key, std::string_view data);

// hex_encode(hmac_sha256(key, data)), e.g. for webhook signature headers.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// Equality in time independent of the contents; use for MACs, tokens, signatures. Inputs of
// different lengths compare unequal without reading the contents (only the length leaks).
bool constant_time_equal(std::string_view a, std::string_view b);

// --- Identifiers ------------------------------------------------------------------------------

// Random UUID (version 4), lower-case "xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx", N in [89ab].
// Throws like random_bytes.
std::string uuid_v4();

// Whether text is a UUID in its 36-character form (8-4-4-4-12 hex digits, either case), e.g. an
// id taken from a URL before it reaches a uuid column. Never throws.
bool is_uuid(std::string_view text);

// Time-ordered UUID (version 7, RFC 9562): 48-bit Unix milliseconds, then 12 bits of
// sub-millisecond time, then 62 random bits. Strictly increasing (as bytes and as text) across
// all calls in this process, even within one millisecond. Throws like random_bytes.
std::string uuid_v7();

// --- Authenticated encryption -----------------------------------------------------------------

// Thrown when a token cannot be opened: bad format, unknown or wrong key id, or failed
// authentication (tampered data, wrong key or wrong AAD). The message never contains secrets.
class DecryptError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// AES-256-GCM of plaintext under a 32-byte key and 12-byte nonce; returns ciphertext || 16-byte
// tag. Throws std::invalid_argument on a wrong key or nonce size, std::runtime_error if OpenSSL
// fails. The caller must never reuse a nonce with the same key.
std::string aes256gcm_encrypt(std::string_view key, std::string_view nonce,
                              std::string_view plaintext, std::string_view aad = {});

// Inverse of aes256gcm_encrypt; nullopt when the tag does not verify or the input is shorter
// than a tag. Throws std::invalid_argument on a wrong key or nonce size.
std::optional<std::string> aes256gcm_decrypt(std::string_view key, std::string_view nonce,
                                             std::string_view ciphertext_and_tag,
                                             std::string_view aad = {});

// One named AES-256-GCM key that seals secrets into self-describing text tokens
// "v1:<key_id>:<base64url(nonce(12) || ciphertext || tag(16))>" with a fresh random nonce each
// time (so keep one key below ~2^32 seals). Immutable; safe to share between threads.
class Aes256Gcm {
 public:
  // Throws std::invalid_argument unless key is 32 raw bytes and key_id is non-empty without ':'.
  Aes256Gcm(std::string key_id, std::string key);

  const std::string& key_id() const { return key_id_; }

  // Encrypts plaintext, binding aad (which must be given again to open). Throws
  // std::runtime_error if the RNG or OpenSSL fails.
  std::string seal(std::string_view plaintext, std::string_view aad = {}) const;

  // Decrypts a token made by seal() with this key and the same aad. Throws DecryptError.
  std::string open(std::string_view token, std::string_view aad = {}) const;

  // The key id named in a token, or an empty view if the token is not of the "v1:<id>:" form.
  // The result points into token. Never throws.
  static std::string_view key_id_of(std::string_view token);

 private:
  std::string key_id_;
  std::string key_;
};

// Several AES-256-GCM keys for rotation: seal() uses the primary key, open() picks the key named
// in the token, so tokens sealed under retired keys stay readable while their key is present.
// Const members are safe to call concurrently; add() and set_primary() are not, so fill the
// keyring at startup before sharing it.
class Keyring {
 public:
  // Adds a key; the first key added becomes the primary. Throws std::invalid_argument on an
  // invalid key or key id (see Aes256Gcm) or a key id already present.
  void add(std::string key_id, std::string key);

  // Makes the named key the one seal() uses. Throws std::invalid_argument for an unknown id.
  void set_primary(std::string_view key_id);

  // Seals with the primary key. Throws std::logic_error when the keyring is empty, otherwise
  // as Aes256Gcm::seal.
  std::string seal(std::string_view plaintext, std::string_view aad = {}) const;

  // Opens with the key named in the token. Throws DecryptError, including for an unknown id.
  std::string open(std::string_view token, std::string_view aad = {}) const;

  // Same as Aes256Gcm::key_id_of.
  static std::string_view key_id_of(std::string_view token) { return Aes256Gcm::key_id_of(token); }

 private:
  std::map<std::string, Aes256Gcm, std::less<>> keys_;
  std::string primary_;
};

// --- Passwords --------------------------------------------------------------------------------

// Argon2id cost parameters; the defaults are the OWASP minimum (19 MiB, 2 passes, 1 lane).
struct Argon2Params {
  std::uint32_t memory_kib = 19456;
  std::uint32_t iterations = 2;
  std::uint32_t parallelism = 1;
};

// Argon2id hash of password with a fresh 16-byte salt and 32-byte output, as the standard PHC
// string "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>". Blocks for the hashing time (tens of
// milliseconds at the defaults); run it off latency-sensitive threads. At most one hash or verify
// per core runs at a time in the process (the others wait), and their memory goes back to the
// system afterwards (the process's mmap threshold is fixed at 4 MiB for that). Throws
// std::runtime_error if Argon2 rejects params or cannot allocate memory, or the RNG fails.
std::string hash_password(std::string_view password, const Argon2Params& params = {});

// True iff encoded is an Argon2id PHC string and password matches it (constant-time compare).
// False on any malformed input; never throws. Costs as much as hashing with the encoded params,
// so only pass hashes this service produced.
bool verify_password(std::string_view encoded, std::string_view password);

// True when encoded should be replaced after a successful verify: it is not a v19 Argon2id
// string, or its m, t or p is below params. Never throws.
bool password_needs_rehash(std::string_view encoded, const Argon2Params& params = {});

}  // namespace kx::crypto
