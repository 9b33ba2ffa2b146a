#include "nectar/sim/faults.hpp"

namespace nectar::sim {

void FaultInjector::drop_all_websockets() {
  ws_drops_.fetch_add(1);
  std::function<void()> listener;
  {
    std::lock_guard lock(mutex_);
    listener = drop_listener_;
  }
  // Called outside the lock: the listener posts to the server thread, which may be registering meanwhile.
  if (listener) listener();
}

void FaultInjector::drop_websocket_messages_containing(std::string needle) {
  std::lock_guard lock(mutex_);
  ws_drop_filter_on_.store(!needle.empty());
  ws_drop_needle_ = std::move(needle);
}

bool FaultInjector::consume_drop_websocket_message(std::string_view message) {
  if (!ws_drop_filter_on_.load()) return false;
  std::lock_guard lock(mutex_);
  if (ws_drop_needle_.empty() || message.find(ws_drop_needle_) == std::string_view::npos) return false;
  ws_messages_dropped_.fetch_add(1);
  return true;
}

void FaultInjector::fail_next_rest(int count, int http_status, std::string body) {
  std::lock_guard lock(mutex_);
  fail_status_ = http_status;
  fail_body_ = std::move(body);
  fail_rest_.store(count);
}

std::optional<FaultInjector::RestFailure> FaultInjector::consume_fail_rest() {
  if (fail_rest_.load() <= 0) return std::nullopt;  // fast path without the lock
  std::lock_guard lock(mutex_);
  if (!take(fail_rest_)) return std::nullopt;
  return RestFailure{fail_status_, fail_body_};
}

void FaultInjector::reset() {
  ws_muted_.store(false);
  rate_limit_rest_.store(0);
  rest_delay_ms_.store(0);
  timeout_rest_.store(0);
  skip_sequence_.store(0);
  corrupt_checksum_.store(0);
  std::lock_guard lock(mutex_);
  ws_drop_filter_on_.store(false);
  ws_drop_needle_.clear();
  fail_rest_.store(0);
  fail_status_ = 500;
  fail_body_.clear();
}

void FaultInjector::set_drop_listener(std::function<void()> listener) {
  std::lock_guard lock(mutex_);
  drop_listener_ = std::move(listener);
}

}  // namespace nectar::sim
