// The simulator's matching engine: spot and perpetual (linear, quanto, inverse) instruments, one
// price-time-priority book each, one ledger; perpetuals add positions, margin, leverage, mark price, funding
// and liquidation (docs/perpetuals-sim.md). Inside: a matching core plus one settlement policy per instrument
// kind (docs/matching-engine.md). No I/O. Exchange front-ends (Bitget, BitMart, BitMEX, HitBTC) and the
// paper-trading connector drive it through place/cancel and the queries below, and observe it through
// EngineListener.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nectar/core/decimal.hpp"
#include "nectar/core/types.hpp"
#include "nectar/sim/instrument.hpp"
#include "nectar/sim/ledger.hpp"

namespace nectar::sim {

using OrderId = uint64_t;  ///< engine-assigned, strictly increasing; its decimal text is the string form
using TradeId = uint64_t;  ///< engine-assigned, strictly increasing over all symbols
using Side = nectar::TradeType;

/// The string form of an order id ("1098394041925599232") and back (nullopt for anything but digits).
std::string order_id_string(OrderId id);
std::optional<OrderId> parse_order_id(std::string_view text);

enum class OrderKind : uint8_t {
  kLimit,     ///< rests (GTC) or not (IOC/FOK) after taking what crosses
  kPostOnly,  ///< limit that must not take: if it would cross it is rejected (no fill, no rest)
  kMarket,    ///< sweeps the book; what cannot fill is cancelled. Time in force is ignored.
};
enum class TimeInForce : uint8_t {
  kGtc,  ///< rest until filled or cancelled
  kIoc,  ///< take what crosses now; the remainder expires
  kFok,  ///< fill completely now or expire without any fill
};
enum class OrderStatus : uint8_t {
  kNew,              ///< live, nothing filled (resting)
  kPartiallyFilled,  ///< live, something filled (resting)
  kFilled,           ///< done: fully filled (market buy by quote: until less than one lot was affordable)
  kCancelled,        ///< done: cancelled by the owner, or a market order's unfillable remainder
  kExpired,          ///< done: IOC remainder or FOK that could not fill completely
  kRejected,         ///< done: post-only that would have crossed (the only reject that creates an order)
};

/// Why a request was refused. Values are stable; front-ends map them to exchange error codes.
enum class RejectReason : uint8_t {
  kNone,
  kUnknownSymbol,
  kInvalidParameter,     ///< non-positive price/size, both or neither of quantity/quote_amount, ...
  kPriceNotOnTick,       ///< price is not a multiple of the instrument's tick
  kSizeNotOnLot,         ///< size not a multiple of the lot (or quote amount not a multiple of quote_step)
  kBelowMinSize,         ///< base size below min_size
  kAboveMaxSize,         ///< base size above max_size
  kBelowMinNotional,     ///< price × size (or the market buy's quote amount) below min_notional
  kInsufficientBalance,  ///< available balance cannot cover what the order must freeze
  kDuplicateClientId,    ///< the account already has a live order with this client id
  kPostOnlyWouldCross,   ///< post-only order would have taken liquidity
  kUnknownOrder,         ///< cancel: no live order with that id / client id for that account
  // Perpetuals (appended; values stay stable):
  kInsufficientMargin,       ///< available margin cannot cover the order's initial margin + fee reserve
  kReduceOnlyWouldIncrease,  ///< reduce-only order on the same side as the (one-way) position
  kCloseExceedsPosition,     ///< close / reduce-only size above what is held (minus other close orders)
  kPositionModeMismatch,     ///< hedge-mode fields in one-way mode or a missing open/close in hedge mode
  kLeverageOutOfRange,       ///< leverage outside the instrument's [min_leverage, max_leverage]
  kOpenPositionsOrOrders,    ///< mode switch refused while positions or open orders exist
  kNotPerpetual,             ///< a perpetual-only call on a spot symbol
};
std::string_view to_string(RejectReason r);  ///< snake case, e.g. "price_not_on_tick"
std::string_view to_string(OrderStatus s);   ///< "new", "partially_filled", "filled", ...
std::string_view to_string(OrderKind k);     ///< "limit", "post_only", "market"
std::string_view to_string(TimeInForce t);   ///< "gtc", "ioc", "fok"

/// A new order as a client asks for it.
struct OrderRequest {
  AccountId account = 0;
  std::string symbol;
  std::string client_id;  ///< optional; when non-empty it must be unique among the account's live orders
  Side side = Side::kBuy;
  OrderKind kind = OrderKind::kLimit;
  TimeInForce tif = TimeInForce::kGtc;  ///< LIMIT only; POST_ONLY is always GTC, MARKET ignores it
  Decimal price;         ///< LIMIT / POST_ONLY: quote per base, multiple of tick; MARKET: must be zero
  Decimal quantity;      ///< base size, multiple of lot; zero for a market buy sized by quote_amount
  Decimal quote_amount;  ///< MARKET BUY only: quote to spend (Bitget spot market buys); else zero

