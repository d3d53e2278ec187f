#include "kx/http/query.hpp"

#include <charconv>
#include <cstdio>

#include "kx/http/error.hpp"

namespace kx::http {
namespace {

std::optional<int> parse_int(std::string_view s) {
  int n = 0;
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (err != std::errc() || end != s.data() + s.size())
    return std::nullopt;
  return n;
}

}  // namespace

std::optional<std::chrono::sys_days> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-')
    return std::nullopt;
  auto y = parse_int(s.substr(0, 4));
  auto m = parse_int(s.substr(5, 2));
  auto d = parse_int(s.substr(8, 2));
  if (!y || !m || !d || *y < 0 || *m <= 0 || *d <= 0)
    return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(*y),
                                  std::chrono::month(static_cast<unsigned>(*m)),
                                  std::chrono::day(static_cast<unsigned>(*d))};
  if (!ymd.ok())
    return std::nullopt;
  return std::chrono::sys_days(ymd);
}

std::string format_date(std::chrono::sys_days day) {
  std::chrono::year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<std::string> QueryParams::raw(std::string_view name) const {
  auto v = req_.query_param(name);
  if (!v || v->empty())
    return std::nullopt;
  return v;
}

int QueryParams::integer(const char* name, int fallback, int min, int max) {
  auto v = raw(name);
  if (!v)
    return fallback;
  auto n = parse_int(*v);
  if (n && *n >= min && *n <= max)
    return *n;
  add_error(name, "muss eine Zahl zwischen " + std::to_string(min) + " und " + std::to_string(max) +
                      " sein");
  return fallback;
}

Page QueryParams::page(int default_limit, int max_limit) {
  return {integer("limit", default_limit, 1, max_limit), integer("offset", 0, 0, 1'000'000)};
}

std::optional<std::string> QueryParams::text(const char* name, std::size_t max_length) {
  auto v = raw(name);
  if (v && v->size() > max_length) {
    add_error(name, "darf höchstens " + std::to_string(max_length) + " Zeichen lang sein");
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> QueryParams::one_of(const char* name,
                                               std::initializer_list<std::string_view> allowed) {
  auto v = raw(name);
  if (!v)
    return std::nullopt;
  std::string list;
  for (auto a : allowed) {
    if (*v == a)
      return v;
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  add_error(name, "muss einer dieser Werte sein: " + list);
  return std::nullopt;
}

std::optional<bool> QueryParams::flag(const char* name) {
  auto v = raw(name);
  if (!v)
    return std::nullopt;
  if (*v == "true")
    return true;
  if (*v == "false")
    return false;
  add_error(name, "muss true oder false sein");
  return std::nullopt;
}

std::optional<std::chrono::sys_days> QueryParams::date(const char* name) {
  auto v = raw(name);
  if (!v)
    return std::nullopt;
  if (auto d = parse_date(*v))
    return d;
  add_error(name, "muss ein Datum im Format JJJJ-MM-TT sein");
  return std::nullopt;
}

void QueryParams::add_error(std::string name, std::string message) {
  errors_.push_back({std::move(name), std::move(message)});
}

void QueryParams::require_valid() const {
  if (!errors_.empty())
    throw Error::validation(errors_);
}

}  // namespace kx::http
