// Paper trading: `<exchange>_paper_trade` connectors that trade simulated balances against the live market of
// a real exchange (docs/paper-trade.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "nectar/connectors/client_order_id.hpp"
#include "nectar/connectors/connector.hpp"
#include "nectar/connectors/order_tracker.hpp"
#include "nectar/connectors/registry.hpp"
#include "nectar/sim/ledger.hpp"

namespace nectar::paper {

/// Suffix of paper connector ids: "bitget" -> "bitget_paper_trade".
inline constexpr std::string_view kPaperSuffix = "_paper_trade";

/// Balances a paper connector starts with when ConnectorConfig::options has no "paper_balances".
inline constexpr std::string_view kDefaultPaperBalances = "USDT:10000,BTC:1,ETH:10";

/// Parses "USDT:10000,BTC:1" (spaces allowed; "" = none). Throws std::invalid_argument naming the bad entry.
std::map<std::string, Decimal> parse_paper_balances(std::string_view text);

/// Settings of one paper connector.
struct PaperTradeOptions {
  std::map<std::string, Decimal> initial_balances;
  /// How often resting orders are checked against the live book and trades (option
  /// "paper_match_interval_ms").
  std::chrono::milliseconds match_interval{100};
  /// Reads "paper_balances" (default kDefaultPaperBalances) and "paper_match_interval_ms" from options.
  static PaperTradeOptions from_config(const ConnectorConfig& config);
};

/// A spot connector that never sends anything private to the exchange. It owns a market-data-only connector
/// of the same exchange (track_user_stream = false) for order books, last trades, trading rules and fee
/// rates, and keeps the paper balances in a sim::Ledger (exact Decimal: available + frozen per asset).
///
/// Matching against the live market:
/// - MARKET orders sweep the live book's levels at their prices (one fill per level), partially when the book
///   is thin (the unfilled rest is cancelled, as exchanges do); taker fee.
/// - LIMIT orders that cross take the crossing levels the same way (taker), and the rest rests.
/// - LIMIT_MAKER orders that would cross are rejected (OrderFailed with the reason).
/// - A resting order fills (maker fee, at its own price) when
///   (a) the opposite best price moves through it: against the visible volume at prices at least as good, or
///   (b) the market trades through it: a new last trade price beyond the order's price, by the volume that
///       disappeared from the book at prices between the trade and the order (what a taker swept), never
///       more.
///   Liquidity a paper fill used is remembered per level until the live level changes, so the same visible
///   volume is never consumed twice.
/// - Fees come from the exchange's schedule (estimate_fee of the market connector) in the received asset.
/// Order events flow through an OrderTracker exactly as for real connectors.
/// Thread affinity: everything on executor() (the market connector shares it).
class PaperTradeConnector : public Connector {
 public:
  PaperTradeConnector(boost::asio::any_io_executor ex, std::string name, std::unique_ptr<Connector> market,
                      PaperTradeOptions options);
  ~PaperTradeConnector() override;

  const std::string& name() const override { return name_; }
  boost::asio::any_io_executor executor() const override { return ex_; }
  void start() override;
  boost::asio::awaitable<void> stop() override;
  ConnectorStatus status() const override;

  std::string buy(const TradingPair& pair, Decimal amount, OrderType type, Decimal price,
                  PositionAction action = PositionAction::kNil) override;
  std::string sell(const TradingPair& pair, Decimal amount, OrderType type, Decimal price,
                   PositionAction action = PositionAction::kNil) override;
  void cancel(const TradingPair& pair, const std::string& client_order_id) override;
  boost::asio::awaitable<std::vector<CancellationResult>> cancel_all(
      std::chrono::milliseconds timeout) override;

  std::vector<TradingPair> trading_pairs() const override { return market_->trading_pairs(); }
  const TradingRule* trading_rule(const TradingPair& pair) const override {
    return market_->trading_rule(pair);
  }
  const OrderBook* order_book(const TradingPair& pair) const override { return market_->order_book(pair); }
  std::optional<Decimal> last_trade_price(const TradingPair& pair) const override {
    return market_->last_trade_price(pair);
  }
  Decimal balance(const std::string& asset) const override;
  Decimal available_balance(const std::string& asset) const override;
  std::vector<Balance> balances() const override;
  std::vector<const InFlightOrder*> in_flight_orders() const override { return tracker_.active_orders(); }
  const InFlightOrder* order(const std::string& client_order_id) const override {
    return tracker_.find(client_order_id);
  }
  TradeFee estimate_fee(const TradingPair& pair, OrderType type, TradeType side, Decimal amount,
                        Decimal price, bool is_maker) const override {
    return market_->estimate_fee(pair, type, side, amount, price, is_maker);
  }
  /// Paper connectors need no keys: always succeeds.
  boost::asio::awaitable<void> check_credentials() override { co_return; }

