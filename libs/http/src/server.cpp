// Boost 1.74's Asio uses std::exchange without including <utility> under C++20.
#include <utility>

#include "kx/http/server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"

namespace kx::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// A client-chosen request id is kept only if it is short and plain, so it is safe in logs.
std::string request_id_from(const Headers& headers) {
  if (auto id = headers.get("X-Request-Id"); id && is_plain_token(*id, 128))
    return std::string(*id);
  return crypto::uuid_v4();
}

Response error_response(const Error& e, const std::string& request_id) {
  return Response::json(e.status(), error_body(e, request_id));
}

Response check_access(const Route& route, const ServerOptions& options, Request& req) {
  if (route.options.access == Access::open)
    return {};
  if (!options.identity) {
    throw Error(500, "internal_error", "Interner Fehler.");
  }
  auto identity = options.identity->verify(req.headers, req.method, req.target, req.request_id);
  if (!identity) {
    throw Error(401, "invalid_internal_signature",
                "Die Anfrage muss über das Gateway gestellt werden.");
  }
  req.identity = *identity;
  switch (route.options.access) {
    case Access::user:
      if (identity->user_id.empty() || identity->is_service())
        throw Error::unauthorized();
      break;
    case Access::admin:
      if (identity->user_id.empty())
        throw Error::unauthorized();
      if (!identity->is_admin())
        throw Error::forbidden();
      break;
    case Access::service:
      if (!identity->is_service())
        throw Error::forbidden();
      break;
    case Access::anonymous:
    case Access::open:
      break;
  }
  return {};
}

}  // namespace

Response dispatch(const Router& router, const ServerOptions& options, Request& req) {
  Response response;
  try {
    Match m = router.match(req.method, req.path);
    if (!m.route) {
      if (!m.allowed.empty()) {
        std::string allow;
        for (const auto& a : m.allowed)
          allow += (allow.empty() ? "" : ", ") + a;
        response = error_response(
            Error(405, "method_not_allowed",
                  "Die Methode " + req.method + " ist für diesen Pfad nicht erlaubt."),
            req.request_id);
        response.headers.set("Allow", allow);
      } else {
        response =
            error_response(Error(404, "not_found", "Diese Adresse gibt es nicht."), req.request_id);
      }
    } else {
      req.params = std::move(m.params);
      check_access(*m.route, options, req);
      response = m.route->handler(req);
    }
  } catch (const Error& e) {
    if (e.status() >= 500) {
      log::error("request failed", {{"request_id", req.request_id}, {"error", e.what()}});
    }
    response = error_response(e, req.request_id);
  } catch (const json::ParseError& e) {
    response =
        error_response(Error::invalid_json("Der Inhalt ist kein gültiges JSON."), req.request_id);
  } catch (const std::exception& e) {
    // The detail goes to the log only: it may contain SQL or internals.
    log::error("unhandled error in handler",
               {{"request_id", req.request_id}, {"path", req.path}, {"error", e.what()}});
    response =
        error_response(Error(500, "internal_error",
                             "Ein interner Fehler ist aufgetreten. Bitte später erneut versuchen."),
                       req.request_id);
  }
  response.headers.set("X-Request-Id", req.request_id);
  if (options.on_response)
    options.on_response(req, response);
  return response;
}

class Session;

struct Server::Impl {
  ServerOptions options;
  Router router;
  // Declared before the io_context: sessions destroyed with it still deregister here.
  std::mutex mutex;
  std::condition_variable stopped_cv;
  bool stopped = false;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  /// Open connections per client address (only counted with max_connections_per_address).
  std::unordered_map<std::string, std::size_t> per_address;
  std::unordered_map<Session*, std::string> session_address;
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> guard;
  tcp::acceptor acceptor{ioc};
  std::unique_ptr<net::thread_pool> workers;
  std::vector<std::thread> io_threads;
  std::optional<net::signal_set> signals;
  net::steady_timer drain_timer{ioc};

  std::atomic<bool> draining{false};
  std::atomic<bool> started{false};
  RequestLogSampler request_log;

  Impl(ServerOptions o, Router r)
      : options(std::move(o)),
        router(std::move(r)),
        request_log(options.log_sample_every, options.slow_request) {}

