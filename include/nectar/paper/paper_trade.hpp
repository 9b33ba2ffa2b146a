// Paper trading: `<exchange>_paper_trade` connectors that trade simulated balances against the live market of
// a real exchange (docs/paper-trade.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
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
#include "nectar/sim/matching_engine.hpp"

namespace nectar {
class ExchangeBase;
struct PublicTrade;
}  // namespace nectar

namespace nectar::paper {

/// Suffix of paper connector ids: "bitget" -> "bitget_paper_trade".
inline constexpr std::string_view kPaperSuffix = "_paper_trade";

/// Balances a paper connector starts with when ConnectorConfig::options has no "paper_balances".
inline constexpr std::string_view kDefaultPaperBalances = "USDT:10000,BTC:1,ETH:10";

/// Parses "USDT:10000,BTC:1" (spaces allowed; "" = none). Throws std::invalid_argument naming the bad entry.
std::map<std::string, Decimal> parse_paper_balances(std::string_view text);

/// `balances` in the exchange's asset names: each common name that `asset_names` maps (BTC -> XBT) is
/// renamed. When both names are given, the exchange's own entry wins and the common one is dropped, so a
/// coin is never credited twice.
std::map<std::string, Decimal> in_exchange_asset_names(
    std::map<std::string, Decimal> balances,
    const std::map<std::string, std::string, std::less<>>& asset_names);

/// Makes `in` (tick and lot from the rule) the market's contract: kind, contract size and margin coin from
/// rule.contract_spec(true); the lot becomes whole contracts for an inverse market and the rule's base lot
/// in contracts for a linear one whose contract is not one base unit (BitMart: 0.001 BTC).
void apply_contract(const TradingRule& rule, sim::Instrument& in);
/// Engine quantity for a connector amount in base units: spot, the amount itself; a perpetual, whole lots
/// of contracts (rounded down) at `price`, which an inverse contract needs (contract::to_contracts).
Decimal engine_qty(const sim::Instrument& in, Decimal base, Decimal price);
/// Base units of an engine quantity at `price` (contract::to_base; spot: the quantity itself).
Decimal base_qty(const sim::Instrument& in, Decimal qty, Decimal price);

/// Settings of one paper connector.
struct PaperTradeOptions {
  std::map<std::string, Decimal> initial_balances;
  /// How often resting orders are checked against the live book and trades (option
  /// "paper_match_interval_ms").
  std::chrono::milliseconds match_interval{100};
  /// Trade-through from the market connector's public trades (exact traded volume) when it offers them
  /// (ExchangeBase::add_public_trade_listener); false forces the book-change fallback (option
  /// "paper_public_trades": "true"/"false").
  bool public_trades = true;
  /// Reads "paper_balances" (default kDefaultPaperBalances), "paper_match_interval_ms" and
  /// "paper_public_trades" from options. Throws std::invalid_argument on a bad value.
  static PaperTradeOptions from_config(const ConnectorConfig& config);
};

/// A connector that never sends anything private to the exchange. It owns a market-data-only connector of
/// the same exchange (track_user_stream = false) for order books, trades, trading rules and fee rates, and
/// settles paper orders in a private sim::MatchingEngine (the simulator core: exact Decimal ledger, fees,
/// and for perpetuals positions, margin, leverage, funding and liquidation). Only the paper account's orders
/// rest in that engine; the live market enters it as a counterparty account whose orders stand for the live
/// liquidity a paper order meets:
/// - a new order first sees the live levels it can take (after what paper fills already used) posted as
///   counterparty orders, then is placed in the engine, which fills it level by level at their prices
///   (taker fee); the counterparty orders are withdrawn right after. MARKET orders on a thin book fill what
///   is visible and the rest is cancelled; LIMIT_MAKER orders that would cross the live book are rejected;
/// - a resting order fills (maker fee, at its own price) when
///   (a) the live opposite side moves through its price: against the visible volume at prices at least as
///       good, or
///   (b) the market trades through it: by the volume of public trades (taker on the other side) at prices
///       strictly beyond its price, plus trades at its price once the live volume that was ahead of it in
///       the queue there has traded; without a public trade hook, by the volume that left the live book
///       beyond its price around a new last trade price (docs/paper-trade.md);
///   the counterparty sends an IOC order at the paper order's price for that amount.
/// Liquidity a paper fill used is remembered per live level until that level changes, so the same visible
/// volume is never consumed twice. Fee rates come from the market connector's estimate_fee. Order events
/// flow through an OrderTracker exactly as for real connectors.
/// Thread affinity: everything on executor() (the market connector shares it).
class PaperTradeConnector : public virtual Connector, protected sim::EngineListener {
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
  const Connector& market() const { return *market_; }
  /// Adds (or with a negative amount removes) paper funds, like Hummingbot's `balance paper`.
  /// Returns false when removing more than is available.
  bool adjust_balance(const std::string& asset, Decimal delta);
  /// Checks resting orders against the market now (the match loop does it every match_interval).
  void match_resting_orders();
  /// True when trade-through uses the market connector's public trades, false on the book-change fallback.
  bool uses_public_trades() const { return trade_source_ != nullptr; }

