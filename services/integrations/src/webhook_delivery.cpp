#include "webhook_delivery.hpp"

#include <algorithm>

#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/pg/list.hpp"
#include "webhook_catalog.hpp"

namespace kx::integrations {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;
using namespace std::chrono_literals;

// Text from a receiver as the database takes it: valid UTF-8 without NUL, cut at a character.
std::string response_excerpt(std::string_view body, std::size_t max_bytes) {
  std::string out;
  std::size_t i = 0;
  while (i < body.size()) {
    auto c = static_cast<unsigned char>(body[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    bool valid = len > 0 && i + len <= body.size() && c != 0;
    for (std::size_t k = 1; valid && k < len; ++k)
      valid = (static_cast<unsigned char>(body[i + k]) & 0xC0) == 0x80;
    std::string_view piece = valid ? body.substr(i, len) : std::string_view("\xEF\xBF\xBD");
    if (out.size() + piece.size() > max_bytes)
      break;
    out += piece;
    i += valid ? len : 1;
  }
  return out;
}

}  // namespace

const std::vector<seconds>& webhook_retry_schedule() {
  static const std::vector<seconds> schedule = {seconds(5),    seconds(5 * 60),   seconds(30 * 60),
                                                seconds(7200), seconds(5 * 3600), seconds(36000),
                                                seconds(36000)};
  return schedule;
}

std::string iso_time(std::chrono::system_clock::time_point t) {
  return json::utc_timestamp(t);
}

void WebhookFanOut::on_events(const std::vector<const events::Event*>& events, pqxx::work& tx) {
  // For every event of every owner, one lookup per batch (all of one type): prepared. For each
  // event ($1 its owner, in the batch's order) the owner's enabled endpoints subscribed to $2.
  static const pg::Statement kEndpointsFor(
      "SELECT k.n, e.id::text FROM unnest($1::text[]) WITH ORDINALITY AS k (user_id, n) "
      "JOIN webhook_endpoints e ON e.user_id = k.user_id AND e.enabled "
      "AND $2 = ANY(e.event_types) ORDER BY k.n, e.created_at");
  if (events.empty())
    return;
  std::vector<std::string> users;
  for (const auto* event : events)
    users.push_back(json::get_string(json::parse(event->data), "user_id", event->key));
  auto endpoints =
      pg::exec_prepared(tx, kEndpointsFor, pg::text_array(users), events.front()->type);
  if (endpoints.empty())
    return;
  auto now = iso_time(settings_.clock());
  for (const auto& row : endpoints) {
    auto n = row[0].as<std::size_t>() - 1;
    const auto& event = *events.at(n);
    auto endpoint_id = row[1].as<std::string>();
    auto payload = webhook_payload(event.type, event.time.empty() ? now : event.time, event.data);
    tx.exec_params(
        "INSERT INTO webhook_deliveries (id, endpoint_id, user_id, event_id, message_id, "
        "event_type, payload, state, next_attempt_at, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8::timestamptz, $8::timestamptz) "
        "ON CONFLICT (endpoint_id, event_id) DO NOTHING",
        crypto::uuid_v7(), endpoint_id, users.at(n), event.id,
        webhook_message_id(event.id, endpoint_id), event.type, payload, now);
  }
}

void WebhookFanOut::on_user_deleted(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  tx.exec_params("DELETE FROM webhook_endpoints WHERE user_id = $1",
                 json::get_string(doc, "user_id", event.key));
}

WebhookSender::WebhookSender(pg::Pool& db, const crypto::Keyring& keys,
                             const events::Outbox& outbox, TargetPolicy policy,
                             WebhookSettings settings)
    : db_(db),
      keys_(keys),
      outbox_(outbox),
      policy_(std::move(policy)),
      settings_(std::move(settings)),
      // Redirects are never followed by this client; a 3xx is a failed attempt.
      client_(http::ClientOptions{.connect_timeout = std::min<milliseconds>(settings_.timeout, 5s),
                                  .request_timeout = settings_.timeout,
                                  .max_retries = 0,
                                  .max_response_body = settings_.max_response,
                                  .max_idle_per_origin = 2}) {
  for (int i = 0; i < settings_.workers; ++i)
    threads_.emplace_back([this] { worker(); });
}

WebhookSender::~WebhookSender() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_)
    t.join();
}

void WebhookSender::wait_idle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return busy_ == 0; });
}

