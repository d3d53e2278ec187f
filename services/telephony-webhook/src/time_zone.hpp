#pragma once
// IANA time zones from the system tz database (TZif files, RFC 8536), read without touching the
// process-wide TZ state: localtime_r() with a changed TZ is not thread-safe, and libstdc++ 12 has
// no std::chrono::zoned_time. A zone is immutable once loaded; TimeZones caches them.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kx::telephony {

/// A wall-clock reading in some zone.
struct LocalTime {
  std::chrono::year_month_day date;
  int weekday = 0;  ///< 0 = Monday ... 6 = Sunday
  int minutes = 0;  ///< minutes since local midnight, 0..1439
  std::int32_t utc_offset_seconds = 0;
};

/// One zone: its transitions and the POSIX rule for times after the last one. Immutable and
/// therefore safe to share between threads.
class TimeZone {
 public:
  /// Parses TZif data (versions 1 to 4). Throws std::invalid_argument on malformed data.
  static std::shared_ptr<const TimeZone> from_tzif(std::string name, std::string_view data);
  /// A zone given only by a POSIX TZ rule such as "CET-1CEST,M3.5.0,M10.5.0/3". Throws
  /// std::invalid_argument on a malformed rule.
  static std::shared_ptr<const TimeZone> from_posix_rule(std::string name, std::string_view rule);

  const std::string& name() const { return name_; }
  /// Seconds east of UTC in effect at `t`.
  std::int32_t offset_at(std::chrono::system_clock::time_point t) const;
  LocalTime local(std::chrono::system_clock::time_point t) const;

  /// A parsed POSIX TZ rule (public for the parser; not needed by callers).
  struct PosixRule {
    struct Change {
      char kind = 'M';  ///< 'M' (month.week.day), 'J' (Julian 1..365, no Feb 29), 'N' (0..365)
      int month = 0, week = 0, weekday = 0, day = 0;
      std::int32_t time = 7200;  ///< local seconds after midnight (may be negative or > 24 h)
    };
    std::int32_t std_offset = 0;  ///< seconds east of UTC
    bool has_dst = false;
    std::int32_t dst_offset = 0;
    Change start, end;
  };

 private:
  TimeZone() = default;
  std::int32_t rule_offset(std::int64_t unix_seconds) const;

  std::string name_;
  std::vector<std::int64_t> transitions_;       ///< Unix seconds, ascending
  std::vector<std::uint8_t> transition_types_;  ///< index into offsets_
  std::vector<std::int32_t> offsets_;           ///< per local time type
  std::optional<PosixRule> rule_;               ///< for times after the last transition
};

/// True for names that may name a zone file: letters, digits, '_', '-', '+' and '/' between
/// parts, no "..", at most 64 characters.
bool is_valid_zone_name(std::string_view name);

/// Loads and caches zones from a tz database directory. Thread-safe.
class TimeZones {
 public:
  /// `directory` defaults to $TZDIR or /usr/share/zoneinfo.
  explicit TimeZones(std::string directory = {});
  /// The zone, or nullptr when the name is invalid or the database has no such zone.
  std::shared_ptr<const TimeZone> get(const std::string& name);

 private:
  std::string directory_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const TimeZone>> zones_;
};

}  // namespace kx::telephony