  // Perpetuals only (must stay at their defaults for spot). One-way mode: `side` against the net position;
  // reduce_only (or position_action == kClose) only reduces it. Hedge mode: position_action kOpen or kClose
  // is required; the position is long for open+buy / close+sell and short otherwise (position_side, when not
  // kBoth, must agree).
  bool reduce_only = false;
  PositionAction position_action = PositionAction::kNil;
  PositionSide position_side = PositionSide::kBoth;

  static OrderRequest limit(AccountId account, std::string symbol, Side side, Decimal price, Decimal quantity,
                            TimeInForce tif = TimeInForce::kGtc, std::string client_id = {});
  static OrderRequest post_only(AccountId account, std::string symbol, Side side, Decimal price,
                                Decimal quantity, std::string client_id = {});
  /// Market order sized in base (buy or sell).
  static OrderRequest market(AccountId account, std::string symbol, Side side, Decimal quantity,
                             std::string client_id = {});
  /// Market buy that spends `quote_amount` of the quote asset.
  static OrderRequest market_buy_quote(AccountId account, std::string symbol, Decimal quote_amount,
                                       std::string client_id = {});
};

/// The engine's record of an order. Amounts are exact; `frozen` is what this order still holds in the
/// ledger (quote for buys, base for sells) and is exactly zero once the order is done.
struct Order {
  OrderId id = 0;
  AccountId account = 0;
  std::string client_id;
  std::string symbol;
  Side side = Side::kBuy;
  OrderKind kind = OrderKind::kLimit;
  TimeInForce tif = TimeInForce::kGtc;
  Decimal price;          ///< limit price; zero for market orders
  Decimal quantity;       ///< requested base size; zero for a market buy by quote
  Decimal quote_amount;   ///< requested quote amount of a market buy by quote; else zero
  Decimal filled_qty;     ///< cumulative base filled
  Decimal filled_quote;   ///< cumulative quote value of the fills (Σ price × qty)
  Decimal fee;            ///< cumulative fee paid, positive, in fee_asset
  std::string fee_asset;  ///< the received asset: base for buys, quote for sells
  Decimal frozen;         ///< still reserved in the ledger for this order
  OrderStatus status = OrderStatus::kNew;
  RejectReason reject_reason = RejectReason::kNone;  ///< set when status == kRejected
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  // Perpetuals: `frozen` is the margin reserve in the settle asset (fee_asset is the settle asset too).
  bool reduce_only = false;  ///< one-way reduce-only or hedge close: reserves nothing, never increases
  PositionAction position_action = PositionAction::kNil;  ///< hedge: kOpen / kClose; else kNil
  PositionSide position_side = PositionSide::kBoth;       ///< hedge: kLong / kShort; one-way, spot: kBoth

