// Tracks the offset between the local wall clock and an exchange's server clock.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>

namespace nectar::net {

/// Median-of-last-N estimate of (server clock - local clock), in milliseconds.
/// add_sample() may be called from any thread (it takes a mutex); offset_ms()/now_ms() are lock-free reads,
/// so signers on any thread can stamp requests with server time.
class ClockSync {
 public:
  /// `window`: how many recent samples the median is taken over (at least 1).
  explicit ClockSync(std::size_t window = 5);

  /// One round trip: local wall time (Unix ms) just before sending the time request, the server's reported
  /// time (Unix ms), and local wall time just after the reply arrived. The sample's offset is
  /// server_ms - (local_send_ms + local_recv_ms) / 2.
  void add_sample(int64_t local_send_ms, int64_t server_ms, int64_t local_recv_ms);

  /// Median offset of the kept samples (the mean of the two middle ones for an even count); 0 before any.
  int64_t offset_ms() const noexcept { return offset_ms_.load(std::memory_order_relaxed); }
  /// Estimated server time now: local wall clock (Unix ms) + offset_ms().
  int64_t now_ms() const noexcept { return local_now_ms() + offset_ms(); }
  /// Number of samples currently kept (<= window).
  std::size_t sample_count() const;
  /// True once at least one sample was added.
  bool synced() const noexcept { return synced_.load(std::memory_order_relaxed); }

  /// Local wall clock (system_clock) as Unix milliseconds.
  static int64_t local_now_ms() noexcept;

 private:
  std::size_t window_;
  mutable std::mutex mutex_;
  std::deque<int64_t> samples_;  // offsets, oldest first; guarded by mutex_
  std::atomic<int64_t> offset_ms_{0};
  std::atomic<bool> synced_{false};
};

}  // namespace nectar::net
