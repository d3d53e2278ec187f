#include "tools.hpp"

#include <algorithm>
#include <set>

#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"
#include "kx/pg/pg.hpp"
#include "kx/text/fold.hpp"
#include "kx/time/business_hours.hpp"
#include "kx/time/format.hpp"

namespace kx::integrations {

using std::chrono::year_month_day;
using time::Clock;

namespace {

using http::Error;

constexpr std::array<const char*, 7> kDayKeys = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::size_t kMaxNameLength = 100;
constexpr std::size_t kMaxWordsLength = 200;

// Everything a tool call starts from, in one round trip (prepared: one plan suits every value):
// the answer stored for a repeated request (only the tools that change the calendar keep one),
// the agent (zone, hours), the owner's Google connection (with the stored access token while it
// lives another minute) and the appointment length. The agent is missing only in the moment
// between its creation and its event arriving here.
const pg::Statement kToolStart(
    "SELECT r.answer, a.agent_id IS NOT NULL, a.timezone, a.opening_hours::text, c.status, "
    "c.calendar_id, coalesce(s.appointment_minutes, 30), "
    "CASE WHEN c.access_expires_at > now() + interval '1 minute' THEN c.access_token END "
    "FROM (VALUES (1)) one "
    "LEFT JOIN tool_results r ON r.idempotency_key = $3 AND r.user_id = $2 "
    "LEFT JOIN agents a ON a.agent_id = $1 AND a.user_id = $2 AND NOT a.deleted "
    "LEFT JOIN google_connections c ON c.user_id = a.user_id "
    "LEFT JOIN owner_settings s ON s.user_id = a.user_id");
const pg::Statement kStoreAnswer(
    "INSERT INTO tool_results (idempotency_key, user_id, tool, answer) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING");

// outcome: answered (a sentence, booking or not), repeat (a stored answer), google_failed
// (503: telephony-webhook apologises), rejected (unusable arguments).
metrics::Counter& tool_calls(const std::string& tool, const char* outcome) {
  return metrics::Registry::global().counter("kx_calendar_tool_calls_total",
                                             "Calendar tool calls by tool and outcome.",
                                             {{"tool", tool}, {"outcome", outcome}});
}

metrics::Histogram& tool_seconds() {
  return metrics::Registry::global().histogram(
      "kx_calendar_tool_seconds", "Time to answer a calendar tool call, Google included.", {});
}

// --- What the agent says ------------------------------------------------------------------

struct Say {
  bool de;

  std::string day(year_month_day d) const {
    return time::format_day_spoken(d, de ? time::Language::de : time::Language::en);
  }
  std::string clock(int minutes) const {
    return time::format_clock(minutes, de ? time::Language::de : time::Language::en);
  }
  // "9:00 Uhr, 9:30 Uhr und 10:00 Uhr"
  std::string clocks(const std::vector<int>& minutes) const {
    std::string out;
    for (std::size_t i = 0; i < minutes.size(); ++i) {
      if (i > 0)
        out += i + 1 == minutes.size() ? (de ? " und " : " and ") : ", ";
      out += clock(minutes[i]);
    }
    return out;
  }
  std::string pick(const char* german, const char* english) const { return de ? german : english; }
};

// --- Reading the arguments ---------------------------------------------------------------

std::optional<std::string> optional_text(const json::Value& args, const char* name,
                                         std::size_t max_length) {
  auto it = args.FindMember(name);
  if (it == args.MemberEnd() || it->value.IsNull())
    return std::nullopt;
  std::string text;
  if (it->value.IsString()) {
    text.assign(it->value.GetString(), it->value.GetStringLength());
  } else if (it->value.IsInt64()) {
    text = std::to_string(it->value.GetInt64());  // "am 15." said as a bare number
  } else {
    // The model sent something that is no answer of the caller's: treated as not said, so the
    // agent asks the caller again instead of apologising for a calendar that works.
    log::warn("calendar tool argument of the wrong type ignored", {{"argument", name}});
    return std::nullopt;
  }
  if (text.size() > max_length || text.find('\0') != std::string::npos)
    throw Error::validation({{std::string("arguments.") + name, "ist zu lang"}});
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos)
    return std::nullopt;
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// --- Time arithmetic on the agent's zone ---------------------------------------------------

int minutes_of(const time::LocalTime& t) {
  return t.minutes;
}

std::vector<Busy> to_busy(const std::vector<std::pair<Clock::time_point, Clock::time_point>>& b) {
  std::vector<Busy> out;
  out.reserve(b.size());
  for (const auto& [s, e] : b)
    out.push_back({s, e});
  return out;
}

// The busy spans without [begin, end): a booking being moved must not block its own new time.
std::vector<Busy> without(const std::vector<Busy>& busy, Clock::time_point begin,
                          Clock::time_point end) {
  std::vector<Busy> out;
  for (const auto& b : busy) {
    if (b.end <= begin || b.begin >= end) {
      out.push_back(b);
      continue;
    }
    if (b.begin < begin)
      out.push_back({b.begin, begin});
    if (b.end > end)
      out.push_back({end, b.end});
  }
  return out;
}

// Up to n slots spread over the day, so a caller hears the morning and the afternoon.
std::vector<Clock::time_point> spread(const std::vector<Clock::time_point>& slots, std::size_t n) {
  if (slots.size() <= n)
    return slots;
  std::vector<Clock::time_point> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(slots[i * (slots.size() - 1) / (n - 1)]);
  return out;
}

// The n slots closest to `wanted`, in time order.
std::vector<Clock::time_point> nearest(std::vector<Clock::time_point> slots,
                                       Clock::time_point wanted, std::size_t n) {
  // Equally near: the earlier first.
  std::stable_sort(slots.begin(), slots.end(), [&](auto a, auto b) {
    auto da = a > wanted ? a - wanted : wanted - a;
    auto db = b > wanted ? b - wanted : wanted - b;
    return da < db;
  });
  if (slots.size() > n)
    slots.resize(n);
  std::sort(slots.begin(), slots.end());
  return slots;
}

std::string iso(Clock::time_point t) {
  return json::utc_timestamp(std::chrono::floor<std::chrono::seconds>(t));
}

Clock::time_point from_epoch(std::int64_t seconds) {
  return Clock::time_point(std::chrono::seconds(seconds));
}

// Salutations and titles callers put before their name.
bool is_title(std::string_view word) {
  static const std::array<std::string_view, 9> titles = {"frau", "herr", "herrn", "dr",  "prof",
                                                         "mr",   "mrs",  "ms",    "miss"};
  return std::find(titles.begin(), titles.end(), word) != titles.end();
}

std::vector<std::string> name_words(std::string_view name) {
  auto folded = text::fold_for_matching(name);
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && !is_title(word))
      words.push_back(word);
    word.clear();
  };
  for (char c : folded) {
    if (std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80)
      word += c;
    else
      flush();
  }
  flush();
  return words;
}

}  // namespace