int WebhookSender::run_once() {
  int free = 0;
  {
    std::lock_guard lock(mu_);
    free = settings_.workers - busy_;
  }
  if (free <= 0)
    return 0;
  auto now = settings_.clock();
  auto now_text = iso_time(now);
  std::vector<Job> jobs;
  pg::transact(db_, [&](pqxx::work& tx) {
    jobs.clear();
    // The oldest due deliveries, at most per_endpoint of each endpoint, so one endpoint's
    // backlog does not hide the others'.
    auto due = tx.exec_params(
        "SELECT id::text, endpoint_id::text FROM ("
        "  SELECT d.id, d.endpoint_id, d.next_attempt_at, row_number() OVER "
        "    (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.id) AS n "
        "  FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id "
        "  WHERE d.state = 'pending' AND d.next_attempt_at <= $1::timestamptz AND e.enabled "
        "    AND (d.leased_until IS NULL OR d.leased_until < $1::timestamptz)) due "
        "WHERE n <= $2 ORDER BY next_attempt_at, id LIMIT 500",
        now_text, settings_.per_endpoint);
    std::map<std::string, int> taken;
    {
      std::lock_guard lock(mu_);
      for (const auto& [endpoint, n] : in_flight_)
        taken[endpoint] = n;
    }
    int left = free;
    for (const auto& row : due) {
      if (left == 0)
        break;
      auto endpoint_id = row[1].as<std::string>();
      if (taken[endpoint_id] >= settings_.per_endpoint)
        continue;
      // Taken only if no other worker leased it meanwhile (the WHERE is checked again under
      // the row lock).
      auto claimed = tx.exec_params(
          "UPDATE webhook_deliveries d SET leased_until = $2::timestamptz + "
          "make_interval(secs => $3), attempts = d.attempts + 1 "
          "FROM webhook_endpoints e WHERE d.id = $1 AND e.id = d.endpoint_id "
          "AND d.state = 'pending' AND (d.leased_until IS NULL OR d.leased_until < "
          "$2::timestamptz) "
          "RETURNING d.user_id, e.url, d.message_id, d.payload, d.attempts, e.secret, "
          "CASE WHEN e.previous_secret_expires_at > $2::timestamptz THEN e.previous_secret END",
          row[0].as<std::string>(), now_text, static_cast<double>(settings_.lease.count()));
      if (claimed.empty())
        continue;
      const auto& c = claimed[0];
      Job job{row[0].as<std::string>(), endpoint_id,
              c[0].as<std::string>(),   c[1].as<std::string>(),
              c[2].as<std::string>(),   c[3].as<std::string>(),
              {c[5].as<std::string>()}, c[4].as<int>()};
      if (!c[6].is_null())
        job.secrets.push_back(c[6].as<std::string>());
      jobs.push_back(std::move(job));
      ++taken[endpoint_id];
      --left;
    }
  });
  {
    std::lock_guard lock(mu_);
    for (auto& job : jobs) {
      ++in_flight_[job.endpoint_id];
      ++busy_;
      queue_.push_back(std::move(job));
    }
  }
  wake_.notify_all();
  return static_cast<int>(jobs.size());
}

void WebhookSender::worker() {
  while (true) {
    Job job;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      // What is still queued at shutdown is sent by the next run (its lease runs out).
      if (stopping_)
        return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      attempt(job);
    } catch (const std::exception& e) {
      // The lease runs out and the delivery is tried again.
      log::error("webhook attempt not recorded",
                 {{"delivery_id", job.delivery_id}, {"error", e.what()}});
    }
    {
      std::lock_guard lock(mu_);
      if (--in_flight_[job.endpoint_id] == 0)
        in_flight_.erase(job.endpoint_id);
      --busy_;
    }
    idle_.notify_all();
  }
}