  void accept();
  /// False (and nothing recorded) when the address already has its maximum of connections.
  bool add_session(const std::shared_ptr<Session>& s, const std::string& address);
  void remove_session(Session* s);
  void begin_drain();
  void finish();
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server)
      : stream_(std::move(socket)), buffer_(64 * 1024), server_(server) {
    // Beast reads as much as the buffer's free capacity, at least 512 bytes: from an empty
    // buffer a new connection's first request would come in 512-byte reads (a webhook of a few
    // KB in several system calls and completions).
    buffer_.reserve(kFirstRead);
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec)
      remote_ = ep.address().to_string();
  }
  ~Session() { server_.remove_session(this); }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
  }

  // Called on stop(): an idle connection is closed now; a busy one closes after its response;
  // a stream ends (its clients reconnect to another replica).
  void close_if_idle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->streaming_)
        self->end_stream();
      else if (!self->in_flight_)
        self->close();
    });
  }

  // Called by SessionSink from any thread.
  void stream_send(std::string bytes) {
    net::post(stream_.get_executor(), [self = shared_from_this(), b = std::move(bytes)]() mutable {
      self->enqueue(std::move(b));
    });
  }
  void stream_close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->close_after_queue_ = true;
      if (!self->writing_)
        self->end_stream();
    });
  }
  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

 private:
  void read_header() {
    if (server_.draining)
      return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.header_limit));
    // Beast would compare Content-Length with the body limit while parsing the header; the
    // route's limit is applied once the header tells which route this is.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    stream_.expires_after(server_.options.idle_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) {
      if (ec == bhttp::error::header_limit) {
        return reply_and_close(431, "header_too_large", "Die Kopfzeilen sind zu groß.");
      }
      if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
          ec == net::error::operation_aborted || ec == net::error::connection_reset ||
          ec == net::error::eof) {
        return close();
      }
      return reply_and_close(400, "bad_request", "Die Anfrage ist kein gültiges HTTP.");
    }
    in_flight_ = true;
    started_ = Clock::now();
    const auto& header = parser_->get();
    std::string target(header.target());
    std::string_view path_raw = std::string_view(target).substr(0, target.find('?'));
    Match m = server_.router.match(std::string(header.method_string()), percent_decode(path_raw));
    std::size_t limit = m.route ? m.route->options.max_body : server_.options.unmatched_body_limit;
    route_ = m.route ? m.route->pattern : std::string("unmatched");
    auto length = parser_->content_length();
    if (length && *length > limit) {
      return reply_and_close(
          413, "payload_too_large",
          "Der Inhalt ist zu groß (höchstens " + std::to_string(limit) + " Bytes).");
    }
    parser_->body_limit(limit);
    if (parser_->is_done())
      return on_body({});
    stream_.expires_after(server_.options.read_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
  }

  void on_body(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return reply_and_close(413, "payload_too_large", "Der Inhalt ist zu groß.");
    }
    if (ec)
      return close();
    stream_.expires_never();
    auto msg = parser_->release();
    auto req = std::make_shared<Request>();
    req->method = std::string(msg.method_string());
    req->target = std::string(msg.target());
    auto q = req->target.find('?');
    req->path = percent_decode(std::string_view(req->target).substr(0, q));
    if (q != std::string::npos)
      req->query = req->target.substr(q + 1);
    for (const auto& field : msg) {
      req->headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    req->body = std::move(msg.body());
    req->remote_address = remote_;
    req->request_id = request_id_from(req->headers);
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    // The handler may block, so it runs on the worker pool, never on an I/O thread.
    net::post(*server_.workers, [self = shared_from_this(), req] {
      Response res = dispatch(self->server_.router, self->server_.options, *req);
      net::post(self->stream_.get_executor(),
                [self, req, res = std::move(res)]() mutable { self->write(*req, std::move(res)); });
    });
  }

  void reply_and_close(int status, const char* code, std::string message) {
    Request req;
    req.request_id = crypto::uuid_v4();
    req.remote_address = remote_;
    if (parser_) {
      req.method = std::string(parser_->get().method_string());
      req.target = std::string(parser_->get().target());
      req.path = req.target.substr(0, req.target.find('?'));
    }
    Response res =
        Response::json(status, error_body(Error(status, code, std::move(message)), req.request_id));
    res.headers.set("X-Request-Id", req.request_id);
    if (server_.options.on_response)
      server_.options.on_response(req, res);
    keep_alive_ = false;
    in_flight_ = true;
    if (started_ == Clock::time_point{})
      started_ = Clock::now();
    write(req, std::move(res));
  }

  void write(const Request& req, Response res) {
    if (res.stream && res.status == 200 && req.method == "GET")
      return write_stream(req, std::move(res));
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>();
    out->version(version_);
    out->result(static_cast<unsigned>(res.status));
    for (const auto& [k, v] : res.headers.all())
      out->insert(k, v);
    if (req.method != "HEAD")
      out->body() = std::move(res.body);
    out->keep_alive(keep_alive_ && !server_.draining);
    out->prepare_payload();
    auto bytes = out->body().size();
    auto status = res.status;
    auto elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
    stream_.expires_after(server_.options.read_timeout);
    bhttp::async_write(
        stream_, *out,
        [self = shared_from_this(), out, method = req.method, path = req.path, rid = req.request_id,
         bytes, status, elapsed](beast::error_code ec, std::size_t) {
          self->after_write(ec, out->keep_alive(), method, path, rid, bytes, status, elapsed);
        });
  }

  void after_write(beast::error_code ec, bool keep_alive, const std::string& method,
                   const std::string& path, const std::string& rid, std::size_t bytes, int status,
                   double elapsed) {
    auto& registry = metrics::Registry::global();
    registry
        .counter("kx_http_requests_total", "HTTP requests answered.",
                 {{"method", method}, {"route", route_}, {"status", std::to_string(status)}})
        .inc();
    registry
        .histogram("kx_http_request_duration_seconds", "Time from request header to response.",
                   {{"route", route_}})
        .observe(elapsed);
    const auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double>(elapsed));
    if (server_.request_log.should_log(status, took, rid))
      log::info("request", {{"request_id", rid},
                            {"method", method},
                            {"path", path},
                            {"status", status},
                            {"duration_ms", elapsed * 1000.0},
                            {"bytes", bytes},
                            {"remote", remote_}});
    in_flight_ = false;
    started_ = {};
    if (ec)
      return close();
    if (!keep_alive)
      return linger_and_close();
    read_header();
  }

  // A streamed response: the header now, then whatever the producer sends through the sink.
  // The client sends nothing more on this connection, so any read completion (EOF, reset)
  // means it has gone away.
  void write_stream(const Request& req, Response res) {
    streaming_ = true;
    stream_.expires_never();
    std::string head = "HTTP/1.1 200 OK\r\n";
    for (const auto& [k, v] : res.headers.all())
      head += k + ": " + v + "\r\n";
    head += "Connection: close\r\n\r\n";
    auto elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
    metrics::Registry::global()
        .counter("kx_http_requests_total", "HTTP requests answered.",
                 {{"method", req.method}, {"route", route_}, {"status", "200"}})
        .inc();
    log::info("request", {{"request_id", req.request_id},
                          {"method", req.method},
                          {"path", req.path},
                          {"status", 200},
                          {"duration_ms", elapsed * 1000.0},
                          {"stream", true},
                          {"remote", remote_}});
    sink_ = std::make_shared<SessionSink>(weak_from_this());
    enqueue(std::move(head));
    stream_.async_read_some(
        net::buffer(drain_buffer_),
        [self = shared_from_this()](beast::error_code, std::size_t) { self->end_stream(); });
    net::post(*server_.workers, [producer = std::move(res.stream), sink = sink_, req] {
      try {
        producer(sink);
      } catch (const std::exception& e) {
        log::error("stream producer failed", {{"request_id", req.request_id}, {"error", e.what()}});
        sink->close();
      }
    });
  }

  void enqueue(std::string bytes) {
    if (!streaming_ || stream_ended_)
      return;
    queued_bytes_ += bytes.size();
    // A client that does not read would make the queue grow without bound.
    if (queued_bytes_ > kMaxQueuedStreamBytes)
      return end_stream();
    queue_.push_back(std::move(bytes));
    if (!writing_)
      write_next();
  }

  void write_next() {
    writing_ = true;
    net::async_write(stream_, net::buffer(queue_.front()),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->writing_ = false;
                       if (self->stream_ended_) {
                         self->queue_.clear();
                         return;
                       }
                       self->queued_bytes_ -= self->queue_.front().size();
                       self->queue_.pop_front();
                       if (ec)
                         return self->end_stream();
                       if (!self->queue_.empty())
                         return self->write_next();
                       if (self->close_after_queue_)
                         self->end_stream();
                     });
  }

  void end_stream() {
    if (stream_ended_)
      return;
    stream_ended_ = true;
    if (sink_)
      sink_->ended();
    // A write in progress still reads the front buffer; its handler clears the queue.
    if (!writing_)
      queue_.clear();
    in_flight_ = false;
    close();
  }

  // The handler's handle on a streamed response; it outlives the session harmlessly.
  class SessionSink : public StreamSink {
   public:
    explicit SessionSink(std::weak_ptr<Session> session) : session_(std::move(session)) {}
    bool send(std::string bytes) override {
      if (!open_)
        return false;
      auto s = session_.lock();
      if (!s) {
        open_ = false;
        return false;
      }
      s->stream_send(std::move(bytes));
      return true;
    }
    void close() override {
      if (open_.exchange(false)) {
        if (auto s = session_.lock())
          s->stream_close();
      }
    }
    bool is_open() const override { return open_; }
    void ended() { open_ = false; }

   private:
    std::weak_ptr<Session> session_;
    std::atomic<bool> open_{true};
  };
  static constexpr std::size_t kMaxQueuedStreamBytes = 1024 * 1024;
  static constexpr std::size_t kFirstRead = 8 * 1024;

  // After a response that ends the connection (e.g. 413 before the body was read), stop
  // sending but read and drop what the client still sends for a moment, so the client gets to
  // read the response instead of failing with a broken pipe or a reset.
  void linger_and_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec)
      return close();
    stream_.expires_after(std::chrono::seconds(2));
    linger_budget_ = 16 * 1024 * 1024;
    drain();
  }
  void drain() {
    stream_.async_read_some(net::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec || n >= self->linger_budget_)
                                return self->close();
                              self->linger_budget_ -= n;
                              self->drain();
                            });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  Server::Impl& server_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string remote_;
  std::string route_ = "unmatched";
  bool keep_alive_ = false;
  bool in_flight_ = false;
  unsigned version_ = 11;
  Clock::time_point started_{};
  std::array<char, 16 * 1024> drain_buffer_{};
  std::size_t linger_budget_ = 0;
  // Streamed responses (touched only on the session's strand).
  bool streaming_ = false;
  bool stream_ended_ = false;
  bool writing_ = false;
  bool close_after_queue_ = false;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  std::shared_ptr<SessionSink> sink_;
};

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open())
        return;
      log::warn("accept failed", {{"error", ec.message()}});
    } else if (!draining) {
      beast::error_code peer_ec;
      auto peer = socket.remote_endpoint(peer_ec);
      std::string address = peer_ec ? std::string() : peer.address().to_string();
      auto session = std::make_shared<Session>(std::move(socket), *this);
      if (add_session(session, address)) {
        session->start();
      } else {
        // Over the cap: closed at once, before a byte is read, so idle or slow connections from
        // one address cannot use up the server's sockets and memory.
        static auto& refused = metrics::Registry::global().counter(
            "kx_http_connections_refused_total",
            "Connections closed at once because their address had too many open");
        refused.inc();
        session->close();
      }
    }
    if (!draining)
      accept();
  });
}