  /// The market-data connector (tests, status views).
  Connector& market() { return *market_; }
  /// Adds (or with a negative amount removes) paper funds, like Hummingbot's `balance paper`.
  /// Returns false when removing more than is available.
  bool adjust_balance(const std::string& asset, Decimal delta);
  /// Checks resting orders against the market now (the match loop does it every match_interval).
  void match_resting_orders();

 private:
  struct Resting {
    std::string client_order_id;
    std::string exchange_order_id;
    TradingPair pair;
    TradeType side = TradeType::kBuy;
    Decimal price;
    Decimal frozen;  ///< what this order still holds (quote for buys, base for sells)
  };
  /// Per level of the live book: the level size when a paper fill last used it, and how much was used.
  struct Used {
    Decimal seen_size;
    Decimal used;
  };
  /// Volume that left one live level between two checks (traded or cancelled), kept for a short while.
  struct Decrease {
    int64_t ts_ms = 0;
    bool bid = true;
    Decimal price;
    Decimal amount;
  };
  struct PairState {
    std::map<Decimal, Used> used_asks;
    std::map<Decimal, Used> used_bids;
    std::map<Decimal, Decimal> last_bids;  ///< visible book at the previous check
    std::map<Decimal, Decimal> last_asks;
    bool have_last_book = false;
    std::optional<Decimal> last_trade;  ///< last trade price at the previous check
    std::optional<Decimal> through;     ///< price of a recent new trade (trade-through window)
    int64_t through_until_ms = 0;
    std::vector<Decrease> decreases;
  };
  struct LevelFill {
    Decimal price;
    Decimal amount;
  };

  std::string place(TradeType side, const TradingPair& pair, Decimal amount, OrderType type, Decimal price);
  void process_new_order(const std::string& client_order_id);
  std::string validate(const InFlightOrder& order) const;
  /// Visible size of a live level after what paper fills already used of it.
  Decimal unused(std::map<Decimal, Used>& used, Decimal price, Decimal size) const;
  void consume(std::map<Decimal, Used>& used, Decimal price, Decimal size, Decimal amount);
  /// Takes liquidity for a taker of `side` up to `amount` at prices no worse than `limit` (nullopt: any).
  std::vector<LevelFill> take(const TradingPair& pair, TradeType side, Decimal amount,
                              std::optional<Decimal> limit);
  /// Settles one fill in the ledger and reports it. `frozen` is the order's frozen amount, reduced here.
  void settle_fill(const InFlightOrder& order, const std::string& exchange_order_id, Decimal price,
                   Decimal amount, bool is_maker, Decimal& frozen);
  void release(const std::string& asset, Decimal& frozen);
  void finish_cancelled(const std::string& client_order_id, const std::string& reason);
  void observe_market(const TradingPair& pair, PairState& st, int64_t now);
  boost::asio::awaitable<void> match_loop();
  const std::string& frozen_asset(const TradingPair& pair, TradeType side) const {
    return side == TradeType::kBuy ? pair.quote : pair.base;
  }
  int64_t now_ms() const;

  boost::asio::any_io_executor ex_;
  std::string name_;
  std::unique_ptr<Connector> market_;
  PaperTradeOptions options_;
  sim::Ledger ledger_;
  OrderTracker tracker_;
  ClientOrderIdGenerator ids_;
  std::map<std::string, Resting> resting_;  ///< by client order id
  std::map<TradingPair, PairState> pairs_;
  uint64_t next_order_id_ = 1;
  uint64_t next_trade_id_ = 1;
  bool started_ = false;
  bool stopping_ = false;
  bool loop_running_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

/// For every registered connector id X that is not itself a paper connector, adds "X_paper_trade": no
/// credentials, X's environments; its factory builds X's market-data connector (track_user_stream = false,
/// same environment / endpoint override / trading pairs / options) and wraps it. Paper balances come from
/// options["paper_balances"] (default kDefaultPaperBalances). Idempotent.
void register_paper_connectors(ConnectorRegistry& registry);

}  // namespace nectar::paper