  std::string id_string() const { return order_id_string(id); }
  bool is_live() const { return status == OrderStatus::kNew || status == OrderStatus::kPartiallyFilled; }
  /// Base still to fill (quantity − filled_qty); zero for a market buy by quote.
  Decimal remaining() const { return quantity.is_zero() ? Decimal{} : quantity - filled_qty; }
  /// filled_quote / filled_qty rounded half-up to 18 decimals; zero before any fill.
  Decimal average_price() const;
};

/// One match between a resting (maker) and an incoming (taker) order. Fees are positive amounts paid, each
/// in the asset that side received (buyer: base, seller: quote).
struct Fill {
  TradeId trade_id = 0;
  std::string symbol;
  Decimal price;      ///< the maker's price
  Decimal qty;        ///< base
  Decimal quote_qty;  ///< price × qty, exact
  Side taker_side = Side::kBuy;
  OrderId maker_order_id = 0;
  OrderId taker_order_id = 0;
  AccountId maker_account = 0;
  AccountId taker_account = 0;
  Decimal maker_fee;
  std::string maker_fee_asset;
  Decimal taker_fee;
  std::string taker_fee_asset;
  int64_t ts_ms = 0;

  Side maker_side() const { return opposite(taker_side); }
};

/// A fill from one account's point of view (what the exchange's "my fills" endpoints return). A self-trade
/// produces two of these, one maker and one taker.
struct AccountFill {
  TradeId trade_id = 0;
  OrderId order_id = 0;
  std::string client_id;
  std::string symbol;
  Side side = Side::kBuy;
  OrderKind kind = OrderKind::kLimit;
  Decimal price;
  Decimal qty;
  Decimal quote_qty;
  Decimal fee;  ///< positive = paid
  std::string fee_asset;
  bool is_maker = false;
  int64_t ts_ms = 0;
  // Perpetuals: effect on the position.
  Decimal realized_pnl;                                   ///< PnL realised by this fill (excl. fee)
  PositionSide position_side = PositionSide::kBoth;       ///< kLong / kShort: the position it traded
  PositionAction position_action = PositionAction::kNil;  ///< kOpen, kClose (a flip counts as kClose)
};

/// A trade as the public `trade` channel shows it.
struct PublicTrade {
  TradeId trade_id = 0;
  std::string symbol;
  Decimal price;
  Decimal qty;
  Side taker_side = Side::kBuy;
  int64_t ts_ms = 0;
};

/// The new aggregated size of one price level (zero = level removed). `seq` increases by one with every
/// level change of that symbol, so a front-end can build incremental book pushes and detect gaps.
struct BookLevelChange {
  std::string symbol;
  Side side = Side::kBuy;  ///< kBuy = bid level, kSell = ask level
  Decimal price;
  Decimal qty;  ///< new total base resting at this price
  uint64_t seq = 0;
  int64_t ts_ms = 0;
};

struct L2Level {
  Decimal price;
  Decimal qty;
  friend bool operator==(const L2Level&, const L2Level&) = default;
};
/// Aggregated book: bids best (highest) first, asks best (lowest) first.
struct L2Book {
  std::vector<L2Level> bids;
  std::vector<L2Level> asks;
  uint64_t seq = 0;  ///< the symbol's level-change sequence this view corresponds to
};

struct PlaceResult {
  RejectReason reason = RejectReason::kNone;
  std::string message;   ///< empty on success; otherwise says what was wrong, with the values
  OrderId order_id = 0;  ///< non-zero when an order was created (also for kPostOnlyWouldCross)
  OrderStatus status = OrderStatus::kNew;  ///< the order's status when place() returned; kRejected if refused
  bool ok() const { return reason == RejectReason::kNone; }
};

struct CancelResult {
  RejectReason reason = RejectReason::kNone;  ///< kNone or kUnknownOrder
  std::string message;
  OrderId order_id = 0;
  bool ok() const { return reason == RejectReason::kNone; }
};

// ---- perpetuals ----

enum class MarginMode : uint8_t { kCross, kIsolated };
std::string_view to_string(MarginMode m);  ///< "cross", "isolated"

/// A position as queries and events show it. Stored state: size, entry_value, margin, realized_pnl, fees,
/// funding; the rest is derived at the time of the snapshot from the mark price.
struct Position {
  AccountId account = 0;
  std::string symbol;
  PositionSide side = PositionSide::kLong;  ///< kLong or kShort (one-way: the direction of the net position)
  MarginMode margin_mode = MarginMode::kCross;
  PositionMode position_mode = PositionMode::kOneway;
  Decimal leverage;
  Decimal size;          ///< quantity units (contracts), > 0; 0 only in the event reporting a close
  Decimal entry_value;   ///< cost basis in the settle asset: Σ fill values (linear price × qty ×
                         ///< contract_size, inverse qty × contract_size / price) of the open part
  Decimal entry_price;   ///< linear entry_value / (size × contract_size), inverse the reverse; half-up
  Decimal margin;        ///< position margin held (frozen in the ledger)
  Decimal realized_pnl;  ///< cumulative PnL realised since the position was opened (fees excluded)
  Decimal fees;          ///< cumulative trading fees paid (positive)
  Decimal funding;       ///< cumulative funding (positive = received)
  Decimal mark_price;
  Decimal unrealized_pnl;      ///< from mark_price
  Decimal maintenance_margin;  ///< value at the mark × maintenance_margin_rate
  Decimal liquidation_price;   ///< estimated (others at the current mark); zero = none
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

enum class BillType : uint8_t {
  kTrade,        ///< a perpetual fill: amount = realised PnL, fee = trading fee
  kFunding,      ///< funding settlement: amount = paid (< 0) or received (> 0)
  kLiquidation,  ///< position taken over by the exchange at the mark: amount = realised PnL charged
};
std::string_view to_string(BillType t);  ///< "trade", "funding", "liquidation"

/// One change of an account's wallet (settle asset) caused by perpetual trading: what front-ends list as
/// account bills (Bitget account/bill: open_long, close_short, contract_settle_fee, ...).
struct Bill {
  uint64_t id = 0;  ///< engine-wide, strictly increasing
  AccountId account = 0;
  std::string symbol;
  std::string asset;  ///< the settle asset
  BillType type = BillType::kTrade;
  PositionSide side = PositionSide::kLong;       ///< the position concerned
  PositionAction action = PositionAction::kNil;  ///< kTrade: kOpen or kClose
  Decimal amount;                                ///< signed wallet change excluding the fee
  Decimal fee;                                   ///< positive = paid
  Decimal balance;                               ///< wallet balance after this bill
  TradeId trade_id = 0;                          ///< kTrade only
  int64_t ts_ms = 0;
};

/// A liquidation: the position was closed at the mark price against the exchange (fee account).
struct Liquidation {
  uint64_t id = 0;  ///< the id of its bill
  AccountId account = 0;
  std::string symbol;
  PositionSide side = PositionSide::kLong;
  MarginMode margin_mode = MarginMode::kCross;
  Decimal size;
  Decimal entry_price;
  Decimal price;                 ///< the mark it was closed at
  Decimal realized_pnl;          ///< of the close (negative for a loss)
  Decimal covered_by_insurance;  ///< part of the loss the account could not pay (paid by the fee account)
  int64_t ts_ms = 0;
};

/// Margin account view of one settle asset. wallet = ledger available + perpetual reservations (position
/// margins + order margins); spot orders' frozen funds are not part of it.
struct MarginSummary {
  std::string asset;
  Decimal wallet;              ///< realised balance (deposits + realised PnL − fees ± funding)
  Decimal unrealized_pnl;      ///< all positions, at mark
  Decimal equity;              ///< wallet + unrealized_pnl
  Decimal position_margin;     ///< Σ position margins held
  Decimal order_margin;        ///< Σ open orders' margin reserves
  Decimal maintenance_margin;  ///< Σ positions' maintenance margins
  Decimal available;  ///< wallet − margins + min(0, cross uPnL), floored at 0: what new orders can use
};

/// Outcome of a settings call (position mode, leverage, margin mode).
struct PerpResult {
  RejectReason reason = RejectReason::kNone;
  std::string message;
  bool ok() const { return reason == RejectReason::kNone; }
};

/// Observer of everything the engine does. All callbacks default to no-ops.
///
/// Delivery (Liquibook style): an operation (place, cancel, cancel_all, or a ledger call made outside one)
/// first completes all its mutations, then the engine delivers the events it produced, in order. So when a
/// callback runs, queries on the engine already show the final state of the whole operation, while each
/// event carries the state as of that event (e.g. the maker and taker snapshots of each fill). Callbacks may
/// call the engine; the events of that nested operation are delivered after the current ones.
///
/// Order of events for one place():
///   on_order_accepted(taker)                    — validated, id assigned (not for rejected requests)
///   on_balance(...)                              — the freeze
///   per match: on_fill, on_public_trade, on_book_level (maker side), [on_order_done(maker) if filled],
///              on_balance(...) for the accounts/assets it touched (coalesced: last state per pair)
///   then either on_book_level (taker rests; taker side) or on_order_done(taker) + on_balance (release).
/// A post-only that would cross produces only on_order_done(status kRejected). Validation failures produce
/// no events (place() returns the reason). cancel(): on_book_level, on_order_done(kCancelled), on_balance.
class EngineListener {
 public:
  virtual ~EngineListener() = default;
  virtual void on_order_accepted(const Order& /*order*/) {}
  /// `maker` and `taker` are the orders' states right after this fill.
  virtual void on_fill(const Fill& /*fill*/, const Order& /*maker*/, const Order& /*taker*/) {}
  /// Terminal state: kFilled, kCancelled, kExpired or kRejected.
  virtual void on_order_done(const Order& /*order*/) {}
  virtual void on_public_trade(const PublicTrade& /*trade*/) {}
  virtual void on_book_level(const BookLevelChange& /*change*/) {}
  /// Every ledger change, including those of the fee account and direct ledger() calls.
  virtual void on_balance(const BalanceChange& /*change*/) {}
  /// Perpetuals: a position changed (fill, leverage, liquidation; size 0 = closed). Queued after the fill's
  /// on_fill / on_public_trade.
  virtual void on_position(const Position& /*position*/) {}
  /// Perpetuals: a bill was written (per fill per account, funding, liquidation).
  virtual void on_bill(const Bill& /*bill*/) {}
  /// Perpetuals: a position was liquidated (after its on_position with size 0).
  virtual void on_liquidation(const Liquidation& /*liquidation*/) {}
};

struct EngineConfig {
  AccountId fee_account = 0;                       ///< receives all fees (exchange revenue)
  std::size_t recent_orders_per_account = 10'000;  ///< done orders kept for status queries
  std::size_t recent_fills_per_account = 10'000;   ///< AccountFill records kept per account
  std::size_t recent_trades_per_symbol = 1'000;    ///< public trades kept per symbol
  std::size_t recent_bills_per_account = 10'000;   ///< perpetual bills kept per account
  OrderId first_order_id = 1;
  TradeId first_trade_id = 1;
  /// Milliseconds since the Unix epoch for order/fill timestamps; default: the system clock.
  std::function<int64_t()> clock;
};

/// Matching engine for spot and perpetual instruments with an integrated ledger.
///
/// Funds: a LIMIT/POST_ONLY buy freezes price × qty quote; a sell freezes qty base; a MARKET buy by quote
/// freezes the quote amount; a MARKET buy by base freezes the exact cost of sweeping the current book for
/// that size (what the sweep will spend, since matching is atomic), and releases what is unspent. Each fill
/// moves frozen funds to the counterparty exactly; a taker buy filling below its limit releases
/// (limit − price) × qty at once; when an order is done its remaining frozen amount is released.
///
/// Fees (rounding rule): fee = rate × received amount, rounded half-up (kHalfUp) to 18 decimals, charged in
/// the received asset (buyer: base, seller: quote) and credited to EngineConfig::fee_account. With
/// realistic rates (≤ 8 decimals) and sizes, the product has ≤ 18 decimals, so no rounding happens.
///
/// Perpetual instruments (Instrument::kind == kPerpetual) share the books and matching; their orders reserve
/// margin in the settle asset instead of freezing base/quote, and fills update positions (see
/// docs/perpetuals-sim.md and, for inverse contracts, docs/matching-engine.md). The fee account doubles as
/// the exchange's insurance fund and counterparty of funding and liquidations; it must not trade perpetuals
/// itself.
///
/// Self-trades are allowed (no self-trade prevention yet). Threading: single-threaded; call from one thread.
class MatchingEngine {
 public:
  explicit MatchingEngine(EngineConfig config = {});
  ~MatchingEngine();
  MatchingEngine(const MatchingEngine&) = delete;
  MatchingEngine& operator=(const MatchingEngine&) = delete;