bool Server::Impl::add_session(const std::shared_ptr<Session>& s, const std::string& address) {
  std::lock_guard lock(mutex);
  if (const auto cap = options.max_connections_per_address; cap > 0 && !address.empty()) {
    auto& open = per_address[address];
    if (open >= cap)
      return false;
    ++open;
    session_address[s.get()] = address;
  }
  sessions[s.get()] = s;
  return true;
}

void Server::Impl::remove_session(Session* s) {
  bool last = false;
  {
    std::lock_guard lock(mutex);
    sessions.erase(s);
    if (auto it = session_address.find(s); it != session_address.end()) {
      if (auto open = per_address.find(it->second);
          open != per_address.end() && --open->second == 0)
        per_address.erase(open);
      session_address.erase(it);
    }
    last = sessions.empty() && draining;
  }
  if (last)
    net::post(ioc, [this] { finish(); });
}

void Server::Impl::begin_drain() {
  beast::error_code ec;
  acceptor.close(ec);
  if (signals)
    signals->cancel(ec);
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mutex);
    for (auto& [ptr, weak] : sessions) {
      if (auto s = weak.lock())
        live.push_back(std::move(s));
    }
  }
  if (live.empty())
    return finish();
  for (auto& s : live)
    s->close_if_idle();
  drain_timer.expires_after(options.drain_timeout);
  drain_timer.async_wait([this](beast::error_code timer_ec) {
    if (timer_ec)
      return;
    log::warn("drain timeout reached; closing remaining connections");
    std::vector<std::shared_ptr<Session>> rest;
    {
      std::lock_guard lock(mutex);
      for (auto& [ptr, weak] : sessions) {
        if (auto s = weak.lock())
          rest.push_back(std::move(s));
      }
    }
    for (auto& s : rest)
      net::post(ioc, [s] { s->close(); });
    finish();
  });
}

