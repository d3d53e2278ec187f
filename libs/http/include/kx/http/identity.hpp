#pragma once
// The gateway asserts who is calling in signed headers; services verify them, so a service
// cannot be called around the gateway with a forged identity. The signature is an
// HMAC-SHA256 over version, user, role, request id, timestamp, method and target, keyed with
// the shared INTERNAL_SECRET; a signature older than the allowed skew is refused (replay).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "kx/http/message.hpp"

namespace kx::http {

inline constexpr std::string_view kUserIdHeader = "X-Kx-User-Id";
inline constexpr std::string_view kRoleHeader = "X-Kx-Role";
inline constexpr std::string_view kTimestampHeader = "X-Kx-Timestamp";
inline constexpr std::string_view kSignatureHeader = "X-Kx-Signature";

/// Signs and verifies identity headers. Thread-safe (immutable after construction).
class IdentitySigner {
 public:
  explicit IdentitySigner(std::string secret,
                          std::chrono::seconds max_skew = std::chrono::seconds(60));

  /// Adds the identity headers (replacing any present) for a request to `target`.
  void sign(Headers& headers, const Identity& identity, std::string_view method,
            std::string_view target, std::string_view request_id) const;

  /// The identity if the headers carry a valid, fresh signature for this request.
  std::optional<Identity> verify(const Headers& headers, std::string_view method,
                                 std::string_view target, std::string_view request_id) const;

  /// Removes every identity header, e.g. what a client sent to the gateway.
  static void strip(Headers& headers);

 private:
  std::string mac(std::string_view user, std::string_view role, std::string_view request_id,
                  std::string_view ts, std::string_view method, std::string_view target) const;
  std::string secret_;
  std::chrono::seconds max_skew_;
};

}  // namespace kx::http
