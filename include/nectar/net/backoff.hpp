// Jittered exponential back-off for reconnects and retries.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace nectar::net {

/// Back-off parameters. All durations in milliseconds.
struct BackoffConfig {
  std::chrono::milliseconds initial{500};  ///< first delay (before jitter)
  std::chrono::milliseconds max{30000};    ///< cap on the un-jittered delay
  double multiplier = 2.0;                 ///< growth per attempt (>= 1)
  double jitter = 0.2;           ///< fraction in [0, 1]: a delay d becomes uniform in [d*(1-jitter), d]
  std::optional<uint64_t> seed;  ///< fixed seed for deterministic tests; random when absent
};

/// Produces delays initial, initial*m, initial*m^2, ... capped at max, each reduced by a random fraction up
/// to `jitter` so that reconnecting clients spread out. Jitter only ever shortens a delay, so next() <= max.
/// Not thread-safe; owned by one coroutine.
class Backoff {
 public:
  explicit Backoff(BackoffConfig config = {});

  /// The delay to wait before the next attempt; advances the attempt counter.
  std::chrono::milliseconds next();
  /// Back to the initial delay (call after a success).
  void reset() noexcept { attempts_ = 0; }
  /// How many times next() was called since construction or the last reset().
  int attempts() const noexcept { return attempts_; }
  const BackoffConfig& config() const noexcept { return config_; }

 private:
  BackoffConfig config_;
  std::mt19937_64 rng_;
  int attempts_ = 0;
};

}  // namespace nectar::net