  /// Adds a market. Throws std::invalid_argument (naming the symbol and the rule) when the instrument breaks
  /// an invariant listed on Instrument, or the symbol already exists.
  void add_instrument(const Instrument& instrument);
  /// Changes the fee rates of a market (applies to later fills). Returns false for an unknown symbol.
  bool set_fee_rates(std::string_view symbol, Decimal maker_rate, Decimal taker_rate);
  const Instrument* instrument(std::string_view symbol) const;  ///< nullptr if unknown
  std::vector<std::string> symbols() const;                     ///< sorted

  /// Validates, freezes, matches and (GTC limit remainder) rests an order. Checks, in order: symbol,
  /// parameters, tick, lot, min/max size, min notional, duplicate client id, balance, post-only crossing.
  PlaceResult place(const OrderRequest& request);
  /// Cancels a live order of `account`; kUnknownOrder when it is not live or belongs to another account.
  CancelResult cancel(AccountId account, OrderId order_id);
  CancelResult cancel_by_client_id(AccountId account, std::string_view client_id);
  /// Cancels every live order of the account (only `symbol`'s when non-empty), oldest first. Returns count.
  std::size_t cancel_all(AccountId account, std::string_view symbol = {});

  /// Live or recently done order by id.
  std::optional<Order> order(OrderId order_id) const;
  /// The account's live order with that client id, else its most recent done one.
  std::optional<Order> order_by_client_id(AccountId account, std::string_view client_id) const;
  /// Live orders of the account, oldest first; all symbols when `symbol` is empty.
  std::vector<Order> open_orders(AccountId account, std::string_view symbol = {}) const;
  /// Done orders still remembered, newest first, at most `limit`.
  std::vector<Order> recent_orders(AccountId account, std::string_view symbol = {},
                                   std::size_t limit = SIZE_MAX) const;
  /// The account's fills, newest first; filtered by symbol (non-empty) and order id (non-zero).
  std::vector<AccountFill> recent_fills(AccountId account, std::string_view symbol = {}, OrderId order_id = 0,
                                        std::size_t limit = SIZE_MAX) const;
  /// Public trades of a symbol, newest first.
  std::vector<PublicTrade> recent_trades(std::string_view symbol, std::size_t limit = SIZE_MAX) const;

