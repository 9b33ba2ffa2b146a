// The random order flow of the perpetual invariant runs (tests/sim/test_perpetual.cpp linear,
// tests/sim/test_inverse_perpetual.cpp inverse): a seeded generator, so a run is the same every time, and the
// order mix both runs place.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "nectar/sim/matching_engine.hpp"

namespace nectar::sim::random_run {

/// Seeded linear congruential generator (Knuth's MMIX constants): next(n) is in [0, n).
class Lcg {
 public:
  explicit Lcg(uint64_t seed) : x_(seed) {}
  uint64_t operator()(uint64_t n) {
    x_ = x_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x_ >> 33) % n;
  }

 private:
  uint64_t x_;
};

/// A market order (1 in 4) or a limit at `price(mid + offset)` with offset in [−spread, spread] ticks. A
/// hedge account opens (2 in 3) or closes; a one-way account's order is reduce-only 1 in 5.
inline OrderRequest order(Lcg& next, AccountId account, const std::string& symbol, Side side, Decimal qty,
                          int64_t mid, int64_t spread, const std::function<Decimal(int64_t ticks)>& price,
                          bool hedge) {
  OrderRequest r;
  if (next(4) == 0) {
    r = OrderRequest::market(account, symbol, side, qty);
  } else {
    const int64_t off = static_cast<int64_t>(next(static_cast<uint64_t>(2 * spread + 1))) - spread;
    r = OrderRequest::limit(account, symbol, side, price(mid + off), qty);
  }
  if (hedge)
    r.position_action = next(3) == 0 ? PositionAction::kClose : PositionAction::kOpen;
  else if (next(5) == 0)
    r.reduce_only = true;
  return r;
}

}  // namespace nectar::sim::random_run