  /// The engine that settles paper orders (read-only: tests and status views). The paper account is
  /// kPaperAccount; the live market's stand-in orders belong to kMarketAccount.
  const sim::MatchingEngine& engine() const { return engine_; }
  static constexpr sim::AccountId kFeeAccount = 1;     ///< exchange revenue (and insurance fund)
  static constexpr sim::AccountId kPaperAccount = 2;   ///< the user's paper funds
  static constexpr sim::AccountId kMarketAccount = 3;  ///< the live market as counterparty

 protected:
  // ---- hooks of the perpetual paper connector ----
  /// The engine instrument of a pair (spot: base and quote change hands). Sizes and prices follow the
  /// trading rule's lot and tick; the rule's other limits are checked before an order reaches the engine.
  virtual sim::Instrument make_instrument(const TradingRule& rule) const;
  /// Completes the engine request of an order (perpetuals: open/close). Returns a reason to refuse, or "".
  virtual std::string prepare_request(const InFlightOrder& order, sim::OrderRequest& request) const;
  /// Runs at the start of every match pass, before resting orders are checked (perpetuals: marks, funding).
  virtual void on_match_pass(int64_t now_ms);
  /// Leverage recorded on new orders (perpetuals).
  virtual int order_leverage(const TradingPair& pair) const;

  /// The engine symbol of a pair, adding its instrument on first use (from the market's trading rule).
  /// Throws std::runtime_error when the pair has no rule or the engine refuses the instrument.
  const std::string& ensure_instrument(const TradingPair& pair);
  /// The engine symbol of a pair that has an instrument already, else nullptr.
  const std::string* symbol_of(const TradingPair& pair) const;
  /// The pair of an engine symbol.
  std::optional<TradingPair> pair_of(std::string_view symbol) const;
  sim::MatchingEngine& mutable_engine() { return engine_; }
  /// Why orders the engine cancels by itself during the next engine calls were cancelled ("" = default).
  void set_cancel_context(std::string why) { cancel_context_ = std::move(why); }
  int64_t now_ms() const;

  // sim::EngineListener (perpetual hooks: on_bill, on_liquidation are overridden by the subclass)
  void on_order_accepted(const sim::Order& order) override;
  void on_fill(const sim::Fill& fill, const sim::Order& maker, const sim::Order& taker) override;
  void on_order_done(const sim::Order& order) override;
  void on_balance(const sim::BalanceChange& change) override;

