// Seeded, deterministic market activity for the simulator: a "market" account quotes a ladder around a
// random-walking mid and now and then takes liquidity, so prices move and resting orders get filled.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "nectar/core/decimal.hpp"
#include "nectar/sim/matching_engine.hpp"

namespace nectar::sim {

struct ActivityConfig {
  std::string symbol;                 ///< must exist in the engine
  AccountId account = 1'000'000'000;  ///< the market account (its own id space; pick one no client uses)
  uint64_t seed = 1;
  Decimal mid_start;  ///< initial mid (rounded to tick); zero = the book's mid, else its last price

  int levels = 10;                  ///< resting orders the ladder keeps per side
  int64_t spread_ticks = 1;         ///< distance of the closest ladder price from the mid, in ticks (>= 1)
  int64_t level_spacing_ticks = 1;  ///< distance between ladder prices, in ticks (>= 1)
  int64_t max_walk_ticks = 1;       ///< the mid moves uniformly in [−max, +max] ticks per step
  int cancels_per_step = 1;         ///< random cancels of the market account's orders per step
  int new_orders_per_step = 2;      ///< extra maker orders near the top per step (intensity)
  int max_orders_per_side = 0;      ///< oldest ladder orders beyond this are cancelled; 0 = 3 × levels
  int64_t maker_min_lots = 1;       ///< maker order size range, in lots
  int64_t maker_max_lots = 20;
  double taker_probability = 0.3;  ///< chance per step of one taker order (market or marketable IOC)
  int64_t taker_min_lots = 1;      ///< taker order size range, in lots
  int64_t taker_max_lots = 10;

  Decimal initial_base;   ///< deposited to `account` by the constructor (zero = nothing)
  Decimal initial_quote;  ///< deposited to `account` by the constructor (zero = nothing)
};

struct ActivityStats {
  uint64_t steps = 0;
  uint64_t orders_placed = 0;    ///< accepted by the engine (makers and takers)
  uint64_t orders_rejected = 0;  ///< refused (e.g. post-only that would cross, balance)
  uint64_t cancels = 0;
  uint64_t takers = 0;
};

/// Drives one symbol of a MatchingEngine through its public API only. The caller decides when to step (a
/// front-end runs step() on a timer; tests call run_steps). Deterministic: the same seed, config and engine
/// history give the same sequence of engine calls on every platform (own integer derivations from
/// std::mt19937_64, no std::*_distribution; the only floating-point use is turning taker_probability into an
/// integer threshold once, which IEEE 754 makes exact and portable).
class ActivityGenerator {
 public:
  /// Throws std::invalid_argument for an unknown symbol, a non-positive or unknown start mid, or bad ranges.
  ActivityGenerator(MatchingEngine& engine, ActivityConfig config);

  /// One round: walk the mid, cancel stale and random ladder orders, refill the ladder, add makers near the
  /// top, and with taker_probability send one taker order. On a perpetual it then sets the mark price to the
  /// mid (the market account trades positions on margin of its initial_quote, the settle asset).
  void step();
  void run_steps(uint64_t n);

  Decimal mid() const;  ///< current mid price (a multiple of tick)
  const ActivityStats& stats() const { return stats_; }
  const ActivityConfig& config() const { return config_; }

 private:
  uint64_t below(uint64_t n);               ///< uniform in [0, n), n > 0 (rejection sampling)
  int64_t uniform(int64_t lo, int64_t hi);  ///< uniform in [lo, hi]
  bool chance(uint64_t threshold);          ///< true with probability threshold / 2^64
  Decimal ticks(int64_t n) const;           ///< n × tick
  Decimal lots(int64_t n) const;            ///< n × lot
  bool place_maker(Side side, int64_t distance_ticks);
  void place_taker();

  MatchingEngine& engine_;
  ActivityConfig config_;
  Decimal tick_;
  Decimal lot_;
  int64_t mid_ticks_ = 0;  ///< mid as a whole number of ticks
  int64_t min_mid_ticks_ = 1;
  uint64_t taker_threshold_ = 0;
  std::mt19937_64 rng_;
  ActivityStats stats_;
};

}  // namespace nectar::sim
