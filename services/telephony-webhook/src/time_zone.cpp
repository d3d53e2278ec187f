#include "time_zone.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace kx::telephony {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

constexpr std::int64_t kSecondsPerDay = 86'400;
constexpr std::size_t kMaxTzifSize = 1 << 20;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

class Bytes {
 public:
  explicit Bytes(std::string_view data) : data_(data) {}
  std::uint8_t u8() {
    need(1);
    return static_cast<std::uint8_t>(data_[pos_++]);
  }
  std::int64_t be(std::size_t width) {
    need(width);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i)
      v = (v << 8) | static_cast<std::uint8_t>(data_[pos_++]);
    if (width == 4)
      return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    return static_cast<std::int64_t>(v);
  }
  void skip(std::size_t n) {
    need(n);
    pos_ += n;
  }
  std::string_view rest() const { return data_.substr(pos_); }

 private:
  void need(std::size_t n) const {
    if (data_.size() - pos_ < n)
      throw std::invalid_argument("truncated TZif data");
  }
  std::string_view data_;
  std::size_t pos_ = 0;
};

struct Counts {
  std::size_t isut, isstd, leap, time, type, chars;
};

Counts read_header(Bytes& in, char& version) {
  if (in.u8() != 'T' || in.u8() != 'Z' || in.u8() != 'i' || in.u8() != 'f')
    throw std::invalid_argument("not a TZif file");
  version = static_cast<char>(in.u8());
  in.skip(15);
  Counts c{};
  for (std::size_t* field : {&c.isut, &c.isstd, &c.leap, &c.time, &c.type, &c.chars}) {
    auto v = in.be(4);
    if (v < 0 || v > 100'000)
      throw std::invalid_argument("implausible TZif counts");
    *field = static_cast<std::size_t>(v);
  }
  if (c.type == 0 || c.type > 256)
    throw std::invalid_argument("TZif file without local time types");
  return c;
}

// --- POSIX TZ rules --------------------------------------------------------------------------

class RuleParser {
 public:
  explicit RuleParser(std::string_view s) : s_(s) {}

  TimeZone::PosixRule parse() {
    TimeZone::PosixRule rule;
    name();
    rule.std_offset = -offset(true);
    if (done())
      return rule;
    name();
    rule.has_dst = true;
    rule.dst_offset = rule.std_offset + 3600;
    if (!done() && s_[pos_] != ',')
      rule.dst_offset = -offset(true);
    if (done()) {
      // No rule given: POSIX leaves it implementation-defined; use the US rule like glibc.
      rule.start = {'M', 3, 2, 0, 0, 7200};
      rule.end = {'M', 11, 1, 0, 0, 7200};
      return rule;
    }
    expect(',');
    rule.start = change();
    expect(',');
    rule.end = change();
    if (!done())
      throw std::invalid_argument("trailing characters in TZ rule");
    return rule;
  }

 private:
  bool done() const { return pos_ >= s_.size(); }
  void expect(char c) {
    if (done() || s_[pos_] != c)
      throw std::invalid_argument("malformed TZ rule");
    ++pos_;
  }
  void name() {
    if (!done() && s_[pos_] == '<') {
      auto close = s_.find('>', pos_);
      if (close == std::string_view::npos || close - pos_ < 4)
        throw std::invalid_argument("malformed TZ name");
      pos_ = close + 1;
      return;
    }
    std::size_t start = pos_;
    while (!done() && std::isalpha(static_cast<unsigned char>(s_[pos_])))
      ++pos_;
    if (pos_ - start < 3)
      throw std::invalid_argument("malformed TZ name");
  }
  int number(int max) {
    std::size_t start = pos_;
    int v = 0;
    while (!done() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
      v = v * 10 + (s_[pos_] - '0');
      if (v > max)
        throw std::invalid_argument("number out of range in TZ rule");
      ++pos_;
    }
    if (pos_ == start)
      throw std::invalid_argument("number expected in TZ rule");
    return v;
  }
  // [+-]hh[:mm[:ss]] in seconds; a rule's time may reach 167 hours (RFC 8536 extension).
  std::int32_t offset(bool signed_allowed) {
    int sign = 1;
    if (!done() && (s_[pos_] == '+' || s_[pos_] == '-')) {
      if (!signed_allowed)
        throw std::invalid_argument("unexpected sign in TZ rule");
      sign = s_[pos_] == '-' ? -1 : 1;
      ++pos_;
    }
    std::int32_t v = number(167) * 3600;
    if (!done() && s_[pos_] == ':') {
      ++pos_;
      v += number(59) * 60;
      if (!done() && s_[pos_] == ':') {
        ++pos_;
        v += number(59);
      }
    }
    return sign * v;
  }
  TimeZone::PosixRule::Change change() {
    TimeZone::PosixRule::Change c;
    if (!done() && s_[pos_] == 'M') {
      ++pos_;
      c.kind = 'M';
      c.month = number(12);
      expect('.');
      c.week = number(5);
      expect('.');
      c.weekday = number(6);
      if (c.month < 1 || c.week < 1)
        throw std::invalid_argument("malformed TZ date");
    } else if (!done() && s_[pos_] == 'J') {
      ++pos_;
      c.kind = 'J';
      c.day = number(365);
      if (c.day < 1)
        throw std::invalid_argument("malformed TZ date");
    } else {
      c.kind = 'N';
      c.day = number(365);
    }
    if (!done() && s_[pos_] == '/') {
      ++pos_;
      c.time = offset(true);
    }
    return c;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

bool is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

// Local midnight (as days since the epoch) of the day a rule change falls on in `year`.
std::int64_t change_day(const TimeZone::PosixRule::Change& c, int year) {
  using namespace std::chrono;
  std::int64_t jan1 = sys_days(std::chrono::year(year) / January / 1).time_since_epoch().count();
  if (c.kind == 'J') {
    int d = c.day - 1;  // 0-based, Feb 29 never counted
    if (is_leap(year) && c.day >= 60)
      ++d;
    return jan1 + d;
  }
  if (c.kind == 'N')
    return jan1 + c.day;
  auto first = sys_days(std::chrono::year(year) / month(static_cast<unsigned>(c.month)) / 1);
  int first_wd = static_cast<int>(weekday(first).c_encoding());  // 0 = Sunday
  int delta = (c.weekday - first_wd + 7) % 7;
  std::int64_t day = first.time_since_epoch().count() + delta + 7 * (c.week - 1);
  auto last_day = sys_days(std::chrono::year(year) / month(static_cast<unsigned>(c.month)) / last)
                      .time_since_epoch()
                      .count();
  while (day > last_day)
    day -= 7;
  return day;
}

int year_of(std::int64_t unix_seconds) {
  auto d = sys_days(days(floor_div(unix_seconds, kSecondsPerDay)));
  return static_cast<int>(std::chrono::year_month_day(d).year());
}

}  // namespace

std::shared_ptr<const TimeZone> TimeZone::from_posix_rule(std::string name, std::string_view rule) {
  auto zone = std::shared_ptr<TimeZone>(new TimeZone());
  zone->name_ = std::move(name);
  zone->rule_ = RuleParser(rule).parse();
  zone->offsets_.push_back(zone->rule_->std_offset);
  return zone;
}

std::shared_ptr<const TimeZone> TimeZone::from_tzif(std::string name, std::string_view data) {
  auto zone = std::shared_ptr<TimeZone>(new TimeZone());
  zone->name_ = std::move(name);
  Bytes in(data);
  char version = 0;
  Counts c = read_header(in, version);
  std::size_t width = 4;
  if (version >= '2') {
    // Skip the 32-bit block; the 64-bit block after the second header is authoritative.
    in.skip(c.time * 4 + c.time + c.type * 6 + c.chars + c.leap * 8 + c.isstd + c.isut);
    c = read_header(in, version);
    width = 8;
  }
  zone->transitions_.reserve(c.time);
  for (std::size_t i = 0; i < c.time; ++i)
    zone->transitions_.push_back(in.be(width));
  for (std::size_t i = 0; i < c.time; ++i) {
    auto t = in.u8();
    if (t >= c.type)
      throw std::invalid_argument("TZif transition names an unknown type");
    zone->transition_types_.push_back(t);
  }
  if (!std::is_sorted(zone->transitions_.begin(), zone->transitions_.end()))
    throw std::invalid_argument("TZif transitions out of order");
  for (std::size_t i = 0; i < c.type; ++i) {
    auto utoff = in.be(4);
    in.skip(2);  // isdst, designation index
    if (utoff < -25 * 3600 || utoff > 26 * 3600)
      throw std::invalid_argument("implausible UTC offset in TZif data");
    zone->offsets_.push_back(static_cast<std::int32_t>(utoff));
  }
  in.skip(c.chars + c.leap * (width + 4) + c.isstd + c.isut);
  if (width == 8) {
    auto footer = in.rest();
    if (footer.size() >= 2 && footer.front() == '\n') {
      auto end = footer.find('\n', 1);
      if (end != std::string_view::npos && end > 1)
        zone->rule_ = RuleParser(footer.substr(1, end - 1)).parse();
    }
  }
  return zone;
}

std::int32_t TimeZone::rule_offset(std::int64_t t) const {
  const PosixRule& r = *rule_;
  if (!r.has_dst)
    return r.std_offset;
  // The local standard-time year decides which year's changes apply (matters for southern
  // zones, whose DST period spans New Year).
  int year = year_of(t + r.std_offset);
  auto utc_of = [&](const PosixRule::Change& c, int y, std::int32_t offset_before) {
    return change_day(c, y) * kSecondsPerDay + c.time - offset_before;
  };
  std::int64_t start = utc_of(r.start, year, r.std_offset);
  std::int64_t end = utc_of(r.end, year, r.dst_offset);
  bool dst = start < end ? (t >= start && t < end) : (t < end || t >= start);
  return dst ? r.dst_offset : r.std_offset;
}

std::int32_t TimeZone::offset_at(std::chrono::system_clock::time_point tp) const {
  std::int64_t t = std::chrono::duration_cast<std::chrono::seconds>(tp.time_since_epoch()).count();
  if (transitions_.empty() || t < transitions_.front()) {
    if (transitions_.empty() && rule_)
      return rule_offset(t);
    return offsets_.front();
  }
  if (t >= transitions_.back() && rule_)
    return rule_offset(t);
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  auto index = static_cast<std::size_t>(std::distance(transitions_.begin(), it) - 1);
  return offsets_[transition_types_[index]];
}

LocalTime TimeZone::local(std::chrono::system_clock::time_point tp) const {
  LocalTime out;
  out.utc_offset_seconds = offset_at(tp);
  std::int64_t t = std::chrono::duration_cast<std::chrono::seconds>(tp.time_since_epoch()).count() +
                   out.utc_offset_seconds;
  std::int64_t day = floor_div(t, kSecondsPerDay);
  std::int64_t second_of_day = t - day * kSecondsPerDay;
  sys_days d{days(day)};
  out.date = std::chrono::year_month_day(d);
  out.weekday = static_cast<int>(std::chrono::weekday(d).iso_encoding()) - 1;
  out.minutes = static_cast<int>(second_of_day / 60);
  return out;
}

bool is_valid_zone_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '/' || name.back() == '/')
    return false;
  if (name.find("..") != std::string_view::npos || name.find("//") != std::string_view::npos)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '+' ||
           c == '/';
  });
}