bool same_person(std::string_view said, std::string_view booked) {
  auto a = name_words(said), b = name_words(booked);
  if (a.empty() || b.empty() || a.back() != b.back())
    return false;
  if (a.size() > 1 && b.size() > 1)
    return a.front() == b.front();
  return true;
}

OpeningHours opening_hours_from_json(std::string_view json_text) {
  OpeningHours hours;
  json::Document doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::ParseError&) {
    return hours;
  }
  if (!doc.IsObject())
    return hours;
  for (std::size_t d = 0; d < kDayKeys.size(); ++d) {
    auto it = doc.FindMember(kDayKeys[d]);
    if (it == doc.MemberEnd() || !it->value.IsArray())
      continue;
    for (const auto& range : it->value.GetArray()) {
      if (!range.IsObject() || !range.HasMember("start") || !range.HasMember("end") ||
          !range["start"].IsString() || !range["end"].IsString())
        continue;
      auto start = time::parse_clock(range["start"].GetString());
      std::string_view end_text = range["end"].GetString();
      auto end = end_text == "24:00" ? std::optional<int>(24 * 60) : time::parse_clock(end_text);
      if (start && end && *end > *start)
        hours[d].push_back({*start, *end});
    }
    std::sort(hours[d].begin(), hours[d].end(),
              [](const Window& a, const Window& b) { return a.start < b.start; });
  }
  return hours;
}

