// `history` and `export` of the client: a summary of the fills journaled for one strategy config, and the
// fills as CSV. See docs/client.md.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nectar/storage/trade_store.hpp"

namespace nectar::client {

/// The fills of one market.
struct TradeSummary {
  std::string exchange;
  TradingPair pair;
  std::size_t trades = 0;
  std::size_t buys = 0;
  std::size_t sells = 0;
  Decimal base_bought;  ///< Σ amount of buy fills (gross, before a fee charged in base)
  Decimal base_sold;
  Decimal quote_spent;     ///< Σ price × amount of buy fills (gross)
  Decimal quote_received;  ///< Σ price × amount of sell fills (gross)
  std::optional<Decimal> avg_buy_price;
  std::optional<Decimal> avg_sell_price;
  std::map<std::string, Decimal> fees;  ///< by token, as charged
  /// Fees charged in the base or the quote token, in quote (base fees at their fill's price). Fees in other
  /// tokens are only listed in `fees`.
  Decimal fees_in_quote;
  /// Matched volume min(bought, sold) × (avg sell − avg buy), before fees: the gross amounts are used, so
  /// each fee counts exactly once, in realized_pnl_net.
  Decimal realized_pnl;
  Decimal realized_pnl_net;  ///< realized_pnl − fees_in_quote
  /// base_bought − base_sold: inventory the fills left open (negative: sold more than bought).
  Decimal open_base() const { return base_bought - base_sold; }
};

/// P&L of the inventory the fills left open, valued at `mid`: long open_base × (mid − avg buy), short
/// |open_base| × (avg sell − mid). realized_pnl + this = the value change of every fill at `mid`, before
/// fees.
Decimal unrealized_pnl(const TradeSummary& summary, Decimal mid);

/// What `history` shows: fills since `since_ms` (0 = all); `verbose` also lists every fill.
struct HistoryOptions {
  int64_t since_ms = 0;
  bool verbose = false;
  /// Mid price per market (exchange + " " + pair) for unrealized P&L; markets without one show "n/a".
  std::map<std::string, Decimal> mids;
};

/// One summary per (exchange, pair), in order of first fill.
std::vector<TradeSummary> summarize_fills(const std::vector<storage::StoredFill>& fills);

/// The text `history` prints (a "no trades" line when no fill is selected).
std::string format_history(const std::vector<storage::StoredFill>& fills, const std::string& config_name,
                           const HistoryOptions& options = {});

/// Writes the fills as CSV (header: trade_id,timestamp,exchange,market,side,price,amount,quote_amount,fees,
/// is_maker,client_order_id,exchange_order_id). Throws std::runtime_error when the file cannot be written.
void write_trades_csv(const std::vector<storage::StoredFill>& fills, const std::filesystem::path& file);

}  // namespace nectar::client