TimeZones::TimeZones(std::string directory) : directory_(std::move(directory)) {
  if (directory_.empty()) {
    const char* env = std::getenv("TZDIR");
    directory_ = env && *env ? env : "/usr/share/zoneinfo";
  }
}

std::shared_ptr<const TimeZone> TimeZones::get(const std::string& name) {
  if (!is_valid_zone_name(name))
    return nullptr;
  {
    std::lock_guard lock(mutex_);
    if (auto it = zones_.find(name); it != zones_.end())
      return it->second;
  }
  std::shared_ptr<const TimeZone> zone;
  std::ifstream in(directory_ + "/" + name, std::ios::binary);
  if (in) {
    std::string data(kMaxTzifSize + 1, '\0');
    in.read(data.data(), static_cast<std::streamsize>(data.size()));
    data.resize(static_cast<std::size_t>(in.gcount()));
    if (data.size() <= kMaxTzifSize) {
      try {
        zone = TimeZone::from_tzif(name, data);
      } catch (const std::invalid_argument&) {
        zone = nullptr;  // a directory or a file that is not TZif: no such zone
      }
    }
  }
  std::lock_guard lock(mutex_);
  // Unknown names are cached too, but only valid names reach here and they are few.
  return zones_.emplace(name, zone).first->second;
}

}  // namespace kx::telephony