std::string event_id_for(std::string_view idempotency_key) {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuv";
  auto digest = crypto::sha256(std::string("kametrix-booking:") + std::string(idempotency_key));
  std::string id = "kb";  // base32hex has no x
  // 5 bits per character over the first 25 bytes: 40 characters.
  unsigned buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < 25; ++i) {
    buffer = (buffer << 8) | static_cast<unsigned char>(digest[i]);
    bits += 8;
    while (bits >= 5) {
      id += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return id;
}

// Everything one tool call works with.
struct Tools::Context {
  const ToolCall& call;
  Say say;
  time::Zone zone;
  OpeningHours hours;
  SlotRules rules;
  std::chrono::minutes duration{30};
  Clock::time_point now;
  year_month_day today;
  Deadline deadline;
  std::string calendar_id;
  std::string token;

  Context(const ToolCall& c, time::Zone z, std::chrono::milliseconds budget)
      : call(c), say{c.language != "en"}, zone(z), deadline(budget) {}
};

Tools::Tools(pg::Pool& db, GoogleAccounts& accounts, GoogleClient& google,
             const events::Outbox& outbox, ToolSettings settings)
    : db_(db), accounts_(accounts), google_(google), outbox_(outbox), settings_(settings) {}

void Tools::add_routes(http::Router& router) {
  router.add("POST", "/internal/tools/execute", *this, &Tools::execute,
             {.max_body = 64 * 1024, .access = http::Access::service});
}

namespace {

// Google stopped accepting the owner's grant in the middle of a tool call.
struct ReconnectRequired {};

// Runs a Google request with the owner's token; a 401 refreshes the token once and repeats.
template <class Fn>
auto with_token(GoogleAccounts& accounts, const std::string& user_id, std::string& token,
                const Deadline& deadline, Fn&& fn) {
  try {
    return fn(token);
  } catch (const GoogleError& e) {
    if (e.kind() != GoogleError::Kind::unauthorized)
      throw;
    auto fresh = accounts.refresh_after_401(user_id, token, deadline);
    if (!fresh)
      throw ReconnectRequired{};
    token = *fresh;
    return fn(token);
  }
}

// Why a spoken date could not be used, and what to ask.
std::string date_problem(const Say& say, DateError error) {
  switch (error) {
    case DateError::invalid:
      return say.pick("Dieses Datum gibt es nicht. Welchen Tag meinen Sie?",
                      "That date does not exist. Which day do you mean?");
    case DateError::past:
      return say.pick("Dieser Tag liegt in der Vergangenheit. Welchen Tag meinen Sie?",
                      "That day is in the past. Which day do you mean?");
    case DateError::too_far:
      return say.pick(
          "So weit im Voraus kann ich leider noch keine Termine vergeben. Bitte wählen Sie einen "
          "Tag innerhalb der nächsten zwölf Monate.",
          "I cannot book that far ahead yet. Please choose a day within the next twelve months.");
    case DateError::unreadable:
      break;
  }
  return say.pick(
      "Für welchen Tag denn? Nennen Sie mir bitte ein Datum, zum Beispiel morgen oder den 15. "
      "Januar.",
      "For which day? Please name a date, for example tomorrow or January 15.");
}

}  // namespace

pqxx::row Tools::start(const ToolCall& call) {
  return pg::autocommit(db_, [&](pqxx::transaction_base& tx) {
    return pg::exec_prepared(tx, kToolStart, call.agent_id, call.user_id, call.idempotency_key)[0];
  });
}

ToolAnswer Tools::run(const ToolCall& call, Clock::time_point now) {
  return run(call, start(call), now);
}

ToolAnswer Tools::run(const ToolCall& call, const pqxx::row& agent, Clock::time_point now) {
  if (!agent[1].as<bool>())
    throw Error::unavailable("Der Agent ist hier noch nicht bekannt.");
  auto zone = time::Zone::find(agent[2].as<std::string>())
                  .value_or(time::Zone::find(call.timezone).value_or(time::Zone::utc()));
  Context ctx(call, zone, settings_.budget);
  ctx.hours = opening_hours_from_json(agent[3].as<std::string>());
  ctx.now = now;
  ctx.today = zone.local(now).date;
  if (agent[4].is_null() || agent[4].as<std::string>() != "connected")
    return {ctx.say.pick("Termine kann ich leider noch nicht eintragen, weil der Kalender nicht "
                         "verbunden ist. Gern notiere ich Ihr Anliegen, und wir melden uns bei "
                         "Ihnen.",
                         "I cannot book appointments yet because the calendar is not connected. "
                         "I am happy to note your request and we will get back to you."),
            {},
            {}};
  ctx.calendar_id = agent[5].as<std::string>();
  ctx.duration = std::chrono::minutes(agent[6].as<int>());
  ctx.rules.zone = &ctx.zone;
  ctx.rules.hours = &ctx.hours;
  ctx.rules.duration = ctx.duration;
  ctx.rules.step = std::min(ctx.duration, std::chrono::minutes(30));
  ctx.rules.lead = settings_.lead;
  auto reconnect = [&]() -> ToolAnswer {
    return {ctx.say.pick("Der Kalender ist gerade nicht erreichbar, weil die Verbindung erneuert "
                         "werden muss. Gern notiere ich Ihr Anliegen, und wir melden uns bei "
                         "Ihnen.",
                         "The calendar cannot be reached because its connection must be renewed. "
                         "I am happy to note your request and we will get back to you."),
            {},
            {}};
  };
  auto token = agent[7].is_null()
                   ? std::nullopt
                   : accounts_.open_access_token(call.user_id, agent[7].as<std::string>());
  if (!token)
    token = accounts_.access_token(call.user_id, ctx.deadline);
  if (!token)
    return reconnect();
  ctx.token = *token;
  try {
    return dispatch(ctx, call);
  } catch (const ReconnectRequired&) {
    return reconnect();
  }
}

namespace {

struct Wanted {
  year_month_day day;
  int minutes = 0;
  Clock::time_point start;
};

}  // namespace

ToolAnswer Tools::dispatch(Context& ctx, const ToolCall& call) {
  const Say& say = ctx.say;
  auto busy_between = [&](Clock::time_point from, Clock::time_point to) {
    auto spans =
        with_token(accounts_, call.user_id, ctx.token, ctx.deadline, [&](const std::string& token) {
          return google_.free_busy(token, ctx.calendar_id, from, to,
                                   ctx.deadline.left(settings_.google_timeout));
        });
    return to_busy(spans);
  };
  auto local_minutes = [&](Clock::time_point t) { return minutes_of(ctx.zone.local(t)); };
  auto slot_list = [&](const std::vector<Clock::time_point>& slots) {
    std::vector<int> m;
    for (auto s : slots)
      m.push_back(local_minutes(s));
    return say.clocks(m);
  };
  auto read_day =
      [&](const std::optional<std::string>& text) -> std::variant<year_month_day, std::string> {
    if (!text)
      return date_problem(say, DateError::unreadable);
    auto parsed = parse_date(*text, ctx.today);
    if (!parsed.date)
      return date_problem(say, parsed.error);
    return *parsed.date;
  };
  auto part_of = [&](std::initializer_list<const std::optional<std::string>*> texts) {
    for (const auto* t : texts)
      if (*t)
        if (auto p = parse_day_part(**t))
          return *p;
    return DayPart::any;
  };
  auto opening_text = [&](year_month_day day) {
    std::chrono::weekday wd{std::chrono::sys_days(day)};
    const auto& windows = ctx.hours[time::day_index(wd)];
    std::string out;
    for (std::size_t i = 0; i < windows.size(); ++i) {
      if (i > 0)
        out += say.pick(" und ", " and ");
      out += say.pick("von ", "from ") + say.clock(windows[i].start) + say.pick(" bis ", " to ") +
             say.clock(windows[i].end % (24 * 60));
    }
    return out;
  };
  auto closed_on = [&](year_month_day day) {
    std::chrono::weekday wd{std::chrono::sys_days(day)};
    return ctx.hours[time::day_index(wd)].empty();
  };
  // The first free slots from `day` on, within the search window: (day, slots) or nothing.
  auto first_free_day = [&](year_month_day from, DayPart part, const std::vector<Busy>& busy)
      -> std::optional<std::pair<year_month_day, std::vector<Clock::time_point>>> {
    auto d = std::chrono::sys_days(from);
    auto last = std::chrono::sys_days(ctx.today) + std::chrono::days(settings_.search_days);
    for (; d <= last; d += std::chrono::days(1)) {
      auto slots = free_slots(ctx.rules, year_month_day(d), part, ctx.now, busy);
      if (!slots.empty())
        return std::make_pair(year_month_day(d), slots);
    }
    return std::nullopt;
  };
  auto search_busy = [&](year_month_day from) {
    auto begin = ctx.zone.start_of_day(from);
    auto to_day =
        std::max(std::chrono::sys_days(from),
                 std::chrono::sys_days(ctx.today) + std::chrono::days(settings_.search_days));
    auto end = ctx.zone.start_of_day(year_month_day(to_day + std::chrono::days(1)));
    return busy_between(std::max(begin, ctx.now), end);
  };
  // A day and a time as the caller said them, checked against the clock and the opening hours.
  auto read_wanted =
      [&](const std::optional<std::string>& date_text,
          const std::optional<std::string>& time_text) -> std::variant<Wanted, std::string> {
    auto day = read_day(date_text);
    if (auto* problem = std::get_if<std::string>(&day))
      return *problem;
    Wanted w;
    w.day = std::get<year_month_day>(day);
    std::optional<SpokenClock> clock;
    if (time_text)
      clock = parse_clock_words(*time_text);
    if (!clock && date_text)
      clock = parse_clock_words(*date_text);  // "morgen um halb drei" in one argument
    if (!clock)
      return say.pick("Um welche Uhrzeit denn?", "At what time?");
    w.minutes = resolve_clock(ctx.rules, w.day, *clock);
    auto local = std::chrono::local_days(std::chrono::sys_days(w.day).time_since_epoch()) +
                 std::chrono::minutes(w.minutes);
    auto resolved = ctx.zone.resolve(std::chrono::local_seconds(local));
    if (resolved.kind == time::LocalKind::skipped)
      return say.pick(
          "Diese Uhrzeit gibt es an dem Tag wegen der Zeitumstellung nicht. Welche "
          "andere Uhrzeit passt Ihnen?",
          "That time does not exist on that day because the clocks change. Which "
          "other time suits you?");
    w.start = resolved.instant;
    if (w.start < ctx.now + ctx.rules.lead)
      return say.pick("Diese Uhrzeit ist leider schon vorbei. Welche andere Uhrzeit passt Ihnen?",
                      "That time has already passed. Which other time suits you?");
    if (closed_on(w.day))
      return say.pick("Am ", "On ") + say.day(w.day) +
             say.pick(" haben wir geschlossen. Welcher andere Tag passt Ihnen?",
                      " we are closed. Which other day suits you?");
    if (!within_opening_hours(ctx.rules, w.start))
      return say.pick("Um ", "At ") + say.clock(w.minutes) +
             say.pick(" sind wir leider nicht da. Am ", " we are not available. On ") +
             say.day(w.day) + say.pick(" sind wir ", " we are available ") + opening_text(w.day) +
             say.pick(" für Sie da.", ".");
    return w;
  };
  auto alternatives = [&](const Wanted& w, const std::vector<Busy>& busy) {
    auto slots = free_slots(ctx.rules, w.day, DayPart::any, ctx.now, busy);
    if (slots.empty())
      return say.pick(" An diesem Tag ist leider nichts mehr frei.",
                      " Nothing else is free on that day.");
    return say.pick(" Frei wären an dem Tag noch ", " Still free that day: ") +
           slot_list(nearest(slots, w.start, 3)) + ".";
  };
  // Bookings of this caller (number and name), upcoming.
  struct Own {
    std::string id;
    std::string event_id;
    std::string agent_id;
    std::string call_id;
    std::string caller_name;
    Clock::time_point start, end;
  };
  auto find_own =
      [&](const std::optional<std::string>& date_text,
          const std::optional<std::string>& time_text) -> std::variant<Own, std::string> {
    if (!call.caller_number)
      return say.pick(
          "Bestehende Termine kann ich nur ändern, wenn Sie von der Telefonnummer anrufen, mit "
          "der Sie gebucht haben, und Ihre Nummer übertragen wird. Gern notiere ich Ihr Anliegen, "
          "und wir melden uns bei Ihnen.",
          "I can only change an appointment when you call from the number you booked with and "
          "your number is shown. I am happy to note your request and we will get back to you.");
    if (!call.name)
      return say.pick("Auf welchen Namen ist der Termin eingetragen?",
                      "Under which name is the appointment booked?");
    auto rows = pg::transact(db_, [&](pqxx::work& tx) {
      return tx.exec_params(
          "SELECT id::text, google_event_id, agent_id, coalesce(call_id, ''), caller_name, "
          "extract(epoch from start_at)::bigint, extract(epoch from end_at)::bigint "
          "FROM bookings WHERE user_id = $1 AND caller_number = $2 AND status = 'booked' "
          "AND start_at > $3::timestamptz ORDER BY start_at LIMIT 50",
          call.user_id, *call.caller_number, iso(ctx.now));
    });
    std::vector<Own> mine;
    for (const auto& r : rows) {
      if (!same_person(*call.name, r[4].as<std::string>()))
        continue;
      mine.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>(),
                      r[3].as<std::string>(), r[4].as<std::string>(),
                      from_epoch(r[5].as<std::int64_t>()), from_epoch(r[6].as<std::int64_t>())});
    }
    // The day and time the caller named narrow it down.
    if (mine.size() > 1 && date_text) {
      if (auto d = parse_date(*date_text, ctx.today); d.date) {
        std::vector<Own> on_day;
        for (const auto& o : mine)
          if (ctx.zone.local(o.start).date == *d.date)
            on_day.push_back(o);
        if (!on_day.empty())
          mine = on_day;
      }
    }
    if (mine.size() > 1 && time_text) {
      if (auto c = parse_clock_words(*time_text)) {
        auto readings = clock_readings(*c);
        std::vector<Own> at_time;
        for (const auto& o : mine)
          if (std::find(readings.begin(), readings.end(), local_minutes(o.start)) != readings.end())
            at_time.push_back(o);
        if (!at_time.empty())
          mine = at_time;
      }
    }
    if (mine.empty())
      return say.pick("Unter Ihrer Telefonnummer finde ich keinen kommenden Termin auf den Namen ",
                      "I cannot find an upcoming appointment under your phone number for ") +
             *call.name + ".";
    if (mine.size() > 1) {
      std::string list;
      for (std::size_t i = 0; i < mine.size() && i < 3; ++i) {
        if (i > 0)
          list += say.pick(" und ", " and ");
        auto l = ctx.zone.local(mine[i].start);
        list += say.pick("am ", "on ") + say.day(l.date) + say.pick(" um ", " at ") +
                say.clock(l.minutes);
      }
      return say.pick("Ich finde mehrere Termine auf Ihren Namen: ",
                      "I find several appointments under your name: ") +
             list + say.pick(". Welchen meinen Sie?", ". Which one do you mean?");
    }
    return mine.front();
  };
  auto publish = [&](pqxx::work& tx, const char* type, const std::string& booking_id,
                     const std::string& agent_id, const std::string& call_id,
                     const std::string& caller_name, Clock::time_point start, Clock::time_point end,
                     const Own* previous) {
    json::Writer w;
    w.begin_object()
        .field("booking_id", booking_id)
        .field("user_id", call.user_id)
        .field("agent_id", agent_id);
    w.key("call_id");
    call_id.empty() ? w.null() : w.value(call_id);
    w.field("start", iso(start))
        .field("end", iso(end))
        .field("timezone", std::string(ctx.zone.name()))
        .field("caller_name", caller_name);
    if (previous)
      w.field("previous_start", iso(previous->start)).field("previous_end", iso(previous->end));
    w.end_object();
    outbox_.add(tx, type, call.user_id, booking_id, w.str());
  };
  // Serialises the owner's bookings: the slot checked free stays free until the booking is in.
  auto lock_owner = [&](pqxx::work& tx) {
    tx.exec_params("SELECT pg_advisory_xact_lock(hashtextextended('booking:' || $1, 0))",
                   call.user_id);
  };
  auto overlaps_local = [&](pqxx::work& tx, Clock::time_point start, Clock::time_point end,
                            const std::string& except_id) {
    // Our own bookings count even before Google lists them.
    return !tx.exec_params(
                  "SELECT 1 FROM bookings WHERE user_id = $1 AND status = 'booked' "
                  "AND start_at < $3::timestamptz AND end_at > $2::timestamptz "
                  "AND id::text <> $4 LIMIT 1",
                  call.user_id, iso(start), iso(end), except_id)
                .empty();
  };

  const auto& tool = call.tool;
  if (tool == "check_availability" || tool == "find_next_free_slot") {
    bool next = tool == "find_next_free_slot";
    year_month_day day = ctx.today;
    if (call.date || !next) {
      auto parsed = read_day(call.date);
      if (auto* problem = std::get_if<std::string>(&parsed))
        return {*problem, {}, {}};
      day = std::get<year_month_day>(parsed);
    }
    auto part = part_of({&call.preference, &call.date});
    auto busy = search_busy(day);
    if (next) {
      auto found = first_free_day(day, part, busy);
      if (!found && part != DayPart::any)
        found = first_free_day(day, DayPart::any, busy);
      if (!found)
        return {say.pick("In den nächsten zwei Wochen ist leider kein Termin mehr frei.",
                         "Unfortunately nothing is free in the next two weeks."),
                {},
                {}};
      return {say.pick("Der nächste freie Termin ist am ", "The next free time is on ") +
                  say.day(found->first) + say.pick(" um ", " at ") +
                  say.clock(local_minutes(found->second.front())) + ".",
              {},
              {}};
    }
    auto slots = free_slots(ctx.rules, day, part, ctx.now, busy);
    if (!slots.empty())
      return {say.pick("Am ", "On ") + say.day(day) +
                  say.pick(" sind noch diese Zeiten frei: ", " these times are free: ") +
                  slot_list(spread(slots, 5)) + ".",
              {},
              {}};
    std::string first;
    if (closed_on(day))
      first = say.pick("Am ", "On ") + say.day(day) +
              say.pick(" haben wir geschlossen.", " we are closed.");
    else
      first = say.pick("Am ", "On ") + say.day(day) +
              say.pick(" ist leider nichts mehr frei.", " nothing is free any more.");
    auto after = year_month_day(std::chrono::sys_days(day) + std::chrono::days(1));
    auto found = first_free_day(after, part, busy);
    if (!found && part != DayPart::any)
      found = first_free_day(after, DayPart::any, busy);
    if (!found)
      return {first + say.pick(" Auch in den nächsten zwei Wochen ist leider nichts mehr frei.",
                               " Nothing is free in the next two weeks either."),
              {},
              {}};
    return {first + say.pick(" Frei ist wieder am ", " The next free day is ") +
                say.day(found->first) + say.pick(", um ", ", at ") +
                slot_list(spread(found->second, 3)) + ".",
            {},
            {}};
  }

  if (tool == "check_conflicts") {
    auto wanted = read_wanted(call.date, call.time);
    if (auto* problem = std::get_if<std::string>(&wanted))
      return {*problem, {}, {}};
    auto& w = std::get<Wanted>(wanted);
    auto day = ctx.zone.day(w.day);
    auto busy = busy_between(std::max(day.begin, ctx.now), day.end);
    bool taken = overlaps(busy, w.start, ctx.duration) || pg::transact(db_, [&](pqxx::work& tx) {
                   return overlaps_local(tx, w.start, w.start + ctx.duration, "");
                 });
    if (!taken)
      return {say.pick("Am ", "On ") + say.day(w.day) + say.pick(" um ", " at ") +
                  say.clock(w.minutes) + say.pick(" ist frei.", " is free."),
              {},
              {}};
    return {say.pick("Um ", "At ") + say.clock(w.minutes) +
                say.pick(" ist leider schon belegt.", " is already taken.") + alternatives(w, busy),
            {},
            {}};
  }

  if (tool == "book_appointment") {
    if (!call.name)
      return {say.pick("Auf welchen Namen darf ich den Termin eintragen?",
                       "Under which name may I book the appointment?"),
              {},
              {}};
    auto wanted = read_wanted(call.date, call.time);
    if (auto* problem = std::get_if<std::string>(&wanted))
      return {*problem, {}, {}};
    auto& w = std::get<Wanted>(wanted);
    auto end = w.start + ctx.duration;
    auto event_id = event_id_for(call.idempotency_key);
    // Recorded before Google is asked: should the insert time out after all, the sweeper
    // removes an event no booking claims.
    pg::transact(db_, [&](pqxx::work& tx) {
      tx.exec_params(
          "INSERT INTO booking_attempts (google_event_id, user_id, calendar_id) "
          "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
          event_id, call.user_id, ctx.calendar_id);
    });
    return pg::transact(db_, [&](pqxx::work& tx) -> ToolAnswer {
      lock_owner(tx);
      // A repeat of a tool call whose insert timed out finds its own event in the slot: that
      // is this booking, not a conflict.
      auto earlier = tx.exec_params(
          "SELECT 1 FROM booking_attempts WHERE google_event_id = $1 AND resolved_at IS NULL "
          "AND created_at < now() - interval '1 millisecond'",
          event_id);
      std::optional<CalendarEvent> own_event;
      if (!earlier.empty())
        own_event =
            with_token(accounts_, call.user_id, ctx.token, ctx.deadline, [&](const std::string& t) {
              return google_.get_event(t, ctx.calendar_id, event_id,
                                       ctx.deadline.left(settings_.google_timeout));
            });
      bool adopt = own_event && own_event->status != "cancelled";
      auto day = ctx.zone.day(w.day);
      auto busy = adopt ? std::vector<Busy>{} : busy_between(std::max(day.begin, ctx.now), day.end);
      if (overlaps(busy, w.start, ctx.duration) || overlaps_local(tx, w.start, end, ""))
        return {say.pick("Um ", "At ") + say.clock(w.minutes) +
                    say.pick(" ist leider schon belegt.", " is already taken.") +
                    alternatives(w, busy),
                {},
                {}};
      auto booking_id = crypto::uuid_v7();
      NewEvent event;
      event.id = event_id;
      event.summary = say.pick("Termin: ", "Appointment: ") + *call.name;
      event.description =
          say.pick("Telefonisch gebucht über Kametrix.", "Booked by phone through Kametrix.") +
          (call.caller_number
               ? say.pick(" Rückrufnummer: ", " Call-back number: ") + *call.caller_number
               : std::string());
      event.start = w.start;
      event.end = end;
      event.timezone = std::string(ctx.zone.name());
      event.private_properties = {{"kametrix_booking_id", booking_id},
                                  {"kametrix_call_id", call.call_id}};
      try {
        if (!adopt)
          with_token(accounts_, call.user_id, ctx.token, ctx.deadline, [&](const std::string& t) {
            google_.insert_event(t, ctx.calendar_id, event,
                                 ctx.deadline.left(settings_.google_timeout));
            return 0;
          });
      } catch (const GoogleError& e) {
        // 409: the event of this very tool call exists (an earlier attempt got through).
        if (e.kind() != GoogleError::Kind::conflict)
          throw;
      }
      tx.exec_params(
          "INSERT INTO bookings (id, user_id, agent_id, call_id, caller_name, caller_number, "
          "start_at, end_at, timezone, status, google_event_id, calendar_id) VALUES "
          "($1, $2, $3, NULLIF($4, ''), $5, $6, $7::timestamptz, $8::timestamptz, $9, 'booked', "
          "$10, $11)",
          booking_id, call.user_id, call.agent_id, call.call_id, *call.name, call.caller_number,
          iso(w.start), iso(end), std::string(ctx.zone.name()), event_id, ctx.calendar_id);
      tx.exec_params("UPDATE booking_attempts SET resolved_at = now() WHERE google_event_id = $1",
                     event_id);
      publish(tx, "appointment.booked", booking_id, call.agent_id, call.call_id, *call.name,
              w.start, end, nullptr);
      return {say.pick("Ihr Termin ist eingetragen: ", "Your appointment is booked: ") +
                  say.day(w.day) + say.pick(" um ", " at ") + say.clock(w.minutes) +
                  say.pick(" auf den Namen ", " under the name ") + *call.name + ".",
              "booked", booking_id};
    });
  }

  if (tool == "reschedule_appointment" || tool == "cancel_appointment") {
    auto found = find_own(call.date, call.time);
    if (auto* problem = std::get_if<std::string>(&found))
      return {*problem, {}, {}};
    auto own = std::get<Own>(found);
    auto old_local = ctx.zone.local(own.start);
    if (tool == "cancel_appointment") {
      return pg::transact(db_, [&](pqxx::work& tx) -> ToolAnswer {
        lock_owner(tx);
        auto r = tx.exec_params(
            "UPDATE bookings SET status = 'cancelled', updated_at = now() "
            "WHERE id = $1::uuid AND status = 'booked' RETURNING calendar_id",
            own.id);
        if (r.empty())
          return {say.pick("Dieser Termin ist bereits abgesagt.",
                           "That appointment is already cancelled."),
                  {},
                  {}};
        with_token(accounts_, call.user_id, ctx.token, ctx.deadline, [&](const std::string& t) {
          google_.delete_event(t, r[0][0].as<std::string>(), own.event_id,
                               ctx.deadline.left(settings_.google_timeout));
          return 0;
        });
        publish(tx, "appointment.cancelled", own.id, own.agent_id, own.call_id, own.caller_name,
                own.start, own.end, nullptr);
        return {say.pick("Ihr Termin am ", "Your appointment on ") + say.day(old_local.date) +
                    say.pick(" um ", " at ") + say.clock(old_local.minutes) +
                    say.pick(" ist abgesagt.", " is cancelled."),
                "cancelled", own.id};
      });
    }
    auto wanted = read_wanted(call.new_date, call.new_time);
    if (auto* problem = std::get_if<std::string>(&wanted))
      return {*problem, {}, {}};
    auto& w = std::get<Wanted>(wanted);
    auto end = w.start + ctx.duration;
    return pg::transact(db_, [&](pqxx::work& tx) -> ToolAnswer {
      lock_owner(tx);
      auto day = ctx.zone.day(w.day);
      auto busy = without(busy_between(std::max(day.begin, ctx.now), day.end), own.start, own.end);
      if (overlaps(busy, w.start, ctx.duration) || overlaps_local(tx, w.start, end, own.id))
        return {say.pick("Um ", "At ") + say.clock(w.minutes) +
                    say.pick(" ist leider schon belegt.", " is already taken.") +
                    alternatives(w, busy),
                {},
                {}};
      auto r = tx.exec_params(
          "UPDATE bookings SET start_at = $2::timestamptz, end_at = $3::timestamptz, "
          "updated_at = now() WHERE id = $1::uuid AND status = 'booked' RETURNING calendar_id",
          own.id, iso(w.start), iso(end));
      if (r.empty())
        return {say.pick("Dieser Termin ist bereits abgesagt.",
                         "That appointment is already cancelled."),
                {},
                {}};
      with_token(accounts_, call.user_id, ctx.token, ctx.deadline, [&](const std::string& t) {
        google_.move_event(t, r[0][0].as<std::string>(), own.event_id, w.start, end,
                           std::string(ctx.zone.name()),
                           ctx.deadline.left(settings_.google_timeout));
        return 0;
      });
      publish(tx, "appointment.rescheduled", own.id, own.agent_id, own.call_id, own.caller_name,
              w.start, end, &own);
      return {say.pick("Ihr Termin ist verschoben auf ", "Your appointment is moved to ") +
                  say.day(w.day) + say.pick(" um ", " at ") + say.clock(w.minutes) + ".",
              "rescheduled", own.id};
    });
  }
  throw Error(404, "unknown_tool", "Dieses Werkzeug gibt es hier nicht: " + tool);
}

