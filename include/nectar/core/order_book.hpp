// L2 order book: the market-data hot path. No I/O; exchanges feed it snapshots and diffs.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "nectar/core/decimal.hpp"
#include "nectar/core/types.hpp"

namespace nectar {

/// Inline copy of the exact text an exchange sent for a number (checksums are computed over it).
/// 31 characters cover every price and size seen on the wire; longer text is kept truncated and flagged.
class ShortText {
 public:
  static constexpr std::size_t kCapacity = 31;
  ShortText() = default;
  explicit ShortText(std::string_view s) { assign(s); }
  void assign(std::string_view s) {
    len_ = static_cast<uint8_t>(s.size() <= kCapacity ? s.size() : kCapacity + 1);
    std::memcpy(data_, s.data(), s.size() <= kCapacity ? s.size() : kCapacity);
  }
  std::string_view view() const { return {data_, len_ <= kCapacity ? len_ : kCapacity}; }
  /// Writes view() then `sep` at `out` and returns the end past `sep`. Copies a fixed 16 bytes (texts under
  /// 16 characters, most prices and sizes) or sizeof(ShortText) bytes, since a fixed-size copy is a vector
  /// move and a variable one a library call: `out` needs sizeof(ShortText) bytes of room, and whatever lands
  /// past the returned end is scratch. Builds checksum text without formatting anything.
  char* copy_to(char* out, char sep) const {
    std::size_t n = len_;
    if (n < 16) {
      std::memcpy(out, this, 16);
    } else {
      std::memcpy(out, this, sizeof(ShortText));
      if (n > kCapacity) n = kCapacity;
    }
    out[n] = sep;
    return out + n + 1;
  }
  bool truncated() const { return len_ > kCapacity; }
  bool empty() const { return len_ == 0; }

 private:
  char data_[kCapacity] = {};
  uint8_t len_ = 0;
};
static_assert(sizeof(ShortText) == ShortText::kCapacity + 1, "ShortText::copy_to copies the object bytes");

/// One price level as the book holds it: exact values plus, optionally, the exchange's original strings.
struct BookLevel {
  Decimal price;
  Decimal size;
  ShortText price_text;
  ShortText size_text;
};

/// A level change as it arrives: size zero removes the level. Texts may be empty when nobody needs them.
struct LevelUpdate {
  Decimal price;
  Decimal size;
  std::string_view price_text;
  std::string_view size_text;
};

/// Result of walking one side of the book for a volume.
struct VolumeWalk {
  Decimal filled_volume;  ///< base units that the book can supply (≤ the requested volume)
  Decimal quote_volume;   ///< quote units for filled_volume, exact
  Decimal last_price;     ///< price of the last level touched (Hummingbot's result_price)
  Decimal vwap;           ///< quote_volume / filled_volume, half-even rounded; zero when nothing filled
};

/// L2 book of one market. Each side is a vector sorted so that the BEST level is at the back: most updates
/// touch the top, so inserts and erases there move few bytes (12 KB for 2x400 levels vs 50 KB for std::map).
/// Not thread-safe: owned by one connector thread.
class OrderBook {
 public:
  enum class Side : uint8_t { kBid, kAsk };

  /// Replaces the whole book. Levels may come in any order; zero sizes are ignored.
  void apply_snapshot(const std::vector<LevelUpdate>& bids, const std::vector<LevelUpdate>& asks,
                      uint64_t update_id);
  /// Starts an incremental snapshot: clear, then set_level for every level, then finish_snapshot.
  void begin_snapshot();
  void finish_snapshot(uint64_t update_id);
  /// Inserts, replaces or (size zero) removes one level. The hot path: no allocation once capacity is
  /// reached.
  void set_level(Side side, const LevelUpdate& level);
  /// Applies a diff message: every level then the update id.
  void apply_diff(const std::vector<LevelUpdate>& bids, const std::vector<LevelUpdate>& asks,
                  uint64_t update_id);
  void clear();

  uint64_t last_update_id() const { return last_update_id_; }
  void set_last_update_id(uint64_t id) { last_update_id_ = id; }

  std::size_t bid_count() const { return bids_.size(); }
  std::size_t ask_count() const { return asks_.size(); }
  /// i = 0 is the best level. Precondition: i < count.
  const BookLevel& bid(std::size_t i) const { return bids_[bids_.size() - 1 - i]; }
  const BookLevel& ask(std::size_t i) const { return asks_[asks_.size() - 1 - i]; }
  const BookLevel& level(Side side, std::size_t i) const { return side == Side::kBid ? bid(i) : ask(i); }
  std::size_t count(Side side) const { return side == Side::kBid ? bids_.size() : asks_.size(); }

  std::optional<Decimal> best_bid() const;
  std::optional<Decimal> best_ask() const;
  /// (best bid + best ask) / 2, exact to 18 digits; nullopt when a side is empty.
  std::optional<Decimal> mid_price() const;
  /// Best bid ≥ best ask: a sign of a missed update; the caller resyncs.
  bool is_crossed() const;

  /// Walks the side a taker of `taker_side` consumes (BUY walks asks) until `volume` base units are covered.
  VolumeWalk walk_volume(TradeType taker_side, Decimal volume) const;
  /// Walks until `quote_volume` quote units are spent (market buys sized in quote).
  VolumeWalk walk_quote_volume(TradeType taker_side, Decimal quote_volume) const;
  /// Base volume available to a taker of `taker_side` at prices at least as good as `price`.
  Decimal volume_for_price(TradeType taker_side, Decimal price) const;

  /// Visits the top `n` levels of a side, best first.
  template <typename Fn>
  void for_each_top(Side side, std::size_t n, Fn&& fn) const {
    const auto& v = side == Side::kBid ? bids_ : asks_;
    const std::size_t k = n < v.size() ? n : v.size();
    for (std::size_t i = 0; i < k; ++i) fn(v[v.size() - 1 - i]);
  }

 private:
  std::vector<BookLevel> bids_;  // ascending price: best (highest) at the back
  std::vector<BookLevel> asks_;  // descending price: best (lowest) at the back
  uint64_t last_update_id_ = 0;
};

}  // namespace nectar
