// Fault-injection knobs for simulator tests: set from the test thread, consumed by the Server and by the
// exchange front-ends on the server's io_context thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace nectar::sim {

/// All members are thread-safe. Counters are "next N": each consume_*() that returns true uses one up.
struct FaultInjector {
  /// A REST failure to serve instead of calling the handler.
  struct RestFailure {
    int status = 500;
    std::string body;
  };

  FaultInjector() = default;
  FaultInjector(const FaultInjector&) = delete;
  FaultInjector& operator=(const FaultInjector&) = delete;

  // ---- WebSocket ----
  /// The server closes every open WebSocket now, abruptly (TCP close, no close frame).
  void drop_all_websockets();
  /// While muted the server silently discards every outgoing WebSocket message (a "silent" dead stream;
  /// protocol-level pings are still answered).
  void mute_websockets(bool muted) noexcept { ws_muted_.store(muted); }
  bool websockets_muted() const noexcept { return ws_muted_.load(); }
  /// While `needle` is not empty the server silently discards every outgoing WebSocket message containing it
  /// (e.g. a book snapshot that never arrives); "" stops it.
  void drop_websocket_messages_containing(std::string needle);
  /// Server side: true when `message` is to be discarded (and counts it).
  bool consume_drop_websocket_message(std::string_view message);
  /// How many messages drop_websocket_messages_containing discarded.
  uint64_t websocket_messages_dropped() const noexcept { return ws_messages_dropped_.load(); }
  /// How many times drop_all_websockets() was called.
  uint64_t websocket_drops() const noexcept { return ws_drops_.load(); }

  // ---- REST (applied by the Server before the handler is asked) ----
  /// The next `count` requests get `http_status` with `body` (content type application/json).
  void fail_next_rest(int count, int http_status, std::string body);
  /// The next `count` requests get the handler's rate_limited_response().
  void rate_limit_next_rest(int count) noexcept { rate_limit_rest_.store(count); }
  /// Every response is delayed by `delay` (0 = none) until changed.
  void delay_rest(std::chrono::milliseconds delay) noexcept { rest_delay_ms_.store(delay.count()); }
  /// The next `count` requests are never answered: the connection stays silent, then is closed after the
  /// server's rest_timeout_hold.
  void timeout_next_rest(int count) noexcept { timeout_rest_.store(count); }

  // ---- Counters for front-ends (the Server does not read them) ----
  /// The front-end skips a sequence number in its next `count` incremental book updates.
  void skip_next_sequence(int count) noexcept { skip_sequence_.store(count); }
  /// The front-end sends a wrong checksum with its next `count` book updates.
  void corrupt_next_checksum(int count) noexcept { corrupt_checksum_.store(count); }

  // ---- Consumption (server/front-end side) ----
  std::optional<RestFailure> consume_fail_rest();
  bool consume_rate_limit_rest() noexcept { return take(rate_limit_rest_); }
  bool consume_timeout_rest() noexcept { return take(timeout_rest_); }
  bool consume_skip_sequence() noexcept { return take(skip_sequence_); }
  bool consume_corrupt_checksum() noexcept { return take(corrupt_checksum_); }
  std::chrono::milliseconds rest_delay() const noexcept {
    return std::chrono::milliseconds(rest_delay_ms_.load());
  }

  /// Clears every knob (not the drop listener or the drop count).
  void reset();

  /// Registered by the Server: called (on the caller's thread) by drop_all_websockets(). The listener must
  /// itself hop to the right thread. Pass nullptr to unregister.
  void set_drop_listener(std::function<void()> listener);

 private:
  static bool take(std::atomic<int>& counter) noexcept {
    int v = counter.load();
    while (v > 0 && !counter.compare_exchange_weak(v, v - 1)) {
    }
    return v > 0;
  }

  std::atomic<bool> ws_muted_{false};
  std::atomic<uint64_t> ws_drops_{0};
  std::atomic<bool> ws_drop_filter_on_{false};  // fast path: no lock while no filter is set
  std::atomic<uint64_t> ws_messages_dropped_{0};
  std::string ws_drop_needle_;  // guarded by mutex_
  std::atomic<int> fail_rest_{0};
  std::atomic<int> rate_limit_rest_{0};
  std::atomic<int64_t> rest_delay_ms_{0};
  std::atomic<int> timeout_rest_{0};
  std::atomic<int> skip_sequence_{0};
  std::atomic<int> corrupt_checksum_{0};
  std::mutex mutex_;  // guards fail_status_, fail_body_, ws_drop_needle_ and drop_listener_
  int fail_status_ = 500;
  std::string fail_body_;
  std::function<void()> drop_listener_;
};

}  // namespace nectar::sim
