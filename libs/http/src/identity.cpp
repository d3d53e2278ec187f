#include "kx/http/identity.hpp"

#include "kx/crypto/crypto.hpp"

namespace kx::http {

IdentitySigner::IdentitySigner(std::string secret, std::chrono::seconds max_skew)
    : secret_(std::move(secret)), max_skew_(max_skew) {}

std::string IdentitySigner::mac(std::string_view user, std::string_view role,
                                std::string_view request_id, std::string_view ts,
                                std::string_view method, std::string_view target) const {
  std::string msg = "kx-identity-v1\n";
  for (auto part : {user, role, request_id, ts, method, target}) {
    msg.append(part);
    msg += '\n';
  }
  return crypto::hmac_sha256_hex(secret_, msg);
}

void IdentitySigner::sign(Headers& headers, const Identity& identity, std::string_view method,
                          std::string_view target, std::string_view request_id) const {
  strip(headers);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::string ts = std::to_string(now);
  headers.set(std::string(kUserIdHeader), identity.user_id);
  headers.set(std::string(kRoleHeader), identity.role);
  headers.set(std::string(kTimestampHeader), ts);
  headers.set(std::string(kSignatureHeader),
              mac(identity.user_id, identity.role, request_id, ts, method, target));
}

std::optional<Identity> IdentitySigner::verify(const Headers& headers, std::string_view method,
                                               std::string_view target,
                                               std::string_view request_id) const {
  auto user = headers.get(kUserIdHeader);
  auto role = headers.get(kRoleHeader);
  auto ts = headers.get(kTimestampHeader);
  auto sig = headers.get(kSignatureHeader);
  if (!user || !role || !ts || !sig)
    return std::nullopt;
  long long t = 0;
  try {
    std::size_t used = 0;
    t = std::stoll(std::string(*ts), &used);
    if (used != ts->size())
      return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  if (t < now - max_skew_.count() || t > now + max_skew_.count())
    return std::nullopt;
  if (!crypto::constant_time_equal(mac(*user, *role, request_id, *ts, method, target), *sig)) {
    return std::nullopt;
  }
  return Identity{std::string(*user), std::string(*role)};
}

void IdentitySigner::strip(Headers& headers) {
  for (auto name : {kUserIdHeader, kRoleHeader, kTimestampHeader, kSignatureHeader}) {
    headers.remove(name);
  }
}

}  // namespace kx::http