http::Response Tools::execute(http::Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  ToolCall call;
  call.tool = in.required_string("tool", 64);
  call.call_id = in.optional_string("call_id", 100).value_or("");
  call.agent_id = in.required_string("agent_id", 100);
  call.user_id = in.required_string("user_id", 100);
  call.caller_number = in.optional_string("caller_number", 20);
  call.timezone = in.optional_string("timezone", 64).value_or("Europe/Berlin");
  call.language = in.optional_string("language", 8).value_or("de");
  const auto* args = in.optional_object("arguments");
  http::require_valid(in);
  auto started = std::chrono::steady_clock::now();
  // The tools that change the calendar keep their answers (a repeat must not book twice); the
  // others only read it, and a repeat that reaches us (telephony-webhook keeps every answer it
  // got, so only one whose first answer never arrived) looks again.
  static const std::set<std::string, std::less<>> changing = {
      "book_appointment", "reschedule_appointment", "cancel_appointment"};
  static const std::set<std::string, std::less<>> reading = {
      "check_availability", "check_conflicts", "find_next_free_slot"};
  bool keeps_answer = changing.contains(call.tool);
  if (!keeps_answer && !reading.contains(call.tool))
    throw Error(404, "unknown_tool", "Dieses Werkzeug gibt es hier nicht: " + call.tool);
  auto key = req.header("Idempotency-Key");
  if (!key || !http::is_plain_token(*key, 200))
    throw Error::bad_request("Idempotency-Key fehlt oder ist ungültig.");
  call.idempotency_key = std::string(*key);
  static const json::Value empty_object(rapidjson::kObjectType);
  const json::Value& a = args ? *args : empty_object;
  call.date = optional_text(a, "date", kMaxWordsLength);
  call.time = optional_text(a, "time", kMaxWordsLength);
  call.preference = optional_text(a, "preference", kMaxWordsLength);
  call.name = optional_text(a, "name", kMaxNameLength);
  if (!call.name)
    call.name = optional_text(a, "callerName", kMaxNameLength);
  call.new_date = optional_text(a, "new_date", kMaxWordsLength);
  call.new_time = optional_text(a, "new_time", kMaxWordsLength);

  // A repeated tool call gets the answer the first one got, and nothing runs twice.
  auto begin = start(call);
  if (!begin[0].is_null()) {
    tool_calls(call.tool, "repeat").inc();
    return http::Response::json(200, begin[0].as<std::string>());
  }

  ToolAnswer answer;
  try {
    answer = run(call, begin, Clock::now());
  } catch (const GoogleError& e) {
    log::warn("calendar tool failed at Google", {{"tool", call.tool},
                                                 {"user_id", call.user_id},
                                                 {"error", e.what()},
                                                 {"request_id", req.request_id}});
    tool_calls(call.tool, "google_failed").inc();
    throw Error(503, "calendar_unavailable", "Der Kalender ist gerade nicht erreichbar.");
  }
  json::Writer w;
  w.begin_object().field("result", answer.result);
  if (!answer.action.empty())
    w.key("appointment")
        .begin_object()
        .field("action", answer.action)
        .field("booking_id", answer.booking_id)
        .end_object();
  w.end_object();
  auto body = w.str();
  if (keeps_answer)
    pg::autocommit(db_, [&](pqxx::transaction_base& tx) {
      pg::exec_prepared(tx, kStoreAnswer, call.idempotency_key, call.user_id, call.tool, body);
    });
  tool_calls(call.tool, "answered").inc();
  tool_seconds().observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return http::Response::json(200, body);
}

