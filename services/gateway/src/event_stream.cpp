#include "event_stream.hpp"

#include <algorithm>

namespace kx::gateway {

std::string sse_frame(const StreamEvent& e) {
  std::string out = "id: " + e.id + "\nevent: " + e.type + "\n";
  std::size_t start = 0;
  while (start <= e.data.size()) {
    auto end = std::min(e.data.find('\n', start), e.data.size());
    out += "data: " + e.data.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out + "\n";
}

EventHub::EventHub(EventHubOptions options) : options_(options) {
  ticker_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stop_cv_.wait_for(lock, options_.heartbeat, [this] { return stopping_; })) {
      lock.unlock();
      heartbeat();
      lock.lock();
    }
  });
}

EventHub::~EventHub() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  ticker_.join();
}

void EventHub::prune(std::vector<std::shared_ptr<http::StreamSink>>& sinks) {
  std::erase_if(sinks, [](const auto& s) { return !s->is_open(); });
}

bool EventHub::open(const std::string& user_id, std::shared_ptr<http::StreamSink> sink,
                    const std::optional<std::string>& last_event_id) {
  std::lock_guard lock(mutex_);
  auto& sinks = streams_[user_id];
  prune(sinks);
  if (sinks.size() >= options_.max_streams_per_user) {
    sink->close();
    return false;
  }
  // Tells EventSource how long to wait before reconnecting, and opens the stream for proxies.
  std::string first = "retry: 2000\n\n";
  if (last_event_id) {
    auto it = backlog_.find(user_id);
    if (it != backlog_.end()) {
      const auto& events = it->second;
      auto seen = std::find_if(events.begin(), events.end(),
                               [&](const StreamEvent& e) { return e.id == *last_event_id; });
      if (seen != events.end()) {
        for (auto e = std::next(seen); e != events.end(); ++e)
          first += sse_frame(*e);
      }
    }
  }
  sink->send(std::move(first));
  sinks.push_back(std::move(sink));
  return true;
}

void EventHub::publish(const StreamEvent& event) {
  std::lock_guard lock(mutex_);
  if (backlog_.try_emplace(event.user_id).second) {
    backlog_order_.push_back(event.user_id);
    if (backlog_order_.size() > options_.max_users_in_backlog) {
      backlog_.erase(backlog_order_.front());
      backlog_order_.pop_front();
    }
  }
  auto& events = backlog_[event.user_id];
  events.push_back(event);
  if (events.size() > options_.backlog_per_user)
    events.pop_front();

  auto streams = streams_.find(event.user_id);
  if (streams == streams_.end())
    return;
  std::string frame = sse_frame(event);
  for (const auto& sink : streams->second)
    sink->send(frame);
  prune(streams->second);
}

void EventHub::end_user(const std::string& user_id) {
  std::vector<std::shared_ptr<http::StreamSink>> ending;
  {
    std::lock_guard lock(mutex_);
    auto it = streams_.find(user_id);
    if (it == streams_.end())
      return;
    ending = std::move(it->second);
    streams_.erase(it);
  }
  for (const auto& sink : ending)
    sink->close();
}

void EventHub::heartbeat() {
  std::lock_guard lock(mutex_);
  for (auto it = streams_.begin(); it != streams_.end();) {
    for (const auto& sink : it->second)
      sink->send(": ping\n\n");
    prune(it->second);
    it = it->second.empty() ? streams_.erase(it) : std::next(it);
  }
}

std::size_t EventHub::streams_of(const std::string& user_id) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(user_id);
  if (it == streams_.end())
    return 0;
  prune(it->second);
  return it->second.size();
}

std::size_t EventHub::stream_count() {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (auto& [user, sinks] : streams_) {
    prune(sinks);
    n += sinks.size();
  }
  return n;
}

}  // namespace kx::gateway
