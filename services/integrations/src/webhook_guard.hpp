#pragma once
// The SSRF guard for owners' webhook URLs. A URL is parsed strictly (http/https, no userinfo,
// no fragment, ports 80 and 443 only, IPv4 only in canonical dotted form so "2130706433",
// "0x7f.1" or "0177.0.0.1" cannot smuggle loopback past a textual check), its host is resolved
// once, and every address must be a public unicast address. The caller then connects to the
// address checked here (http::ClientRequest::connect_address), so a second DNS answer
// (rebinding) never matters. The only way past the guard is the allow-list of host:port ranges
// (WEBHOOK_ALLOWED_TARGETS), meant for development receivers on loopback.
//
// Free functions and TargetPolicy are thread-safe; resolve() blocks on getaddrinfo.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kx::integrations {

/// A URL the guard refused; what() is a German sentence for the owner.
class TargetRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TargetUrl {
  bool tls = false;
  std::string host;  ///< lower-case name, dotted IPv4, or IPv6 without brackets
  bool host_is_ip = false;
  std::uint16_t port = 0;
};

/// Parses `url` strictly; throws TargetRefused. Ports are not checked here (see TargetPolicy).
TargetUrl parse_target_url(std::string_view url);

/// Whether `address` (textual IPv4 or IPv6) is a public unicast address a webhook may reach:
/// false for loopback, private, link-local (cloud metadata), CGNAT, multicast, unspecified,
/// reserved and documentation ranges, IPv4-mapped/compatible IPv6, NAT64 and 6to4.
bool is_public_address(std::string_view address);

/// One allow-list entry: host (as written in URLs) and an inclusive port range.
struct AllowedTarget {
  std::string host;
  std::uint16_t first_port = 0;
  std::uint16_t last_port = 0;
};

/// "host:port" or "host:first-last", comma-separated; empty text → empty list. Throws
/// std::invalid_argument naming the bad entry.
std::vector<AllowedTarget> parse_allowed_targets(std::string_view text);

/// Resolves a host to its addresses (textual). Replaceable in tests.
using Resolver = std::vector<std::string> (*)(const std::string& host);
/// getaddrinfo; an empty list when the name does not resolve.
std::vector<std::string> resolve_host(const std::string& host);

class TargetPolicy {
 public:
  explicit TargetPolicy(std::vector<AllowedTarget> allowed = {}, Resolver resolver = resolve_host)
      : allowed_(std::move(allowed)), resolver_(resolver) {}

  /// Checks `url` and returns the address to connect to. Throws TargetRefused.
  std::string check(std::string_view url) const;
  /// Only the checks that need no DNS (syntax, port, literal addresses): for validating input
  /// without waiting on a resolver. Throws TargetRefused.
  TargetUrl check_syntax(std::string_view url) const;

 private:
  bool allowed(const TargetUrl& target) const;

  std::vector<AllowedTarget> allowed_;
  Resolver resolver_;
};

}  // namespace kx::integrations
