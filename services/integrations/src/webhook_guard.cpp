#include "webhook_guard.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace kx::integrations {
namespace {

constexpr std::size_t kMaxUrl = 2'000;
const char* const kInvalid = "Die URL ist ungültig.";
const char* const kNotPublic =
    "Die Adresse ist nicht öffentlich erreichbar (lokal, privat oder reserviert) und als Ziel "
    "nicht erlaubt.";

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// WHATWG URL parsers read a host whose last label is numeric (or hex) as an IPv4 address in
// any of its old spellings; only the canonical dotted quad is accepted, anything else refused.
bool looks_numeric(std::string_view host) {
  auto last = host.substr(host.rfind('.') == std::string_view::npos ? 0 : host.rfind('.') + 1);
  return is_digits(last) || last.starts_with("0x") || last.starts_with("0X");
}

bool canonical_ipv4(std::string_view host) {
  int parts = 0;
  while (true) {
    auto dot = host.find('.');
    auto part = host.substr(0, dot);
    if (!is_digits(part) || part.size() > 3 || (part.size() > 1 && part[0] == '0'))
      return false;
    int value = 0;
    std::from_chars(part.data(), part.data() + part.size(), value);
    if (value > 255)
      return false;
    ++parts;
    if (dot == std::string_view::npos)
      break;
    host.remove_prefix(dot + 1);
  }
  return parts == 4;
}

bool valid_hostname(std::string_view host) {
  if (host.empty() || host.size() > 253)
    return false;
  while (true) {
    auto dot = host.find('.');
    auto label = host.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    for (char c : label)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
        return false;
    if (dot == std::string_view::npos)
      return true;
    host.remove_prefix(dot + 1);
  }
}

bool in_v4(const std::array<unsigned char, 4>& a, std::uint32_t net, int bits) {
  std::uint32_t value =
      (std::uint32_t(a[0]) << 24) | (std::uint32_t(a[1]) << 16) | (std::uint32_t(a[2]) << 8) | a[3];
  std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t(0) << (32 - bits);
  return (value & mask) == (net & mask);
}

constexpr std::uint32_t v4(int a, int b, int c, int d) {
  return (std::uint32_t(a) << 24) | (std::uint32_t(b) << 16) | (std::uint32_t(c) << 8) |
         std::uint32_t(d);
}

}  // namespace

TargetUrl parse_target_url(std::string_view url) {
  if (url.size() > kMaxUrl)
    throw TargetRefused("Die URL ist zu lang (höchstens 2000 Zeichen).");
  for (char c : url) {
    auto u = static_cast<unsigned char>(c);
    // Spaces, controls, backslashes and non-ASCII are where parsers disagree about the host.
    if (u <= 0x20 || u >= 0x7F || c == '\\' || c == '#')
      throw TargetRefused(kInvalid);
  }
  TargetUrl t;
  std::string_view rest = url;
  std::string lower(url.substr(0, 8));
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower.starts_with("https://")) {
    t.tls = true;
    rest.remove_prefix(8);
  } else if (lower.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    throw TargetRefused("Die URL muss mit https:// oder http:// beginnen.");
  }
  auto authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.find('@') != std::string_view::npos)
    throw TargetRefused("Zugangsdaten in der URL (name@host) sind nicht erlaubt.");
  if (authority.find('%') != std::string_view::npos)
    throw TargetRefused(kInvalid);
  std::string_view host, port;
  if (authority.starts_with("[")) {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      throw TargetRefused(kInvalid);
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':')
        throw TargetRefused(kInvalid);
      port = after.substr(1);
      if (port.empty())
        throw TargetRefused(kInvalid);
    }
    in6_addr a6{};
    if (inet_pton(AF_INET6, std::string(host).c_str(), &a6) != 1)
      throw TargetRefused(kInvalid);
    t.host_is_ip = true;
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty())
        throw TargetRefused(kInvalid);
    }
  }
  t.host = std::string(host);
  std::transform(t.host.begin(), t.host.end(), t.host.begin(), ::tolower);
  if (!t.host_is_ip) {
    if (looks_numeric(t.host)) {
      if (!canonical_ipv4(t.host))
        throw TargetRefused(
            "Diese Schreibweise einer IP-Adresse ist nicht erlaubt; bitte vier Zahlen von 0 bis "
            "255 mit Punkten schreiben.");
      t.host_is_ip = true;
    } else if (!valid_hostname(t.host)) {
      throw TargetRefused(kInvalid);
    }
  }
  if (port.empty()) {
    t.port = t.tls ? 443 : 80;
  } else {
    unsigned value = 0;
    auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (!is_digits(port) || err != std::errc() || end != port.data() + port.size() || value == 0 ||
        value > 65535 || port.size() > 5)
      throw TargetRefused(kInvalid);
    t.port = static_cast<std::uint16_t>(value);
  }
  return t;
}

