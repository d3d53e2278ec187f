#include "kx/config/config.hpp"

#include <algorithm>
#include <cstdlib>

namespace kx::config {
namespace {

std::optional<std::int64_t> parse_int(const std::string& text) {
  if (text.empty())
    return std::nullopt;
  std::size_t used = 0;
  try {
    long long v = std::stoll(text, &used, 10);
    if (used != text.size())
      return std::nullopt;
    return static_cast<std::int64_t>(v);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

Env::Env()
    : lookup_([](const std::string& name) -> std::optional<std::string> {
        const char* v = std::getenv(name.c_str());
        if (!v)
          return std::nullopt;
        return std::string(v);
      }) {}

Env::Env(Lookup lookup) : lookup_(std::move(lookup)) {}

std::optional<std::string> Env::get(const std::string& name) const {
  auto v = lookup_(name);
  if (v && v->empty())
    return std::nullopt;
  return v;
}

std::string Env::required(const std::string& name) {
  auto v = get(name);
  if (!v) {
    problem(name + " is required");
    return {};
  }
  return *v;
}

std::string Env::optional(const std::string& name, std::string fallback) {
  return get(name).value_or(std::move(fallback));
}

std::string Env::secret(const std::string& name, std::size_t min_length) {
  auto v = get(name);
  if (!v) {
    problem(name + " is required (a secret)");
    return {};
  }
  if (v->size() < min_length) {
    problem(name + " must be at least " + std::to_string(min_length) + " characters long");
  }
  return *v;
}

std::string Env::optional_secret(const std::string& name, std::size_t min_length) {
  auto v = get(name);
  if (!v)
    return {};
  if (v->size() < min_length) {
    problem(name + " must be at least " + std::to_string(min_length) + " characters long");
  }
  return *v;
}

std::int64_t Env::integer(const std::string& name, std::int64_t fallback, std::int64_t min,
                          std::int64_t max) {
  auto v = get(name);
  if (!v)
    return fallback;
  auto n = parse_int(*v);
  if (!n || *n < min || *n > max) {
    problem(name + " must be an integer between " + std::to_string(min) + " and " +
            std::to_string(max) + " (got \"" + *v + "\")");
    return fallback;
  }
  return *n;
}

std::int64_t Env::required_integer(const std::string& name, std::int64_t min, std::int64_t max) {
  if (!get(name)) {
    problem(name + " is required");
    return min;
  }
  return integer(name, min, min, max);
}

std::uint16_t Env::port(const std::string& name, std::uint16_t fallback) {
  return static_cast<std::uint16_t>(integer(name, fallback, 0, 65535));
}

bool Env::flag(const std::string& name, bool fallback) {
  auto v = get(name);
  if (!v)
    return fallback;
  std::string s = *v;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "1" || s == "true" || s == "yes" || s == "on")
    return true;
  if (s == "0" || s == "false" || s == "no" || s == "off")
    return false;
  problem(name + " must be true or false (got \"" + *v + "\")");
  return fallback;
}

std::chrono::milliseconds Env::millis(const std::string& name, std::chrono::milliseconds fallback) {
  return std::chrono::milliseconds(integer(name, fallback.count(), 0, 86'400'000));
}

std::string Env::one_of(const std::string& name, std::string fallback,
                        const std::vector<std::string>& allowed) {
  auto v = get(name);
  if (!v)
    return fallback;
  if (std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) {
    std::string list;
    for (const auto& a : allowed)
      list += (list.empty() ? "" : ", ") + a;
    problem(name + " must be one of " + list + " (got \"" + *v + "\")");
    return fallback;
  }
  return *v;
}

std::string Env::url(const std::string& name, std::string fallback) {
  auto v = get(name);
  if (!v) {
    if (fallback.empty())
      problem(name + " is required (a URL)");
    return fallback;
  }
  std::string u = *v;
  if (u.rfind("http://", 0) != 0 && u.rfind("https://", 0) != 0) {
    problem(name + " must start with http:// or https:// (got \"" + u + "\")");
    return fallback;
  }
  while (!u.empty() && u.back() == '/')
    u.pop_back();
  return u;
}

std::vector<std::string> Env::urls(const std::string& name) {
  auto v = get(name);
  if (!v) {
    problem(name + " is required (one URL, or several separated by commas)");
    return {};
  }
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= v->size()) {
    auto end = std::min(v->find(',', start), v->size());
    std::string u = v->substr(start, end - start);
    start = end + 1;
    u.erase(0, u.find_first_not_of(" \t"));
    u.erase(u.find_last_not_of(" \t") + 1);
    if (u.empty())
      continue;
    if (u.rfind("http://", 0) != 0 && u.rfind("https://", 0) != 0) {
      problem(name + " must list http:// or https:// URLs (got \"" + u + "\")");
      continue;
    }
    while (!u.empty() && u.back() == '/')
      u.pop_back();
    out.push_back(u);
  }
  if (out.empty())
    problem(name + " is required (one URL, or several separated by commas)");
  return out;
}

void Env::check() const {
  if (problems_.empty())
    return;
  std::string text = "invalid configuration: ";
  for (std::size_t i = 0; i < problems_.size(); ++i) {
    if (i)
      text += "; ";
    text += problems_[i];
  }
  throw ConfigError(text);
}

}  // namespace kx::config
