#pragma once
// IANA time zones and local time, on Howard Hinnant's date/tz reading the system tz database
// (/usr/share/zoneinfo; Debian builds it with USE_OS_TZDB, so it never downloads anything).
// Time inside Kametrix is UTC; a zone is for the edges: an owner's business hours, "Dienstag um
// 14:30" in a booking, statistics by local day.
//
// Range: the system database lists transitions up to 2037 and date/tz 3.0.1 does not read the
// files' POSIX rule for later times, so after 2037 a zone keeps its last listed offset (standard
// time in Europe/Berlin). Correct for every date a booking or a statistic can name today.

#include <chrono>
#include <optional>
#include <string_view>

namespace date {
class time_zone;
}

namespace kx::time {

using Clock = std::chrono::system_clock;

/// A wall-clock reading of an instant in some zone.
struct LocalTime {
  std::chrono::year_month_day date{};
  std::chrono::weekday weekday{};
  int minutes = 0;  ///< since local midnight, 0..1439
  std::chrono::seconds utc_offset{0};
};

/// How a local date and time maps to an instant.
enum class LocalKind {
  unique,    ///< exists exactly once
  skipped,   ///< in the gap when clocks spring forward: the instant is shifted forward by the gap
  repeated,  ///< in the hour clocks fall back over: the instant is the earlier of the two
};

/// The instant of a local time, and whether that local time was skipped or repeated.
struct LocalInstant {
  Clock::time_point instant;
  LocalKind kind = LocalKind::unique;
};

/// A local day as the half-open range [begin, end): 24 hours, or 23/25 on switch days.
struct LocalDay {
  Clock::time_point begin;
  Clock::time_point end;
  Clock::duration length() const { return end - begin; }
};

/// One IANA zone. A cheap value (a pointer into the process-wide database, which lives until
/// exit); every member is const and thread-safe. A zone's file is read once, on first use.
class Zone {
 public:
  /// The zone named `name` ("Europe/Berlin", also the database's aliases such as "UTC"), or
  /// std::nullopt for a name the database does not list, an empty or over-long name, and
  /// "localtime" (the host's setting, not a zone). Names are never used as paths. The first call
  /// in a process reads the database's zone list. Thread-safe. Throws std::runtime_error when the
  /// system has no tz database.
  static std::optional<Zone> find(std::string_view name);
  /// Coordinated Universal Time; needs no database and never throws.
  static Zone utc() { return Zone(nullptr); }

  std::string_view name() const;
  /// Seconds east of UTC in effect at `t`.
  std::chrono::seconds offset_at(Clock::time_point t) const;
  /// The wall clock at `t`.
  LocalTime local(Clock::time_point t) const;

  /// The instant of a local date and time. A skipped time (2026-03-29 02:30 in Berlin) is read
  /// with the offset before the gap, i.e. shifted forward by the gap (03:30 CEST); a repeated
  /// time (2026-10-25 02:30) is the earlier instant (02:30 CEST). This is what a booking needs:
  /// the owner's calendar keeps the appointment at the hour the caller meant and never loses it,
  /// and `kind` lets the agent say that this time does not exist or occurs twice (the rule of
  /// RFC 5545 and of java.time, so calendars agree with us).
  LocalInstant resolve(std::chrono::local_seconds local) const;
  Clock::time_point instant(std::chrono::local_seconds local) const {
    return resolve(local).instant;
  }

  /// The first instant of a local day (local midnight, or the end of the gap where a switch
  /// skips midnight).
  Clock::time_point start_of_day(std::chrono::year_month_day day) const;
  /// [start of `day`, start of the next day).
  LocalDay day(std::chrono::year_month_day day) const;

  friend bool operator==(const Zone& a, const Zone& b) { return a.zone_ == b.zone_; }

 private:
  explicit Zone(const date::time_zone* zone) : zone_(zone) {}

  const date::time_zone* zone_;  ///< nullptr is UTC
};

/// Reads the database's zone list now instead of on the first request, so a missing database
/// stops a service at start. Throws std::runtime_error when the system has no tz database.
void load_database();

}  // namespace kx::time