bool is_public_address(std::string_view address) {
  std::string text(address);
  std::array<unsigned char, 4> a{};
  if (inet_pton(AF_INET, text.c_str(), a.data()) == 1) {
    static constexpr std::pair<std::uint32_t, int> kBlocked[] = {
        {v4(0, 0, 0, 0), 8},      {v4(10, 0, 0, 0), 8},     {v4(100, 64, 0, 0), 10},
        {v4(127, 0, 0, 0), 8},    {v4(169, 254, 0, 0), 16}, {v4(172, 16, 0, 0), 12},
        {v4(192, 0, 0, 0), 24},   {v4(192, 0, 2, 0), 24},   {v4(192, 88, 99, 0), 24},
        {v4(192, 168, 0, 0), 16}, {v4(198, 18, 0, 0), 15},  {v4(198, 51, 100, 0), 24},
        {v4(203, 0, 113, 0), 24}, {v4(224, 0, 0, 0), 4},    {v4(240, 0, 0, 0), 4}};
    for (const auto& [net, bits] : kBlocked)
      if (in_v4(a, net, bits))
        return false;
    return true;
  }
  std::array<unsigned char, 16> b{};
  if (inet_pton(AF_INET6, text.c_str(), b.data()) != 1)
    return false;
  // Global unicast is 2000::/3; everything else (::, ::1, ::ffff:0:0/96, 64:ff9b::/96, fc00::/7,
  // fe80::/10, ff00::/8, …) is refused. Inside it: Teredo 2001::/32, ORCHID 2001:10::/28,
  // documentation 2001:db8::/32 and 6to4 2002::/16, which can carry an internal IPv4 address.
  if ((b[0] & 0xE0) != 0x20)
    return false;
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
    return false;
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && (b[3] & 0xF0) == 0x10)
    return false;
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
    return false;
  if (b[0] == 0x20 && b[1] == 0x02)
    return false;
  return true;
}

std::vector<AllowedTarget> parse_allowed_targets(std::string_view text) {
  std::vector<AllowedTarget> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto entry = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    while (!entry.empty() && entry.front() == ' ')
      entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ')
      entry.remove_suffix(1);
    if (entry.empty())
      continue;
    auto bad = [&] {
      return std::invalid_argument("WEBHOOK_ALLOWED_TARGETS: \"" + std::string(entry) +
                                   "\" is not host:port or host:first-last");
    };
    auto colon = entry.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
      throw bad();
    AllowedTarget t;
    auto host = entry.substr(0, colon);
    if (host.starts_with("[") && host.ends_with("]"))
      host = host.substr(1, host.size() - 2);
    t.host = std::string(host);
    std::transform(t.host.begin(), t.host.end(), t.host.begin(), ::tolower);
    auto range = entry.substr(colon + 1);
    auto dash = range.find('-');
    auto first = range.substr(0, dash);
    auto last = dash == std::string_view::npos ? first : range.substr(dash + 1);
    unsigned a = 0, b = 0;
    if (!is_digits(first) || !is_digits(last) || first.size() > 5 || last.size() > 5)
      throw bad();
    std::from_chars(first.data(), first.data() + first.size(), a);
    std::from_chars(last.data(), last.data() + last.size(), b);
    if (a == 0 || b > 65535 || a > b)
      throw bad();
    t.first_port = static_cast<std::uint16_t>(a);
    t.last_port = static_cast<std::uint16_t>(b);
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<std::string> resolve_host(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::vector<std::string> out;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0)
    return out;
  for (auto* ai = found; ai; ai = ai->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* src =
        ai->ai_family == AF_INET
            ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in*>(ai->ai_addr)->sin_addr)
            : static_cast<const void*>(
                  &reinterpret_cast<const sockaddr_in6*>(ai->ai_addr)->sin6_addr);
    if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
        inet_ntop(ai->ai_family, src, text, sizeof text) &&
        std::find(out.begin(), out.end(), text) == out.end())
      out.emplace_back(text);
  }
  freeaddrinfo(found);
  return out;
}

bool TargetPolicy::allowed(const TargetUrl& target) const {
  return std::any_of(allowed_.begin(), allowed_.end(), [&](const AllowedTarget& a) {
    return a.host == target.host && target.port >= a.first_port && target.port <= a.last_port;
  });
}

TargetUrl TargetPolicy::check_syntax(std::string_view url) const {
  auto target = parse_target_url(url);
  if (allowed(target))
    return target;
  if (target.port != 80 && target.port != 443)
    throw TargetRefused("Nur die Ports 80 und 443 sind erlaubt.");
  if (target.host_is_ip && !is_public_address(target.host))
    throw TargetRefused(kNotPublic);
  return target;
}

std::string TargetPolicy::check(std::string_view url) const {
  auto target = check_syntax(url);
  if (target.host_is_ip)
    return target.host;
  auto addresses = resolver_(target.host);
  if (addresses.empty())
    throw TargetRefused("Der Hostname " + target.host + " lässt sich nicht auflösen.");
  if (!allowed(target))
    for (const auto& a : addresses)
      if (!is_public_address(a))
        throw TargetRefused("Der Hostname " + target.host +
                            " zeigt auf eine Adresse, die nicht öffentlich erreichbar ist.");
  return addresses.front();
}

}  // namespace kx::integrations
