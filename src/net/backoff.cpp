#include "nectar/net/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace nectar::net {

Backoff::Backoff(BackoffConfig config)
    : config_(config), rng_(config.seed ? *config.seed : std::random_device{}()) {
  config_.multiplier = std::max(1.0, config_.multiplier);
  config_.jitter = std::clamp(config_.jitter, 0.0, 1.0);
  if (config_.initial.count() < 0) config_.initial = std::chrono::milliseconds(0);
  if (config_.max < config_.initial) config_.max = config_.initial;
}

std::chrono::milliseconds Backoff::next() {
  // Computed in double so that large attempt counts saturate at max instead of overflowing.
  const double base = std::min(static_cast<double>(config_.max.count()),
                               static_cast<double>(config_.initial.count()) *
                                   std::pow(config_.multiplier, static_cast<double>(attempts_)));
  ++attempts_;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double delay = base * (1.0 - config_.jitter * unit(rng_));
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(delay)));
}

}  // namespace nectar::net
