#include "nectar/sim/activity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace nectar::sim {

ActivityGenerator::ActivityGenerator(MatchingEngine& engine, ActivityConfig config)
    : engine_(engine), config_(std::move(config)), rng_(config_.seed) {
  const Instrument* in = engine_.instrument(config_.symbol);
  auto bad = [&](const std::string& why) {
    throw std::invalid_argument("activity generator for '" + config_.symbol + "': " + why);
  };
  if (in == nullptr) bad("unknown symbol");
  if (config_.levels < 1) bad("levels must be >= 1");
  if (config_.spread_ticks < 1 || config_.level_spacing_ticks < 1)
    bad("spread and spacing must be >= 1 tick");
  if (config_.max_walk_ticks < 0 || config_.cancels_per_step < 0 || config_.new_orders_per_step < 0)
    bad("walk, cancels and new orders per step must not be negative");
  if (config_.maker_min_lots < 1 || config_.maker_max_lots < config_.maker_min_lots ||
      config_.taker_min_lots < 1 || config_.taker_max_lots < config_.taker_min_lots)
    bad("lot ranges must satisfy 1 <= min <= max");
  if (!(config_.taker_probability >= 0.0 && config_.taker_probability <= 1.0))
    bad("taker_probability must be in [0, 1]");
  tick_ = in->tick;
  lot_ = in->lot;

  Decimal start = config_.mid_start;
  if (!start.is_positive()) {
    auto bid = engine_.best_bid(config_.symbol);
    auto ask = engine_.best_ask(config_.symbol);
    if (bid && ask)
      start = (*bid + *ask).div(Decimal::from_int(2), Rounding::kHalfUp);
    else if (auto last = engine_.last_price(config_.symbol))
      start = *last;
    else if (bid || ask)
      start = bid ? *bid : *ask;
    else
      bad("no mid_start and an empty book without trades");
  }
  mid_ticks_ = start.quantize(tick_, Rounding::kHalfUp).steps_of(tick_);
  // Keep the whole ladder (and stale-order band) at positive prices.
  min_mid_ticks_ = config_.spread_ticks + (2 * config_.levels + 2) * config_.level_spacing_ticks + 1;
  mid_ticks_ = std::max(mid_ticks_, min_mid_ticks_);

  // p × 2^64 is exact in binary floating point; the conversion truncates toward zero.
  if (config_.taker_probability >= 1.0)
    taker_threshold_ = std::numeric_limits<uint64_t>::max();
  else
    taker_threshold_ = static_cast<uint64_t>(std::ldexp(config_.taker_probability, 64));

  if (config_.initial_base.is_positive())
    engine_.ledger().deposit(config_.account, in->base, config_.initial_base);
  if (config_.initial_quote.is_positive())
    engine_.ledger().deposit(config_.account, in->quote, config_.initial_quote);
}

uint64_t ActivityGenerator::below(uint64_t n) {
  // Reject the top partial block so every residue is equally likely.
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % n;
  uint64_t x;
  do {
    x = rng_();
  } while (x >= limit);
  return x % n;
}

int64_t ActivityGenerator::uniform(int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
}

bool ActivityGenerator::chance(uint64_t threshold) {
  const uint64_t x = rng_();  // always draw, so the stream does not depend on the threshold
  return threshold == std::numeric_limits<uint64_t>::max() || x < threshold;
}

Decimal ActivityGenerator::ticks(int64_t n) const {
  return tick_.mul_int(n);
}
Decimal ActivityGenerator::lots(int64_t n) const {
  return lot_.mul_int(n);
}
Decimal ActivityGenerator::mid() const {
  return ticks(mid_ticks_);
}

bool ActivityGenerator::place_maker(Side side, int64_t distance_ticks) {
  const int64_t px = side == Side::kBuy ? mid_ticks_ - distance_ticks : mid_ticks_ + distance_ticks;
  Decimal qty = lots(uniform(config_.maker_min_lots, config_.maker_max_lots));
  if (const Instrument* in = engine_.instrument(config_.symbol); in && qty < in->min_size)
    qty = in->min_size.quantize(lot_, Rounding::kCeil);
  // Post-only: the ladder never takes (a client's order inside the spread is left for the takers).
  const PlaceResult r =
      engine_.place(OrderRequest::post_only(config_.account, config_.symbol, side, ticks(px), qty));
  if (r.ok())
    ++stats_.orders_placed;
  else
    ++stats_.orders_rejected;
  return r.ok();
}