  /// Top `depth` aggregated levels per side (empty book for an unknown symbol).
  L2Book book(std::string_view symbol, std::size_t depth = SIZE_MAX) const;
  std::optional<Decimal> best_bid(std::string_view symbol) const;
  std::optional<Decimal> best_ask(std::string_view symbol) const;
  std::optional<Decimal> last_price(std::string_view symbol) const;
  /// Current level-change sequence of the symbol (0 before any change).
  uint64_t book_seq(std::string_view symbol) const;

  // ---- perpetuals ----

  /// One-way (default) or hedge, per account for all perpetuals. Refused (kOpenPositionsOrOrders) while the
  /// account has a perpetual position or open perpetual order.
  PerpResult set_position_mode(AccountId account, PositionMode mode);
  PositionMode position_mode(AccountId account) const;
  /// Leverage of (account, symbol), within the instrument's bounds (else kLeverageOutOfRange). Re-margins the
  /// symbol's positions and open orders at the new leverage; kInsufficientMargin (nothing changed) if the
  /// extra margin is not available.
  PerpResult set_leverage(AccountId account, std::string_view symbol, Decimal leverage);
  /// Cross (default) or isolated; refused (kOpenPositionsOrOrders) while the symbol has a position or order.
  PerpResult set_margin_mode(AccountId account, std::string_view symbol, MarginMode mode);
  Decimal leverage(AccountId account, std::string_view symbol) const;  ///< zero for unknown / spot symbols
  MarginMode margin_mode(AccountId account, std::string_view symbol) const;

