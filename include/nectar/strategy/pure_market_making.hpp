// Pure market making (Hummingbot's classic strategy): a ladder of bids and asks around the mid, refreshed on
// a timer, skewed toward an inventory target, with a kill switch. Works on any Connector (spot or paper).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nectar/connectors/connector.hpp"

namespace nectar::strategy {

struct PmmConfig {
  TradingPair pair;
  Decimal bid_spread = Decimal::from_scaled(1, 3);  ///< 0.001 = 0.1 % below the mid
  Decimal ask_spread = Decimal::from_scaled(1, 3);
  Decimal order_amount;  ///< base units, first level
  int order_levels = 1;
  Decimal order_level_spread = Decimal::from_scaled(1, 3);  ///< extra distance per level
  Decimal order_level_amount;                               ///< extra base amount per level
  std::chrono::milliseconds order_refresh_time{30000};
  Decimal order_refresh_tolerance;  ///< keep orders whose price is within this fraction of the new proposal
  std::chrono::milliseconds filled_order_delay{60000};
  bool inventory_skew = false;
  Decimal inventory_target_base = Decimal::from_scaled(5, 1);  ///< fraction of the portfolio value in base
  Decimal inventory_range_multiplier = Decimal::one();
  std::optional<Decimal> minimum_spread;    ///< cancel orders closer to the mid than this fraction
  std::optional<Decimal> price_ceiling;     ///< no bids above this mid
  std::optional<Decimal> price_floor;       ///< no asks below this mid
  std::optional<Decimal> kill_switch_loss;  ///< stop when the portfolio lost this fraction (0.05 = 5 %)
  /// Hummingbot's `balance limit`: per asset, the most the strategy may commit (its available balance is
  /// capped at this when it sizes a new ladder). Missing = no cap.
  std::map<std::string, Decimal> balance_limits;
  /// Describes what is wrong ("" when valid).
  std::string validate() const;
};

/// One order the strategy wants.
struct OrderProposal {
  TradeType side = TradeType::kBuy;
  Decimal price;
  Decimal amount;
};

/// What the strategy would quote given a mid price and balances, after skew, ceiling/floor, budget and the
/// trading rules (quantized; levels that fall below the exchange's minimums are dropped). Pure function.
std::vector<OrderProposal> make_proposals(const PmmConfig& config, const TradingRule& rule, Decimal mid,
                                          Decimal base_available, Decimal quote_available, Decimal base_total,
                                          Decimal quote_total);

struct PmmStats {
  uint64_t orders_placed = 0;
  uint64_t orders_cancelled = 0;
  uint64_t fills = 0;
  Decimal base_bought;
  Decimal base_sold;
  Decimal quote_spent;
  Decimal quote_received;
  Decimal start_value;  ///< portfolio value in quote at start
  Decimal value;        ///< at the last tick
  bool killed = false;
  bool holding = false;  ///< the book is out of sync: quotes cancelled, none placed until it is back
};

/// Runs on the connector's thread: call tick() periodically (e.g. every second).
class PureMarketMaking {
 public:
  PureMarketMaking(Connector& connector, PmmConfig config);
  ~PureMarketMaking();

  /// One decision step: waits for the connector to be ready, cancels stale or too-close orders, and places
  /// the new ladder when due.
  void tick();
  /// Cancels every order of this strategy (stop, exit).
  void cancel_all();
  const PmmStats& stats() const { return stats_; }
  const PmmConfig& config() const { return config_; }
  /// Client ids of this strategy's live orders.
  std::vector<std::string> active_order_ids() const;
  /// A one-line summary for status displays.
  std::string status_line() const;

 private:
  void on_event(const Event& event);
  /// The pair's book is not served (out of sync): cancel the quotes made from it and place none.
  void hold_quotes();
  Decimal portfolio_value(Decimal mid) const;

  Connector& connector_;
  PmmConfig config_;
  PmmStats stats_;
  std::vector<std::string> orders_;  // client ids this strategy placed and that may be live
  std::chrono::steady_clock::time_point next_refresh_{};
  std::chrono::steady_clock::time_point resume_after_fill_{};
  EventBus::Subscription subscription_;
};

}  // namespace nectar::strategy
