// kx-dev-broker: a Kafka broker for development and tests, without Kafka.
// librdkafka's mock cluster speaks the real protocol but keeps data in memory and offers no way to
// create topics over the wire, so this program creates every event topic (and its .dlq) up front.

#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "mock_kafka.hpp"

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kUsage = R"(usage: kx-dev-broker [options]

Runs librdkafka's in-memory mock Kafka cluster on 127.0.0.1 (random ports) with the event topics
created, until SIGINT or SIGTERM. Data is lost when it exits.

  --schemas DIR          create topic <type> for every DIR/<type>.v<N>.json (proto-schemas/events)
  --topic NAME           create topic NAME as well (repeatable)
  --partitions N         partitions per topic (default 3)
  --brokers N            number of mock brokers (default 1)
  --bootstrap-file PATH  write the bootstrap servers here once every topic exists; removed on exit
  -h, --help             show this text

Every topic T also gets T.dlq. At least one of --schemas or --topic is required.
Clients: use the bootstrap servers from the file or the JSON line on stdout. Consumers should use a
short session timeout (session.timeout.ms=6000) so a restarted service gets its partitions back
quickly.

Exit status: 0 after a signal, 1 if the cluster cannot be set up, 2 on bad arguments or schemas.
)";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Options {
  std::optional<fs::path> schemas;
  std::vector<std::string> topics;
  int partitions = 3;
  int brokers = 1;
  std::optional<fs::path> bootstrap_file;
};

int parse_count(std::string_view flag, std::string_view text, int max) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > max) {
    throw UsageError(std::string(flag) + " must be a number from 1 to " + std::to_string(max));
  }
  return value;
}

Options parse_args(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "-h" || flag == "--help") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (i + 1 >= argc) {
      throw UsageError("missing value for " + std::string(flag));
    }
    std::string_view value = argv[++i];
    if (flag == "--schemas") {
      options.schemas = fs::path(value);
    } else if (flag == "--topic") {
      options.topics.emplace_back(value);
    } else if (flag == "--partitions") {
      options.partitions = parse_count(flag, value, 1000);
    } else if (flag == "--brokers") {
      options.brokers = parse_count(flag, value, 16);
    } else if (flag == "--bootstrap-file") {
      options.bootstrap_file = fs::path(value);
    } else {
      throw UsageError("unknown option " + std::string(flag));
    }
  }
  if (!options.schemas && options.topics.empty()) {
    throw UsageError("give --schemas DIR or --topic NAME");
  }
  return options;
}

// Kafka's own rule for topic names, minus room for the ".dlq" suffix.
void check_topic_name(const std::string& topic) {
  static const std::regex kLegal("[A-Za-z0-9._-]{1,245}");
  if (!std::regex_match(topic, kLegal) || topic == "." || topic == "..") {
    throw UsageError("illegal topic name '" + topic + "'");
  }
}

// Topic names in sorted order: one per schema file type, every --topic, and the .dlq of each.
std::set<std::string> topics_to_create(const Options& options) {
  std::set<std::string> topics(options.topics.begin(), options.topics.end());
  if (options.schemas) {
    static const std::regex kSchemaFile(R"((.+)\.v[1-9][0-9]*\.json)");
    std::size_t schema_files = 0;
    std::error_code ec;
    fs::directory_iterator it(*options.schemas, ec);
    if (ec) {
      throw UsageError("cannot read " + options.schemas->string() + ": " + ec.message());
    }
    for (const fs::directory_entry& entry : it) {
      std::smatch match;
      const std::string name = entry.path().filename().string();
      if (entry.is_regular_file(ec) && std::regex_match(name, match, kSchemaFile)) {
        topics.insert(match[1].str());
        ++schema_files;
      }
    }
    if (schema_files == 0) {
      throw UsageError("no <type>.v<N>.json schemas in " + options.schemas->string());
    }
  }
  std::set<std::string> with_dlq;
  for (const std::string& topic : topics) {
    check_topic_name(topic);
    with_dlq.insert(topic);
    // A .dlq topic named on the command line does not get a .dlq.dlq.
    if (!topic.ends_with(".dlq")) {
      with_dlq.insert(topic + ".dlq");
    }
  }
  return with_dlq;
}

// Readers poll for the file, so it must never be seen half-written.
void write_atomically(const fs::path& path, const std::string& content) {
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << content << '\n';
    out.close();
    if (!out) {
      throw std::runtime_error("cannot write " + tmp.string());
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw std::runtime_error("cannot rename to " + path.string() + ": " + ec.message());
  }
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

int run(const Options& options, const std::set<std::string>& topics) {
  // Block the stop signals before librdkafka starts its threads, so they inherit the mask and
  // sigwait() below is the only place the signals are delivered.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Both throw std::runtime_error if the cluster or a topic cannot be set up; main() reports it
  // and exits 1.
  std::optional<kx::devbroker::MockKafka> kafka(std::in_place, options.brokers);
  for (const std::string& topic : topics) {
    kafka->create_topic(topic, options.partitions);
  }
  const std::string bootstrap = kafka->bootstrap();

  if (options.bootstrap_file) {
    try {
      write_atomically(*options.bootstrap_file, bootstrap);
    } catch (const std::exception& e) {
      std::cerr << "kx-dev-broker: " << e.what() << '\n';
      return 1;
    }
  }
  std::cout << R"({"level":"info","msg":"dev broker ready","bootstrap":)" << json_string(bootstrap)
            << R"(,"topics":)" << topics.size() << R"(,"partitions":)" << options.partitions
            << R"(,"brokers":)" << options.brokers << "}" << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);

  // The file goes first, so nobody picks up the address of a broker that is going away.
  if (options.bootstrap_file) {
    std::error_code ignored;
    fs::remove(*options.bootstrap_file, ignored);
  }
  kafka.reset();
  std::cout << R"({"level":"info","msg":"dev broker stopped","signal":)" << signal_number << "}"
            << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  std::set<std::string> topics;
  try {
    options = parse_args(argc, argv);
    topics = topics_to_create(options);
  } catch (const UsageError& e) {
    std::cerr << "kx-dev-broker: " << e.what() << "\n\n" << kUsage;
    return 2;
  } catch (const fs::filesystem_error& e) {
    std::cerr << "kx-dev-broker: " << e.what() << '\n';
    return 2;
  }
  try {
    return run(options, topics);
  } catch (const std::exception& e) {
    std::cerr << "kx-dev-broker: " << e.what() << '\n';
    return 1;
  }
}