  /// Sets the mark price (e.g. the book mid) and liquidates positions that fall below maintenance. Returns
  /// false for an unknown or spot symbol or a non-positive price.
  bool set_mark_price(std::string_view symbol, Decimal price);
  /// The mark price: as set, else the last trade price, else nullopt.
  std::optional<Decimal> mark_price(std::string_view symbol) const;
  /// Rate poll_funding applies (default 0). False for an unknown or spot symbol.
  bool set_funding_rate(std::string_view symbol, Decimal rate);
  Decimal funding_rate(std::string_view symbol) const;
  /// Next settlement time: the first multiple of funding_interval_ms after the clock at add_instrument,
  /// advanced by poll_funding. Zero for unknown / spot symbols.
  int64_t next_funding_ms(std::string_view symbol) const;
  /// Settles funding now: every position pays (longs when rate > 0) or receives its value at the mark ×
  /// |rate| (linear size × contract_size × mark, inverse size × contract_size / mark) through the fee
  /// account, writes a kFunding bill each, then checks liquidations. Returns the number of bills (0 for
  /// unknown/spot symbols).
  std::size_t settle_funding(std::string_view symbol, Decimal rate);
  /// For each perpetual whose next_funding_ms has passed on the engine clock: settle_funding at its rate,
  /// once (missed intervals collapse), and move to the next multiple after now. Front-ends call it from a
  /// timer. Returns the number of symbols settled.
  std::size_t poll_funding();
  /// Liquidates every position below maintenance at the current marks (set_mark_price and settle_funding do
  /// it already). Returns the number of positions liquidated.
  std::size_t check_liquidations();

