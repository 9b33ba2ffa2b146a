// The status of a running strategy as `status`, `status --live`, `nectar run` and `nectar demo` show it:
// market, balances, positions, active orders and P&L. Taken as a snapshot on the connector's thread, rendered
// anywhere. See docs/client.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nectar/connectors/connector.hpp"
#include "nectar/storage/trade_store.hpp"

namespace nectar::client {

struct StatusSnapshot {
  std::string exchange;
  TradingPair pair;
  int64_t now_ms = 0;
  std::optional<Decimal> best_bid;
  std::optional<Decimal> best_ask;
  std::optional<Decimal> mid;  ///< the book's mid price
  std::optional<Decimal> last_trade;
  std::vector<Balance> balances;    ///< the pair's base and quote (perpetuals: the collateral)
  std::vector<Position> positions;  ///< perpetual connectors only
  struct OrderRow {
    TradeType side = TradeType::kBuy;
    Decimal price;
    Decimal amount;
    Decimal filled;
    std::string state;
    std::string client_order_id;
    int64_t age_s = 0;
  };
  std::vector<OrderRow> orders;
  std::vector<storage::StoredFill> fills;  ///< the journal's fills of this market (for P&L)
  std::string strategy_line;               ///< the strategy's own one-line status ("" = none)
};

/// Reads the market, balances, positions and the orders `order_ids` from `connector`. Call on the connector's
/// thread.
StatusSnapshot take_status_snapshot(const Connector& connector, const TradingPair& pair,
                                    const std::vector<std::string>& order_ids);

/// The status block (several lines, each starting with two spaces; ends with a newline).
std::string render_status(const StatusSnapshot& snapshot);

}  // namespace nectar::client