void ActivityGenerator::place_taker() {
  const Side side = below(2) == 0 ? Side::kBuy : Side::kSell;
  const Decimal qty = lots(uniform(config_.taker_min_lots, config_.taker_max_lots));
  const uint64_t mode = below(3);
  OrderRequest rq;
  if (mode == 1) {
    // Marketable limit that may walk a few levels deep; what it cannot take expires.
    const int64_t reach =
        config_.spread_ticks +
        static_cast<int64_t>(below(static_cast<uint64_t>(config_.levels))) * config_.level_spacing_ticks;
    const int64_t px = side == Side::kBuy ? mid_ticks_ + reach : std::max<int64_t>(mid_ticks_ - reach, 1);
    rq = OrderRequest::limit(config_.account, config_.symbol, side, ticks(px), qty, TimeInForce::kIoc);
  } else if (mode == 2 && side == Side::kBuy) {
    // Quote-sized market buy (how spot market buys arrive on exchanges that size them in quote).
    Decimal quote = mid().mul(qty, Rounding::kHalfUp);
    if (const Instrument* in = engine_.instrument(config_.symbol); in && in->quote_step.is_positive())
      quote = quote.quantize(in->quote_step, Rounding::kDown);
    rq = OrderRequest::market_buy_quote(config_.account, config_.symbol, quote);
  } else {  // mode 0, and the sells of mode 2: a market order sized in base
    rq = OrderRequest::market(config_.account, config_.symbol, side, qty);
  }
  ++stats_.takers;
  if (engine_.place(rq).ok())
    ++stats_.orders_placed;
  else
    ++stats_.orders_rejected;
}

void ActivityGenerator::step() {
  ++stats_.steps;
  const int64_t walk = config_.max_walk_ticks;
  mid_ticks_ = std::max(min_mid_ticks_, mid_ticks_ + uniform(-walk, walk));

  // Stale ladder orders: on the wrong side of (or too close to) the mid, or beyond twice the ladder depth.
  const int64_t band = int64_t{2} * config_.levels * config_.level_spacing_ticks;
  std::vector<Order> mine;
  for (Order& o : engine_.open_orders(config_.account, config_.symbol)) {
    const int64_t px = o.price.steps_of(tick_);
    const int64_t dist = o.side == Side::kBuy ? mid_ticks_ - px : px - mid_ticks_;
    if (dist < config_.spread_ticks || dist > config_.spread_ticks + band) {
      if (engine_.cancel(config_.account, o.id).ok()) ++stats_.cancels;
    } else {
      mine.push_back(std::move(o));
    }
  }

  // Random cancels (order ids ascend, so the pick is reproducible).
  for (int i = 0; i < config_.cancels_per_step && !mine.empty(); ++i) {
    const auto k = static_cast<std::size_t>(below(mine.size()));
    if (engine_.cancel(config_.account, mine[k].id).ok()) ++stats_.cancels;
    mine.erase(mine.begin() + static_cast<std::ptrdiff_t>(k));
  }

  // Cap each side (oldest first), so a generator left running keeps a bounded book.
  const int cap = config_.max_orders_per_side > 0 ? config_.max_orders_per_side : 3 * config_.levels;
  int bids = 0, asks = 0;
  for (const Order& o : mine) (o.side == Side::kBuy ? bids : asks)++;
  for (const Order& o : mine) {
    int& count = o.side == Side::kBuy ? bids : asks;
    if (count > cap && engine_.cancel(config_.account, o.id).ok()) {
      ++stats_.cancels;
      --count;
    }
  }

  // Refill each side up to `levels` orders; one attempt per missing order (a crossing post-only just fails).
  for (Side side : {Side::kBuy, Side::kSell}) {
    const int missing = config_.levels - (side == Side::kBuy ? bids : asks);
    for (int i = 0; i < missing; ++i)
      place_maker(side,
                  config_.spread_ticks + static_cast<int64_t>(below(static_cast<uint64_t>(config_.levels))) *
                                             config_.level_spacing_ticks);
  }

  // Fresh liquidity near the top of the book.
  for (int i = 0; i < config_.new_orders_per_step; ++i) {
    const Side side = below(2) == 0 ? Side::kBuy : Side::kSell;
    place_maker(side, config_.spread_ticks + static_cast<int64_t>(below(3)) * config_.level_spacing_ticks);
  }

  if (chance(taker_threshold_)) place_taker();

  // Perpetuals: the generator's mid is the mark (drives uPnL, funding value and liquidations).
  if (const Instrument* in = engine_.instrument(config_.symbol); in != nullptr && in->is_perpetual())
    engine_.set_mark_price(config_.symbol, mid());
}

void ActivityGenerator::run_steps(uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) step();
}

}  // namespace nectar::sim