void Server::Impl::finish() {
  std::lock_guard lock(mutex);
  if (stopped)
    return;
  stopped = true;
  drain_timer.cancel();
  guard.reset();
  ioc.stop();
  stopped_cv.notify_all();
}

Server::Server(ServerOptions options, Router router)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router))) {
  auto* impl = impl_.get();
  impl->router.add("GET", "/healthz",
                   [](Request&) { return Response::json(200, R"({"status":"ok"})"); },
                   {.max_body = 0, .access = Access::open});
  impl->router.add(
      "GET", "/readyz",
      [impl](Request&) {
        std::string reason;
        if (impl->draining)
          reason = "shutting down";
        else if (impl->options.readiness && !impl->options.readiness(reason) && reason.empty())
          reason = "dependency unavailable";
        if (!reason.empty()) {
          json::Writer w;
          w.begin_object().field("status", "not_ready");
          if (!impl->options.public_edge)
            w.field("reason", reason);
          w.end_object();
          return Response::json(503, w.str());
        }
        return Response::json(200, R"({"status":"ready"})");
      },
      {.max_body = 0, .access = Access::open});
  if (impl->options.public_edge)
    return;
  impl->router.add("GET", "/metrics",
                   [](Request&) {
                     return Response::text(200, metrics::Registry::global().render(),
                                           "text/plain; version=0.0.4");
                   },
                   {.max_body = 0, .access = Access::open});
}