  /// Open positions, by symbol then side; all symbols when `symbol` is empty.
  std::vector<Position> positions(AccountId account, std::string_view symbol = {}) const;
  std::optional<Position> position(AccountId account, std::string_view symbol,
                                   PositionSide side = PositionSide::kBoth) const;  ///< kBoth: one-way
  /// Bills with ts_ms >= since_ms, newest first; filtered by symbol when non-empty.
  std::vector<Bill> bills(AccountId account, int64_t since_ms = 0, std::string_view symbol = {},
                          std::size_t limit = SIZE_MAX) const;
  /// Liquidations of the account, newest first.
  std::vector<Liquidation> liquidations(AccountId account) const;
  /// Wallet, equity, margins and available of one settle asset.
  MarginSummary margin_summary(AccountId account, std::string_view asset) const;
  /// Losses nobody could pay (account and insurance fund both empty): money the engine had to create.
  /// Invariant per settle asset: Σ wallets ∓ Σ signed entry values == net deposits + bad_debt (− linear,
  /// + inverse; docs/matching-engine.md).
  Decimal bad_debt() const;

  /// The engine's ledger. Deposits/withdrawals made through it are reported via on_balance. Do not replace
  /// its listener (the engine relies on it); observe balances through EngineListener::on_balance.
  Ledger& ledger();
  const Ledger& ledger() const;
  const EngineConfig& config() const;

  /// Listeners are not owned and must outlive the engine or be removed. Called in registration order.
  void add_listener(EngineListener* listener);
  void remove_listener(EngineListener* listener);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nectar::sim