 private:
  /// A paper order resting in the engine.
  struct Resting {
    std::string client_order_id;
    sim::OrderId engine_id = 0;
    TradingPair pair;
    TradeType side = TradeType::kBuy;
    Decimal price;
    Decimal queue_ahead;       ///< live volume at its price that was ahead of it (public-trade mode)
    uint64_t trades_seen = 0;  ///< public trades up to this sequence number were weighed against it
  };
  /// Per level of the live book: the level size when a paper fill last used it, and how much was used.
  struct Used {
    Decimal seen_size;
    Decimal used;
  };
  /// A public trade of the live market, kept for a short while.
  struct SeenTrade {
    uint64_t seq = 0;
    int64_t received_ms = 0;
    Decimal price;
    Decimal size;
    Decimal left;  ///< not yet counted as traded against a paper order
    TradeType taker_side = TradeType::kBuy;
  };
  /// Volume that left one live level between two checks (traded or cancelled), kept for a short while
  /// (fallback without public trades).
  struct Decrease {
    int64_t ts_ms = 0;
    bool bid = true;
    Decimal price;
    Decimal amount;
  };
  struct PairState {
    std::map<Decimal, Used> used_asks;
    std::map<Decimal, Used> used_bids;
    std::deque<SeenTrade> trades;
    // Fallback without public trades:
    std::map<Decimal, Decimal> last_bids;  ///< visible book at the previous check
    std::map<Decimal, Decimal> last_asks;
    bool have_last_book = false;
    std::optional<Decimal> last_trade;  ///< last trade price at the previous check
    std::optional<Decimal> through;     ///< price of a recent new trade (trade-through window)
    int64_t through_until_ms = 0;
    std::vector<Decrease> decreases;
  };
  /// Liquidity of one live level a taker can use.
  struct LevelFill {
    Decimal price;
    Decimal amount;
    Decimal live_size;  ///< the level's size in the live book
  };
  /// A counterparty order standing for one live level.
  struct Posted {
    TradingPair pair;
    bool ask = true;
    Decimal price;
    Decimal live_size;
  };

  std::string place(TradeType side, const TradingPair& pair, Decimal amount, OrderType type, Decimal price,
                    PositionAction action);
  void process_new_order(const std::string& client_order_id);
  std::string validate(const InFlightOrder& order) const;
  /// Why the engine refused an order, in plain words.
  std::string refusal(const sim::PlaceResult& result, const InFlightOrder& order,
                      const std::vector<LevelFill>& levels) const;
  void refresh_fee_rates(const TradingPair& pair, const std::string& symbol);
  /// Visible size of a live level after what paper fills already used of it.
  Decimal unused(std::map<Decimal, Used>& used, Decimal price, Decimal size) const;
  void consume(std::map<Decimal, Used>& used, Decimal price, Decimal size, Decimal amount);
  /// Live liquidity for a taker of `side` up to `amount` at prices no worse than `limit` (nullopt: any),
  /// after what paper fills used; nothing is consumed.
  std::vector<LevelFill> liquidity(const TradingPair& pair, TradeType side, Decimal amount,
                                   std::optional<Decimal> limit);
  /// liquidity(), consumed.
  std::vector<LevelFill> take(const TradingPair& pair, TradeType side, Decimal amount,
                              std::optional<Decimal> limit);
  void post_liquidity(const std::string& symbol, const TradingPair& pair, TradeType taker_side,
                      const std::vector<LevelFill>& levels);
  /// Fills `amount` of a resting order at its price (an IOC of the market account).
  void fill_resting(const Resting& resting, Decimal amount);
  /// Public-trade volume that trades through a resting order (updates its queue and the trades' rest).
  Decimal traded_through(Resting& resting, PairState& st, Decimal want);
  /// Fallback: book volume swept beyond a resting order's price around a new trade.
  Decimal swept_through(const Resting& resting, PairState& st, Decimal want);
  void finish_cancelled(const std::string& client_order_id, const std::string& reason);
  void observe_market(const TradingPair& pair, PairState& st, int64_t now);
  void on_market_trade(const PublicTrade& trade);
  boost::asio::awaitable<void> match_loop();