int Tools::sweep_attempts() {
  auto open = pg::transact(db_, [&](pqxx::work& tx) {
    return tx.exec(
        "SELECT a.google_event_id, a.user_id, a.calendar_id, "
        "EXISTS (SELECT 1 FROM bookings b WHERE b.google_event_id = a.google_event_id) "
        "FROM booking_attempts a WHERE a.resolved_at IS NULL "
        "AND a.created_at < now() - interval '1 minute' ORDER BY a.created_at LIMIT 50");
  });
  int settled = 0;
  for (const auto& r : open) {
    auto event_id = r[0].as<std::string>();
    auto user_id = r[1].as<std::string>();
    if (!r[3].as<bool>()) {
      Deadline deadline(std::chrono::milliseconds(10'000));
      try {
        if (auto token = accounts_.access_token(user_id, deadline)) {
          google_.delete_event(*token, r[2].as<std::string>(), event_id,
                               deadline.left(settings_.google_timeout));
          log::info("removed a calendar event no booking claims", {{"user_id", user_id}});
        }
      } catch (const GoogleError& e) {
        log::warn("could not settle a booking attempt",
                  {{"user_id", user_id}, {"error", e.what()}});
        continue;  // next round
      }
    }
    pg::transact(db_, [&](pqxx::work& tx) {
      tx.exec_params("UPDATE booking_attempts SET resolved_at = now() WHERE google_event_id = $1",
                     event_id);
    });
    ++settled;
  }
  return settled;
}

}  // namespace kx::integrations