Server::~Server() {
  if (impl_->started && !impl_->stopped) {
    stop();
    wait();
  }
}

std::uint16_t Server::start() {
  auto& o = impl_->options;
  tcp::endpoint endpoint(net::ip::make_address(o.host), o.port);
  beast::error_code ec;
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec)
    impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec)
    impl_->acceptor.bind(endpoint, ec);
  if (!ec)
    impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " +
                             ec.message());
  }
  auto port = impl_->acceptor.local_endpoint().port();
  impl_->workers = std::make_unique<net::thread_pool>(std::max<std::size_t>(1, o.worker_threads));
  impl_->guard.emplace(impl_->ioc.get_executor());
  impl_->accept();
  impl_->started = true;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, o.io_threads); ++i) {
    impl_->io_threads.emplace_back([this] { impl_->ioc.run(); });
  }
  log::info("listening", {{"host", o.host}, {"port", static_cast<int>(port)}});
  return port;
}

void Server::stop() {
  if (impl_->draining.exchange(true))
    return;
  log::info("shutting down: draining connections");
  net::post(impl_->ioc, [impl = impl_.get()] { impl->begin_drain(); });
}

bool Server::draining() const {
  return impl_->draining;
}

void Server::wait() {
  {
    std::unique_lock lock(impl_->mutex);
    impl_->stopped_cv.wait(lock, [&] { return impl_->stopped; });
  }
  for (auto& t : impl_->io_threads) {
    if (t.joinable())
      t.join();
  }
  if (impl_->workers)
    impl_->workers->join();
}

void Server::run_until_signal() {
  impl_->signals.emplace(impl_->ioc, SIGINT, SIGTERM);
  impl_->signals->async_wait([this](beast::error_code ec, int signal) {
    if (ec)
      return;
    log::info("signal received", {{"signal", signal}});
    stop();
  });
  start();
  wait();
}

bool RequestLogSampler::should_log(int status, std::chrono::nanoseconds elapsed,
                                   std::string_view request_id) const {
  if (status >= 400 || elapsed >= slow_)
    return true;
  if (every_ <= 1)
    return every_ == 1;
  // FNV-1a: the same choice in every service (and every build) for the same request id.
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : request_id)
    h = (h ^ c) * 1099511628211ull;
  return h % every_ == 0;
}

}  // namespace kx::http