  boost::asio::any_io_executor ex_;
  std::string name_;
  std::unique_ptr<Connector> market_;
  PaperTradeOptions options_;
  sim::MatchingEngine engine_;
  OrderTracker tracker_;
  ClientOrderIdGenerator ids_;
  std::map<std::string, Resting> resting_;  ///< by client order id
  std::map<TradingPair, PairState> pairs_;
  std::map<TradingPair, std::string> symbols_;
  std::map<std::string, TradingPair, std::less<>> pairs_by_symbol_;
  std::map<sim::OrderId, Posted> posted_;  ///< live counterparty orders standing for live levels
  std::optional<Posted> posting_;          ///< the level being posted (its engine id is not known yet)
  std::string cancel_context_;
  ExchangeBase* trade_source_ = nullptr;  ///< the market connector, when it reports public trades
  uint64_t trade_listener_id_ = 0;
  uint64_t trade_seq_ = 0;
  bool started_ = false;
  bool stopping_ = false;
  bool loop_running_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

/// The perpetual twin (e.g. `bitget_perpetual_paper_trade`), built when the market connector is a
/// PerpetualConnector. Margin, positions and PnL are the engine's perpetual accounting
/// (docs/perpetuals-sim.md), in the collateral of each pair (its trading rule's collateral token):
/// - one-way (default) or hedge mode; PositionAction CLOSE only reduces (one-way: reduce-only) and cannot
///   exceed the closable position; hedge orders without an action open, like the real connector;
/// - an OPEN reserves initial margin (notional / leverage) plus a fee reserve, refused when available margin
///   does not cover it; position margin = entry value / leverage; realised PnL on closes from the exact cost
///   basis; unrealised PnL and liquidation from the mark price (the market's funding-info mark, else the
///   mid);
/// - leverage per pair within the rule's bounds, 1x until set (what PerpetualExchangeBase records before it
///   knows the account's leverage);
/// - the position mode cannot change while positions or orders are open (PositionModeChanged says so);
/// - funding: when the market's next_funding_time passes, each position pays or receives size × mark ×
///   rate at the rate announced for that time, once per funding time, published as one FundingPayment per
///   pair.
/// balance(collateral) is the equity (wallet + unrealised PnL) and available_balance what new positions can
/// use, as the real Bitget perpetual connector reports them.
class PerpetualPaperTradeConnector : public PaperTradeConnector, public PerpetualConnector {
 public:
  /// `market` must be a PerpetualConnector.
  PerpetualPaperTradeConnector(boost::asio::any_io_executor ex, std::string name,
                               std::unique_ptr<Connector> market, PaperTradeOptions options);

  // PerpetualConnector
  std::vector<Position> positions() const override;
  PositionMode position_mode() const override;
  boost::asio::awaitable<void> set_position_mode(PositionMode mode) override;
  /// Throws ExchangeError: kInvalidOrder outside the rule's bounds, kInsufficientBalance when the margin of
  /// open positions and orders at the new leverage is not available.
  boost::asio::awaitable<void> set_leverage(const TradingPair& pair, int leverage) override;
  std::optional<FundingInfo> funding_info(const TradingPair& pair) const override;

  Decimal balance(const std::string& asset) const override;
  Decimal available_balance(const std::string& asset) const override;
  int leverage(const TradingPair& pair) const;

 protected:
  sim::Instrument make_instrument(const TradingRule& rule) const override;
  std::string prepare_request(const InFlightOrder& order, sim::OrderRequest& request) const override;
  void on_match_pass(int64_t now_ms) override;
  int order_leverage(const TradingPair& pair) const override { return leverage(pair); }
  void on_bill(const sim::Bill& bill) override;
  void on_liquidation(const sim::Liquidation& liquidation) override;

 private:
  struct FundingState {
    int64_t pending_time = 0;  ///< the next funding time announced by the market (0 = none)
    Decimal pending_rate;
    int64_t settled_time = 0;  ///< the last funding time settled
  };
  int default_leverage(const TradingPair& pair) const;
  void settle_funding(const TradingPair& pair, const std::string& symbol, Decimal rate, int64_t funding_time);

  PerpetualConnector* perp_market_;
  std::map<TradingPair, FundingState> funding_;
  bool collecting_funding_ = false;
  bool funding_seen_ = false;
  Decimal funding_sum_;
};

/// For every registered connector id X that is not itself a paper connector, adds "X_paper_trade": no
/// credentials, X's environments and perpetual flag; its factory builds X's market-data connector
/// (track_user_stream = false, same environment / endpoint override / trading pairs / options) and wraps it
/// in a PerpetualPaperTradeConnector when it is a PerpetualConnector, else a PaperTradeConnector. Paper
/// balances come from options["paper_balances"] (default kDefaultPaperBalances), renamed to X's asset names
/// (ConnectorInfo::asset_names). Idempotent.
void register_paper_connectors(ConnectorRegistry& registry);

}  // namespace nectar::paper
