#include "nectar/core/order_book.hpp"

#include <algorithm>

namespace nectar {
namespace {

BookLevel make_level(const LevelUpdate& u) {
  BookLevel l;
  l.price = u.price;
  l.size = u.size;
  l.price_text.assign(u.price_text);
  l.size_text.assign(u.size_text);
  return l;
}

// Bids are stored ascending and asks descending so that the best level is always at the back.
// `before(a, b)` is true when a sits nearer the front (worse) than b.
inline bool bid_before(const Decimal& a, const Decimal& b) {
  return a < b;
}
inline bool ask_before(const Decimal& a, const Decimal& b) {
  return a > b;
}

// Levels at the best end searched linearly before falling back to a binary search.
constexpr std::size_t kLinearScan = 16;

// First level not before `price` (std::lower_bound order). Updates cluster at the top of the book, which is
// the back of the vector, so the best kLinearScan levels are checked first, without a branch per level;
// deeper updates binary-search the rest.
template <bool kIsBid>
std::vector<BookLevel>::iterator find_slot(std::vector<BookLevel>& v, const Decimal& price) {
  auto before = [](const BookLevel& l, const Decimal& p) {
    return kIsBid ? bid_before(l.price, p) : ask_before(l.price, p);
  };
  const std::size_t n = v.size();
  if (n < kLinearScan) {
    std::size_t i = n;
    while (i > 0 && !before(v[i - 1], price)) --i;
    return v.begin() + static_cast<std::ptrdiff_t>(i);
  }
  // The levels of the top window that are not before `price` form a suffix: count them without branching
  // (a data-dependent loop exit costs a misprediction on most updates).
  const BookLevel* top = v.data() + (n - kLinearScan);
  std::size_t not_before = 0;
  for (std::size_t j = 0; j < kLinearScan; ++j) not_before += before(top[j], price) ? 0 : 1;
  if (not_before < kLinearScan) return v.begin() + static_cast<std::ptrdiff_t>(n - not_before);
  return std::lower_bound(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n - kLinearScan), price, before);
}

template <bool kIsBid>
void set_on_side(std::vector<BookLevel>& v, const LevelUpdate& u) {
  auto it = find_slot<kIsBid>(v, u.price);
  const bool exists = it != v.end() && it->price == u.price;
  if (u.size.is_zero()) {
    if (exists) v.erase(it);
    return;
  }
  if (exists) {
    it->size = u.size;
    it->price_text.assign(u.price_text);
    it->size_text.assign(u.size_text);
  } else {
    v.insert(it, make_level(u));
  }
}

template <typename Levels>
VolumeWalk walk(const Levels& v, Decimal limit, bool limit_is_quote) {
  VolumeWalk w;
  for (auto it = v.rbegin(); it != v.rend(); ++it) {
    const Decimal level_quote = it->price.mul(it->size, Rounding::kHalfEven);
    w.last_price = it->price;
    if (!limit_is_quote) {
      const Decimal remaining = limit - w.filled_volume;
      if (it->size >= remaining) {
        w.filled_volume += remaining;
        w.quote_volume += it->price.mul(remaining, Rounding::kHalfEven);
        break;
      }
      w.filled_volume += it->size;
      w.quote_volume += level_quote;
    } else {
      const Decimal remaining = limit - w.quote_volume;
      if (level_quote >= remaining) {
        w.filled_volume += remaining.div(it->price, Rounding::kDown);
        w.quote_volume += remaining;
        break;
      }
      w.filled_volume += it->size;
      w.quote_volume += level_quote;
    }
  }
  if (w.filled_volume.is_positive()) w.vwap = w.quote_volume.div(w.filled_volume, Rounding::kHalfEven);
  return w;
}

}  // namespace

void OrderBook::clear() {
  bids_.clear();
  asks_.clear();
}

void OrderBook::begin_snapshot() {
  clear();
}

void OrderBook::finish_snapshot(uint64_t update_id) {
  last_update_id_ = update_id;
}

void OrderBook::apply_snapshot(const std::vector<LevelUpdate>& bids, const std::vector<LevelUpdate>& asks,
                               uint64_t update_id) {
  clear();
  bids_.reserve(bids.size());
  asks_.reserve(asks.size());
  for (const auto& u : bids)
    if (!u.size.is_zero()) bids_.push_back(make_level(u));
  for (const auto& u : asks)
    if (!u.size.is_zero()) asks_.push_back(make_level(u));
  // Sort then keep the last occurrence of a duplicated price (later entries win, as in a diff).
  auto sort_side = [](std::vector<BookLevel>& v, auto before) {
    std::stable_sort(v.begin(), v.end(),
                     [&](const BookLevel& a, const BookLevel& b) { return before(a.price, b.price); });
    std::vector<BookLevel> out;
    out.reserve(v.size());
    for (auto& l : v) {
      if (!out.empty() && out.back().price == l.price) {
        out.back() = l;
      } else {
        out.push_back(l);
      }
    }
    v.swap(out);
  };
  sort_side(bids_, bid_before);
  sort_side(asks_, ask_before);
  last_update_id_ = update_id;
}

void OrderBook::set_level(Side side, const LevelUpdate& level) {
  if (side == Side::kBid) {
    set_on_side<true>(bids_, level);
  } else {
    set_on_side<false>(asks_, level);
  }
}

void OrderBook::apply_diff(const std::vector<LevelUpdate>& bids, const std::vector<LevelUpdate>& asks,
                           uint64_t update_id) {
  for (const auto& u : bids) set_on_side<true>(bids_, u);
  for (const auto& u : asks) set_on_side<false>(asks_, u);
  last_update_id_ = update_id;
}

std::optional<Decimal> OrderBook::best_bid() const {
  if (bids_.empty()) return std::nullopt;
  return bids_.back().price;
}

std::optional<Decimal> OrderBook::best_ask() const {
  if (asks_.empty()) return std::nullopt;
  return asks_.back().price;
}

std::optional<Decimal> OrderBook::mid_price() const {
  if (bids_.empty() || asks_.empty()) return std::nullopt;
  return (bids_.back().price + asks_.back().price).div(Decimal::from_int(2), Rounding::kHalfEven);
}

bool OrderBook::is_crossed() const {
  return !bids_.empty() && !asks_.empty() && bids_.back().price >= asks_.back().price;
}

VolumeWalk OrderBook::walk_volume(TradeType taker_side, Decimal volume) const {
  return walk(taker_side == TradeType::kBuy ? asks_ : bids_, volume, false);
}

VolumeWalk OrderBook::walk_quote_volume(TradeType taker_side, Decimal quote_volume) const {
  return walk(taker_side == TradeType::kBuy ? asks_ : bids_, quote_volume, true);
}

Decimal OrderBook::volume_for_price(TradeType taker_side, Decimal price) const {
  Decimal total;
  if (taker_side == TradeType::kBuy) {
    for (auto it = asks_.rbegin(); it != asks_.rend() && it->price <= price; ++it) total += it->size;
  } else {
    for (auto it = bids_.rbegin(); it != bids_.rend() && it->price >= price; ++it) total += it->size;
  }
  return total;
}

}  // namespace nectar
