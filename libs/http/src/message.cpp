#include "kx/http/message.hpp"

#include <algorithm>
#include <cctype>

namespace kx::http {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [k, v] : items_) {
    if (iequals(k, name))
      return std::string_view(v);
  }
  return std::nullopt;
}

void Headers::set(std::string name, std::string value) {
  remove(name);
  items_.emplace_back(std::move(name), std::move(value));
}

void Headers::add(std::string name, std::string value) {
  items_.emplace_back(std::move(name), std::move(value));
}

void Headers::remove(std::string_view name) {
  items_.erase(std::remove_if(items_.begin(), items_.end(),
                              [&](const auto& kv) { return iequals(kv.first, name); }),
               items_.end());
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    auto eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq), true);
    if (key != name)
      continue;
    return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

std::vector<std::pair<std::string_view, std::string_view>> parse_cookies(std::string_view header) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  while (!header.empty()) {
    auto semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!part.empty() && part.front() == ' ')
      part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq == std::string_view::npos)
      continue;
    out.emplace_back(part.substr(0, eq), part.substr(eq + 1));
  }
  return out;
}

std::optional<std::string> Request::cookie(std::string_view name) const {
  for (const auto& [k, v] : headers.all()) {
    if (!iequals(k, "Cookie"))
      continue;
    for (const auto& [k2, v2] : parse_cookies(v)) {
      if (k2 == name)
        return std::string(v2);
    }
  }
  return std::nullopt;
}

const std::string& Request::param(const std::string& name) const {
  static const std::string empty;
  auto it = params.find(name);
  return it == params.end() ? empty : it->second;
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json; charset=utf-8");
  r.body = std::move(body);
  return r;
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  if (content_type.find("charset") == std::string::npos)
    content_type += "; charset=utf-8";
  r.headers.set("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

Response Response::no_content() {
  Response r;
  r.status = 204;
  return r;
}

std::string set_cookie_value(std::string_view name, std::string_view value,
                             const CookieOptions& o) {
  std::string out = std::string(name) + "=" + std::string(value) + "; Path=" + o.path;
  if (o.max_age_seconds)
    out += "; Max-Age=" + std::to_string(*o.max_age_seconds);
  if (o.http_only)
    out += "; HttpOnly";
  if (o.secure)
    out += "; Secure";
  if (!o.same_site.empty())
    out += "; SameSite=" + o.same_site;
  return out;
}

std::string percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size() && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
      out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string percent_encode(std::string_view in) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::optional<std::string_view> bearer_token(std::string_view value) {
  value = trim_ows(value);
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size())
    return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i])
      return std::nullopt;
  }
  return trim_ows(value.substr(kScheme.size()));
}

bool is_plain_token(std::string_view s, std::size_t max_length) {
  if (s.empty() || s.size() > max_length)
    return false;
  for (char c : s) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.' || c == ':';
    if (!plain)
      return false;
  }
  return true;
}

}  // namespace kx::http
