// Client order ids: generated locally before the request leaves, within each exchange's length and charset.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "nectar/core/types.hpp"

namespace nectar {

struct ClientOrderIdRules {
  std::string prefix = "nct";           ///< identifies our orders (e.g. for cancel-all of the bot's orders)
  std::size_t max_length = 32;          ///< exchange limit
  std::string_view allowed_extra = "";  ///< characters allowed besides [A-Za-z0-9]
};

/// Makes unique ids: prefix + side letter + pair initials + a time-ordered hex counter and random tail, cut
/// to the exchange's length. Unique within and across processes (the random tail comes from the OS).
class ClientOrderIdGenerator {
 public:
  explicit ClientOrderIdGenerator(ClientOrderIdRules rules);
  std::string next(TradeType side, const TradingPair& pair, int64_t now_us);
  const ClientOrderIdRules& rules() const { return rules_; }
  /// True when `id` respects the rules (used to validate ids restored from storage or typed by a user).
  bool valid(std::string_view id) const;

 private:
  ClientOrderIdRules rules_;
  uint64_t counter_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace nectar
