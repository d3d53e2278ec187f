#include "kx/log/log.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <stdexcept>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "kx/json/json.hpp"

namespace kx::log {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The names LOG_LEVEL accepts, so a log line's level can be fed back into the setting.
const char* level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    default:
      return "error";
  }
}

// Writes ts, level and service around the pre-rendered JSON fields of the message.
class JsonFormatter final : public spdlog::formatter {
 public:
  explicit JsonFormatter(std::string service) : service_(std::move(service)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string ts = json::utc_timestamp(msg.time);
    std::string head = std::string("{\"ts\":\"") + ts + "\",\"level\":\"" + level_name(msg.level) +
                       "\",\"service\":\"" + service_ + "\",";
    dest.append(head.data(), head.data() + head.size());
    // The payload is an object's inside, rendered by format_fields without its braces.
    dest.append(msg.payload.data(), msg.payload.data() + msg.payload.size());
    dest.push_back('}');
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>(service_);
  }

 private:
  std::string service_;
};

spdlog::level::level_enum to_spd(Level level) {
  switch (level) {
    case Level::debug:
      return spdlog::level::debug;
    case Level::info:
      return spdlog::level::info;
    case Level::warn:
      return spdlog::level::warn;
    case Level::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

bool is_secret_key(std::string_view key) {
  static const char* const kMarkers[] = {"password", "passwd",        "secret",    "token",
                                         "cookie",   "authorization", "signature", "api_key",
                                         "apikey",   "private",       "credential"};
  std::string k = lower(key);
  if (k == "key" || (k.size() > 4 && k.compare(k.size() - 4, 4, "_key") == 0))
    return true;
  for (const char* m : kMarkers) {
    if (k.find(m) != std::string::npos)
      return true;
  }
  return false;
}

std::string scrub(std::string_view text) {
  static const std::regex kPatterns[] = {
      std::regex(R"((bearer|basic)\s+[A-Za-z0-9._~+/=-]+)", std::regex::icase),
      std::regex(R"(((password|passwd|secret|token|api[_-]?key|cookie|signature|authorization)"
                 R"([A-Za-z_-]*)\s*[=:]\s*)("[^"]*"|[^\s,;&]+))",
                 std::regex::icase),
      std::regex(R"(\$argon2(id|i|d)\$[^\s"]+)"),
      std::regex(R"((sk|rk|whsec)_(live|test)?_?[A-Za-z0-9]{6,})"),
  };
  std::string out(text);
  out = std::regex_replace(out, kPatterns[0], "$1 [redacted]");
  out = std::regex_replace(out, kPatterns[1], "$1[redacted]");
  out = std::regex_replace(out, kPatterns[2], "[redacted]");
  out = std::regex_replace(out, kPatterns[3], "[redacted]");
  return out;
}

std::string format_fields(std::string_view msg, Fields fields) {
  json::Writer w;
  w.begin_object();
  w.field("msg", scrub(msg));
  for (const Field& f : fields) {
    w.key(f.key);
    if (is_secret_key(f.key)) {
      w.value("[redacted]");
      continue;
    }
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string_view>) {
            w.value(scrub(v));
          } else {
            w.value(v);
          }
        },
        f.value);
  }
  w.end_object();
  return w.str();
}

void init(std::string service, std::string_view level, const Output& output) {
  spdlog::drop("kx");
  std::shared_ptr<spdlog::logger> logger;
  try {
    logger = output.file.empty()
                 ? spdlog::stdout_logger_mt("kx")
                 : spdlog::rotating_logger_mt("kx", output.file, output.max_bytes, output.keep);
  } catch (const spdlog::spdlog_ex& e) {
    throw std::runtime_error("cannot open the log file " + output.file + ": " + e.what());
  }
  logger->set_formatter(std::make_unique<JsonFormatter>(std::move(service)));
  auto lvl = level == "warn" ? spdlog::level::warn : spdlog::level::from_str(std::string(level));
  logger->set_level(lvl == spdlog::level::off ? spdlog::level::info : lvl);
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

void log(Level level, std::string_view msg, Fields fields) {
  auto* logger = spdlog::default_logger_raw();
  auto spd = to_spd(level);
  if (!logger->should_log(spd))
    return;
  std::string body = format_fields(msg, fields);
  // Strip the braces: the formatter wraps the fields together with ts, level and service.
  logger->log(spd, std::string_view(body).substr(1, body.size() - 2));
}

}  // namespace kx::log
