#pragma once
// GET /api/events: the signed-in owner's own events as Server-Sent Events. The gateway consumes
// the owner-facing topics (call.*, credits.*) with one consumer group per replica, so every
// replica sees every event, and fans each event out to the streams of the user whose id is the
// event's key. A reconnecting browser sends Last-Event-ID and gets what it missed from a short
// per-user backlog; streams get a comment line as heartbeat; a user's streams end when one of
// their sessions is revoked or their status changes (those still valid reconnect at once).

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kx/http/message.hpp"

namespace kx::gateway {

/// One event as the stream sends it.
struct StreamEvent {
  std::string id;       ///< the CloudEvents id
  std::string type;     ///< e.g. "call.completed"
  std::string user_id;  ///< the Kafka key: whose event it is
  std::string data;     ///< the event's JSON data
};

/// The SSE frame of an event: "id:", "event:", one "data:" line per line of data, blank line.
std::string sse_frame(const StreamEvent& event);

struct EventHubOptions {
  std::size_t max_streams_per_user = 5;
  // Memory stays bounded: at most 20 × 2,000 events of a few hundred bytes (about 16 MB).
  std::size_t backlog_per_user = 20;         ///< events kept for Last-Event-ID
  std::size_t max_users_in_backlog = 2'000;  ///< the users whose events came in last
  std::chrono::milliseconds heartbeat{15'000};
};

/// Thread-safe. Opening and publishing never block on the network (sinks queue).
class EventHub {
 public:
  explicit EventHub(EventHubOptions options = {});
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  /// Registers a stream for `user_id`, first sending what the user missed after
  /// `last_event_id` (if that id is still in the backlog). False when the user already has
  /// max_streams_per_user open streams (the sink is then closed).
  bool open(const std::string& user_id, std::shared_ptr<http::StreamSink> sink,
            const std::optional<std::string>& last_event_id = std::nullopt);
  /// Sends the event to its user's open streams and keeps it in the backlog.
  void publish(const StreamEvent& event);
  /// Ends every stream of the user (session revoked, status changed, account deleted).
  void end_user(const std::string& user_id);
  /// Sends the heartbeat to every stream and forgets streams that have ended. Called by the
  /// hub's own thread every `heartbeat`; public for tests.
  void heartbeat();
  /// Open streams of one user (ended ones not counted).
  std::size_t streams_of(const std::string& user_id);
  /// Open streams in total.
  std::size_t stream_count();

 private:
  void prune(std::vector<std::shared_ptr<http::StreamSink>>& sinks);

  EventHubOptions options_;
  std::mutex mutex_;
  std::map<std::string, std::vector<std::shared_ptr<http::StreamSink>>> streams_;
  std::map<std::string, std::deque<StreamEvent>> backlog_;
  std::deque<std::string> backlog_order_;  ///< users in the order their backlog was created
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread ticker_;
};

}  // namespace kx::gateway
