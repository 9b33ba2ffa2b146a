#include "nectar/net/clock_sync.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

#include "nectar/core/clock.hpp"

namespace nectar::net {

ClockSync::ClockSync(std::size_t window) : window_(std::max<std::size_t>(1, window)) {}

void ClockSync::add_sample(int64_t local_send_ms, int64_t server_ms, int64_t local_recv_ms) {
  // The server stamped its time somewhere inside the round trip; the midpoint is the unbiased guess.
  const int64_t midpoint = local_send_ms + (local_recv_ms - local_send_ms) / 2;
  const int64_t offset = server_ms - midpoint;
  std::lock_guard lock(mutex_);
  samples_.push_back(offset);
  while (samples_.size() > window_) samples_.pop_front();
  std::vector<int64_t> sorted(samples_.begin(), samples_.end());
  std::sort(sorted.begin(), sorted.end());
  const std::size_t n = sorted.size();
  // Median: one outlier (a slow round trip) cannot drag the estimate.
  const int64_t median =
      n % 2 == 1 ? sorted[n / 2] : sorted[n / 2 - 1] + (sorted[n / 2] - sorted[n / 2 - 1]) / 2;
  offset_ms_.store(median, std::memory_order_relaxed);
  synced_.store(true, std::memory_order_relaxed);
}

std::size_t ClockSync::sample_count() const {
  std::lock_guard lock(mutex_);
  return samples_.size();
}

int64_t ClockSync::local_now_ms() noexcept {
  return wall_clock_ms();
}

}  // namespace nectar::net
