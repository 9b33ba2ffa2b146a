// The `[[price,size],...]` level arrays most exchanges send (Bitget, BitMart spot, HitBTC, BitMEX
// orderBook10): a scanner for their raw JSON text that keeps the exchange's exact strings (checksums need
// them) and converts plain short values on the way, with a simdjson fallback for anything unusual (escapes,
// exponents, bare numbers mixed with strings). Allocation-free once warmed up. Not thread-safe.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "nectar/core/decimal.hpp"
#include "nectar/core/order_book.hpp"

namespace nectar {

/// Price and size of one level: the texts as sent and, when the scanner could already convert them, the
/// values. The texts point into the scanned input (or the scanner's fallback buffer): valid until the next
/// scan.
struct LevelText {
  std::string_view price;
  std::string_view size;
  Decimal price_value;
  Decimal size_value;
  bool parsed = false;  ///< both values set
};

/// Exact non-negative decimal from a level's text: plain "123.456" (≤ 19 digits, ≤ 18 after the point)
/// directly, any other form through Decimal::try_parse. False for negative or unreadable text.
bool parse_level_amount(std::string_view text, Decimal& out);

class LevelScanner {
 public:
  LevelScanner();
  ~LevelScanner();
  LevelScanner(const LevelScanner&) = delete;
  LevelScanner& operator=(const LevelScanner&) = delete;

  /// Reads one side's raw JSON array `[[price,size,...],...]` (strings or bare numbers; extra fields per
  /// level are ignored) into `out` (cleared first). `raw` must lie in a buffer with `readable` bytes readable
  /// from raw.data(), at least raw.size() + 64 (simdjson padding). False when it is not such an array.
  bool scan(std::string_view raw, std::size_t readable, std::vector<LevelText>& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Sets every scanned level on `side` of `book` (size zero removes). False at the first unreadable value;
/// levels before it are applied.
bool apply_levels(const std::vector<LevelText>& levels, OrderBook& book, OrderBook::Side side);

}  // namespace nectar
