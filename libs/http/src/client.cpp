// Boost 1.74's Asio uses std::exchange without including <utility> under C++20.
#include <utility>

#include "kx/http/client.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <charconv>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

namespace kx::http {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

namespace {

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;
  std::string address;  ///< connect here instead of resolving host, when set
  std::string origin() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

Url parse_url(const std::string& url) {
  Url u;
  std::string_view rest = url;
  if (rest.rfind("https://", 0) == 0) {
    u.tls = true;
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else {
    throw ClientError(ClientError::Kind::bad_url, "unsupported URL scheme: " + url);
  }
  auto slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (!u.target.empty() && u.target[0] == '?')
    u.target = "/" + u.target;
  if (authority.empty() || authority.find('@') != std::string_view::npos) {
    throw ClientError(ClientError::Kind::bad_url, "bad URL authority: " + url);
  }
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']') == std::string_view::npos) {
    u.host = std::string(authority.substr(0, colon));
    u.port = std::string(authority.substr(colon + 1));
  } else {
    u.host = std::string(authority);
    u.port = u.tls ? "443" : "80";
  }
  if (u.host.empty() || u.port.empty()) {
    throw ClientError(ClientError::Kind::bad_url, "bad URL: " + url);
  }
  return u;
}

struct Connection {
  // Beast reads as much as the buffer's free capacity, at least 512 bytes: from an empty buffer
  // the first answer on a connection would come in 512-byte reads.
  Connection() { buffer.reserve(8 * 1024); }
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
};

// Connections belong to the io_context of the thread that made them; each thread has its own.
struct ThreadState {
  net::io_context ioc;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
};

ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

// Runs one asynchronous operation to completion on this thread's io_context.
template <typename Start>
beast::error_code run_op(net::io_context& ioc, Start&& start) {
  beast::error_code result = net::error::would_block;
  bool done = false;
  start([&](beast::error_code ec, auto&&...) {
    result = ec;
    done = true;
  });
  ioc.restart();
  while (!done && ioc.run_one()) {
  }
  return result;
}

std::atomic<std::uint64_t> next_client_id{1};

}  // namespace

bool is_idempotent(const ClientRequest& r) {
  return r.method == "GET" || r.method == "HEAD" || r.method == "PUT" || r.method == "DELETE" ||
         r.method == "OPTIONS" || r.headers.has("Idempotency-Key");
}

namespace {

// The TLS settings of clients with these options, made when the first https connection needs
// them and shared by every such client of the process: the system's CA bundle parses into
// about 2.4 MiB, which each client used to hold from its start, although most only ever speak
// plain HTTP to the other services.
std::shared_ptr<ssl::context> tls_context(const ClientOptions& options) {
  static std::mutex mutex;
  static std::map<std::pair<std::string, bool>, std::shared_ptr<ssl::context>> contexts;
  std::lock_guard lock(mutex);
  auto& tls = contexts[{options.ca_file, options.verify_tls}];
  if (!tls) {
    tls = std::make_shared<ssl::context>(ssl::context::tls_client);
    tls->set_default_verify_paths();
    if (!options.ca_file.empty())
      tls->load_verify_file(options.ca_file);
    tls->set_verify_mode(options.verify_tls ? ssl::verify_peer : ssl::verify_none);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  }
  return tls;
}

}  // namespace

struct Client::Impl {
  ClientOptions options;
  std::once_flag tls_once;
  std::shared_ptr<ssl::context> tls;  ///< set by the first TLS connection (tls_once)
  std::string pool_prefix = std::to_string(next_client_id++) + "|";

  explicit Impl(ClientOptions o) : options(std::move(o)) {
    if (!options.ca_file.empty())  // a configured bundle that cannot be read fails at start
      std::call_once(tls_once, [&] { tls = tls_context(options); });
  }