void WebhookSender::attempt(const Job& job) {
  auto started = settings_.clock();
  auto timestamp = duration_cast<seconds>(started.time_since_epoch()).count();
  std::string signature;
  for (const auto& sealed : job.secrets) {
    auto secret = keys_.open(sealed, "webhook:" + job.endpoint_id);
    signature += (signature.empty() ? "" : " ") +
                 webhook_signature(secret, job.message_id, timestamp, job.payload);
  }
  http::ClientRequest req{
      .method = "POST", .url = job.url, .body = job.payload, .timeout = settings_.timeout};
  req.headers.set("Content-Type", "application/json");
  req.headers.set("User-Agent", "Kametrix-Webhooks/1");
  req.headers.set("webhook-id", job.message_id);
  req.headers.set("webhook-timestamp", std::to_string(timestamp));
  req.headers.set("webhook-signature", signature);
  json::Writer logged;
  logged.begin_object();
  for (const auto& [name, value] : req.headers.all())
    logged.field(name, value);
  logged.end_object();

  int status = 0;  // 0: no answer
  std::string excerpt, error;
  auto clock_start = std::chrono::steady_clock::now();
  try {
    // Checked again at every attempt: the name may point elsewhere now, and the connection
    // goes to exactly the address checked.
    req.connect_address = policy_.check(job.url);
    auto res = client_.send(req);
    status = res.status;
    excerpt = response_excerpt(res.body, settings_.stored_response);
    if (res.status >= 300 && res.status < 400)
      error = "Weiterleitungen werden nicht verfolgt.";
    else if (res.status < 200 || res.status >= 300)
      error = "Der Empfänger antwortete mit HTTP " + std::to_string(res.status) + ".";
  } catch (const TargetRefused& e) {
    error = e.what();
  } catch (const http::ClientError& e) {
    error = e.kind() == http::ClientError::Kind::timeout
                ? "Keine Antwort innerhalb von " +
                      std::to_string(duration_cast<seconds>(settings_.timeout).count()) +
                      " Sekunden."
                : "Verbindung fehlgeschlagen: " + std::string(e.what());
  }
  auto duration = duration_cast<milliseconds>(std::chrono::steady_clock::now() - clock_start);
  bool ok = error.empty();
  auto now = settings_.clock();
  auto now_text = iso_time(now);
  const auto& schedule = webhook_retry_schedule();
  pg::transact(db_, [&](pqxx::work& tx) {
    tx.exec_params(
        "INSERT INTO webhook_attempts (delivery_id, attempt, started_at, request_headers, "
        "response_status, response_body, duration_ms, error) "
        "VALUES ($1, $2, $3::timestamptz, $4::jsonb, NULLIF($5, 0), "
        "CASE WHEN $5 = 0 THEN NULL ELSE $6 END, $7, NULLIF($8, ''))",
        job.delivery_id, job.attempt, iso_time(started), logged.str(), status, excerpt,
        static_cast<int>(duration.count()), error);
    if (ok) {
      tx.exec_params(
          "UPDATE webhook_deliveries SET state = 'delivered', delivered_at = $2::timestamptz, "
          "leased_until = NULL, next_attempt_at = NULL, last_status = NULLIF($3, 0), "
          "last_error = NULL "
          "WHERE id = $1",
          job.delivery_id, now_text, status);
      tx.exec_params("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1",
                     job.endpoint_id);
      return;
    }
    // The endpoint row is locked first, so this cannot interleave with another attempt that
    // disables the endpoint: a delivery given up with it is not revived by a retry time here.
    auto state = tx.exec_params(
        "SELECT NOT enabled AND disabled_reason = 'failing' FROM webhook_endpoints "
        "WHERE id = $1 FOR UPDATE",
        job.endpoint_id);
    bool given_up = !state.empty() && state[0][0].as<bool>(false);
    bool last = given_up || job.attempt > static_cast<int>(schedule.size());
    auto wait = last ? seconds(0) : schedule[static_cast<std::size_t>(job.attempt - 1)];
    tx.exec_params(
        "UPDATE webhook_deliveries SET state = $2, leased_until = NULL, "
        "last_status = NULLIF($3, 0), "
        "last_error = $4, next_attempt_at = CASE WHEN $2 = 'pending' THEN $5::timestamptz + "
        "make_interval(secs => $6) END WHERE id = $1",
        job.delivery_id, last ? "failed" : "pending", status, error, now_text,
        static_cast<double>(wait.count()));
    auto endpoint = tx.exec_params(
        "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $2::timestamptz) "
        "WHERE id = $1 RETURNING enabled, "
        "failing_since <= $2::timestamptz - make_interval(secs => $3), "
        "user_id, url, to_char(failing_since AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
        job.endpoint_id, now_text,
        static_cast<double>(duration_cast<seconds>(settings_.failure_window).count()));
    if (endpoint.empty() || !endpoint[0][0].as<bool>() || !endpoint[0][1].as<bool>())
      return;
    // Five days without a successful delivery: the endpoint goes off, what it still had queued
    // is given up (replayable), and the owner is told (the mail area sends the e-mail).
    tx.exec_params(
        "UPDATE webhook_endpoints SET enabled = false, disabled_reason = 'failing', "
        "updated_at = $2::timestamptz WHERE id = $1",
        job.endpoint_id, now_text);
    tx.exec_params(
        "UPDATE webhook_deliveries SET state = 'failed', next_attempt_at = NULL, "
        "last_error = COALESCE(last_error, 'Endpunkt deaktiviert.') "
        "WHERE endpoint_id = $1 AND state = 'pending'",
        job.endpoint_id);
    json::Writer data;
    data.begin_object()
        .field("endpoint_id", job.endpoint_id)
        .field("user_id", endpoint[0][2].as<std::string>())
        .field("url", endpoint[0][3].as<std::string>())
        .field("failing_since", endpoint[0][4].as<std::string>())
        .end_object();
    outbox_.add(tx, "webhook_endpoint.disabled", endpoint[0][2].as<std::string>(), job.endpoint_id,
                data.str());
    log::warn("webhook endpoint disabled after failing",
              {{"endpoint_id", job.endpoint_id}, {"user_id", endpoint[0][2].as<std::string>()}});
  });
}

}  // namespace kx::integrations
