#include "kx/metrics/exposition.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace kx::metrics {
namespace {

double parse_number(std::string_view s, bool& ok) {
  ok = true;
  if (s == "+Inf" || s == "Inf")
    return std::numeric_limits<double>::infinity();
  if (s == "-Inf")
    return -std::numeric_limits<double>::infinity();
  if (s == "NaN")
    return std::numeric_limits<double>::quiet_NaN();
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  ok = ec == std::errc() && end == s.data() + s.size();
  return v;
}

// Parses `{a="x",b="y"}` starting at text[pos] == '{'; returns the position after '}' or npos.
std::size_t parse_labels(std::string_view text, std::size_t pos, Labels& out) {
  ++pos;
  while (pos < text.size()) {
    if (text[pos] == '}')
      return pos + 1;
    if (text[pos] == ',') {
      ++pos;
      continue;
    }
    auto eq = text.find('=', pos);
    if (eq == std::string_view::npos || eq + 1 >= text.size() || text[eq + 1] != '"')
      return std::string_view::npos;
    std::string name(text.substr(pos, eq - pos));
    std::string value;
    pos = eq + 2;
    for (; pos < text.size() && text[pos] != '"'; ++pos) {
      if (text[pos] == '\\' && pos + 1 < text.size()) {
        ++pos;
        value += text[pos] == 'n' ? '\n' : text[pos];
      } else {
        value += text[pos];
      }
    }
    if (pos >= text.size())
      return std::string_view::npos;
    out[name] = std::move(value);
    ++pos;
  }
  return std::string_view::npos;
}

}  // namespace

std::vector<Sample> parse_exposition(std::string_view text) {
  std::vector<Sample> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line.front() == '#')
      continue;
    Sample s;
    auto name_end = line.find_first_of("{ ");
    if (name_end == std::string_view::npos || name_end == 0)
      continue;
    s.name = std::string(line.substr(0, name_end));
    std::size_t pos = name_end;
    if (line[pos] == '{') {
      pos = parse_labels(line, pos, s.labels);
      if (pos == std::string_view::npos)
        continue;
    }
    auto value = line.substr(pos);
    while (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    // An optional timestamp follows the value.
    value = value.substr(0, value.find(' '));
    bool ok = false;
    s.value = parse_number(value, ok);
    if (ok)
      out.push_back(std::move(s));
  }
  return out;
}

double bucket_quantile(double q, const std::vector<std::pair<double, double>>& cumulative) {
  if (cumulative.empty() || cumulative.back().second <= 0)
    return std::numeric_limits<double>::quiet_NaN();
  double total = cumulative.back().second;
  double rank = q * total;
  double lower_bound = 0;
  double lower_count = 0;
  for (std::size_t i = 0; i < cumulative.size(); ++i) {
    const auto& [bound, count] = cumulative[i];
    if (count >= rank) {
      if (std::isinf(bound))
        return i > 0 ? cumulative[i - 1].first : 0;
      double in_bucket = count - lower_count;
      if (in_bucket <= 0)
        return bound;
      return lower_bound + (bound - lower_bound) * (rank - lower_count) / in_bucket;
    }
    lower_bound = bound;
    lower_count = count;
  }
  return cumulative.back().first;
}

}  // namespace kx::metrics