  std::unique_ptr<Connection> connect(ThreadState& ts, const Url& url) {
    beast::error_code ec;
    std::vector<tcp::endpoint> results;
    if (url.address.empty()) {
      tcp::resolver resolver(ts.ioc);
      auto resolved = resolver.resolve(url.host, url.port, ec);
      if (ec) {
        throw ClientError(ClientError::Kind::connect,
                          "cannot resolve " + url.host + ": " + ec.message());
      }
      for (const auto& entry : resolved)
        results.push_back(entry.endpoint());
    } else {
      auto address = net::ip::make_address(url.address, ec);
      unsigned short port = 0;
      auto [end, err] = std::from_chars(url.port.data(), url.port.data() + url.port.size(), port);
      if (ec || err != std::errc() || end != url.port.data() + url.port.size())
        throw ClientError(ClientError::Kind::bad_url,
                          "bad connect address or port: " + url.address);
      results.emplace_back(address, port);
    }
    auto conn = std::make_unique<Connection>();
    if (url.tls) {
      std::call_once(tls_once, [&] { tls = tls_context(options); });
      conn->secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ts.ioc, *tls);
    } else {
      conn->plain = std::make_unique<beast::tcp_stream>(ts.ioc);
    }
    auto& low = conn->lowest();
    low.expires_after(options.connect_timeout);
    ec = run_op(ts.ioc, [&](auto handler) {
      low.async_connect(
          results, [handler](beast::error_code e, const tcp::endpoint&) mutable { handler(e); });
    });
    if (ec) {
      throw ClientError(
          ec == beast::error::timeout ? ClientError::Kind::timeout : ClientError::Kind::connect,
          "cannot connect to " + url.origin() + ": " + ec.message());
    }
    low.socket().set_option(tcp::no_delay(true), ec);
    if (url.tls) {
      if (!SSL_set_tlsext_host_name(conn->secure->native_handle(), url.host.c_str())) {
        throw ClientError(ClientError::Kind::tls, "cannot set TLS server name");
      }
      if (options.verify_tls)
        conn->secure->set_verify_callback(ssl::host_name_verification(url.host));
      ec = run_op(ts.ioc, [&](auto handler) {
        conn->secure->async_handshake(ssl::stream_base::client, handler);
      });
      if (ec) {
        throw ClientError(ClientError::Kind::tls,
                          "TLS handshake with " + url.origin() + " failed: " + ec.message());
      }
    }
    return conn;
  }

  // One exchange on one connection. Returns nullopt when a reused connection turned out to be
  // closed by the server before it answered (safe to retry on a fresh one).
  std::optional<Response> exchange(ThreadState& ts, Connection& conn, const Url& url,
                                   const ClientRequest& request, bool reused, bool& keep) {
    bhttp::request<bhttp::string_body> req;
    req.method_string(request.method);
    req.target(url.target);
    req.version(11);
    req.set(bhttp::field::host, url.host);
    req.set(bhttp::field::user_agent, "kametrix/1");
    for (const auto& [k, v] : request.headers.all())
      req.set(k, v);
    req.body() = request.body;
    req.keep_alive(true);
    req.prepare_payload();

    auto timeout = request.timeout.value_or(options.request_timeout);
    conn.lowest().expires_after(timeout);
    auto ec = run_op(ts.ioc, [&](auto handler) {
      if (conn.secure) {
        bhttp::async_write(*conn.secure, req, handler);
      } else {
        bhttp::async_write(*conn.plain, req, handler);
      }
    });
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.max_response_body);
    if (!ec) {
      ec = run_op(ts.ioc, [&](auto handler) {
        if (conn.secure) {
          bhttp::async_read(*conn.secure, conn.buffer, parser, handler);
        } else {
          bhttp::async_read(*conn.plain, conn.buffer, parser, handler);
        }
      });
    }
    if (ec) {
      bool stale = reused && !parser.got_some() &&
                   (ec == bhttp::error::end_of_stream || ec == net::error::connection_reset ||
                    ec == net::error::broken_pipe || ec == net::error::eof);
      if (stale)
        return std::nullopt;
      if (ec == beast::error::timeout) {
        throw ClientError(ClientError::Kind::timeout, "no answer from " + url.origin() +
                                                          " within " +
                                                          std::to_string(timeout.count()) + " ms");
      }
      throw ClientError(ClientError::Kind::protocol,
                        "request to " + url.origin() + " failed: " + ec.message());
    }
    auto msg = parser.release();
    keep = msg.keep_alive();
    Response res;
    res.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg) {
      res.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    res.body = std::move(msg.body());
    return res;
  }

  Response attempt(const Url& url, const ClientRequest& request) {
    auto& ts = thread_state();
    auto key = pool_prefix + url.origin() + "@" + url.address;
    for (int tries = 0; tries < 2; ++tries) {
      std::unique_ptr<Connection> conn;
      bool reused = false;
      auto& idle = ts.idle[key];
      if (!idle.empty() && tries == 0) {
        conn = std::move(idle.back());
        idle.pop_back();
        reused = true;
      } else {
        conn = connect(ts, url);
      }
      bool keep = false;
      auto res = exchange(ts, *conn, url, request, reused, keep);
      if (!res)
        continue;
      if (keep && idle.size() < options.max_idle_per_origin) {
        conn->lowest().expires_never();
        idle.push_back(std::move(conn));
      }
      return std::move(*res);
    }
    throw ClientError(ClientError::Kind::protocol, "connection closed by " + url.origin());
  }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;

Response Client::send(const ClientRequest& request) {
  Url url = parse_url(request.url);
  url.address = request.connect_address;
  int retries = is_idempotent(request) ? impl_->options.max_retries : 0;
  auto delay = impl_->options.backoff;
  thread_local std::mt19937 rng(std::random_device{}());
  for (int attempt = 0;; ++attempt) {
    try {
      Response res = impl_->attempt(url, request);
      bool retryable = res.status == 502 || res.status == 503 || res.status == 504;
      if (!retryable || attempt >= retries)
        return res;
    } catch (const ClientError& e) {
      if (e.kind() == ClientError::Kind::bad_url || e.kind() == ClientError::Kind::tls ||
          attempt >= retries) {
        throw;
      }
    }
    // Full jitter keeps retrying clients from hitting a recovering server in lockstep.
    std::uniform_int_distribution<long> jitter(delay.count() / 2, delay.count());
    std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
    delay *= 2;
  }
}

Response Client::get(const std::string& url, Headers headers) {
  ClientRequest r;
  r.url = url;
  r.headers = std::move(headers);
  return send(r);
}

Response Client::post_json(const std::string& url, std::string body, Headers headers) {
  ClientRequest r;
  r.method = "POST";
  r.url = url;
  r.headers = std::move(headers);
  if (!r.headers.has("Content-Type"))
    r.headers.set("Content-Type", "application/json");
  r.body = std::move(body);
  return send(r);
}

}  // namespace kx::http
