// The interface every connector (spot, perpetual, paper) offers to strategies and the client.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "nectar/core/decimal.hpp"
#include "nectar/core/events.hpp"
#include "nectar/core/in_flight_order.hpp"
#include "nectar/core/order_book.hpp"
#include "nectar/core/types.hpp"

namespace nectar {

struct Balance {
  std::string asset;
  Decimal total;
  Decimal available;
  friend bool operator==(const Balance&, const Balance&) = default;
};

/// What a connector still waits for before it can trade. `ready()` when all are true.
struct ConnectorStatus {
  bool trading_rules = false;
  bool order_books = false;
  bool balances = false;
  bool user_stream = false;
  bool orders_reconciled = true;  ///< false while orders restored from a previous run are being checked
  bool ready() const { return trading_rules && order_books && balances && user_stream && orders_reconciled; }
};

struct CancellationResult {
  std::string client_order_id;
  bool success = false;
};

/// Thread affinity: every method runs on the connector's executor (one io_context thread). Other threads
/// (the interactive shell) post work to executor() instead of calling in directly.
class Connector {
 public:
  virtual ~Connector() = default;

  /// Connector id, e.g. "bitget" or "bitget_paper_trade".
  virtual const std::string& name() const = 0;
  virtual boost::asio::any_io_executor executor() const = 0;

  /// Starts the background work (rules, order books, user stream, polling) on the executor.
  virtual void start() = 0;
  /// Stops every background loop and closes connections; open orders are left as they are.
  virtual boost::asio::awaitable<void> stop() = 0;
  virtual ConnectorStatus status() const = 0;
  bool ready() const { return status().ready(); }

  /// Places an order asynchronously. The order is tracked (PENDING_CREATE) before the request leaves and its
  /// client order id is returned at once; the outcome arrives as events (OrderCreated / OrderFailed, ...).
  /// Amount and price are quantized to the trading rules; `price` is ignored for MARKET orders.
  virtual std::string buy(const TradingPair& pair, Decimal amount, OrderType type, Decimal price,
                          PositionAction action = PositionAction::kNil) = 0;
  virtual std::string sell(const TradingPair& pair, Decimal amount, OrderType type, Decimal price,
                           PositionAction action = PositionAction::kNil) = 0;
  /// Requests a cancel; the result arrives as OrderCancelled (or a fill if the order got filled first).
  virtual void cancel(const TradingPair& pair, const std::string& client_order_id) = 0;
  /// Cancels every order this connector tracks and waits up to `timeout` for confirmations.
  virtual boost::asio::awaitable<std::vector<CancellationResult>> cancel_all(
      std::chrono::milliseconds timeout) = 0;

  virtual std::vector<TradingPair> trading_pairs() const = 0;
  virtual const TradingRule* trading_rule(const TradingPair& pair) const = 0;
  virtual const OrderBook* order_book(const TradingPair& pair) const = 0;
  virtual std::optional<Decimal> last_trade_price(const TradingPair& pair) const = 0;
  virtual Decimal balance(const std::string& asset) const = 0;
  virtual Decimal available_balance(const std::string& asset) const = 0;
  virtual std::vector<Balance> balances() const = 0;
  virtual std::vector<const InFlightOrder*> in_flight_orders() const = 0;
  virtual const InFlightOrder* order(const std::string& client_order_id) const = 0;

  /// Estimated fee for an order (from the exchange's schedule), positive when paid.
  virtual TradeFee estimate_fee(const TradingPair& pair, OrderType type, TradeType side, Decimal amount,
                                Decimal price, bool is_maker) const = 0;
  Decimal quantize_order_price(const TradingPair& pair, Decimal price) const;
  Decimal quantize_order_amount(const TradingPair& pair, Decimal amount) const;

  /// Makes one authenticated call (balances). Throws ExchangeError naming the problem (bad key, signature,
  /// passphrase, permission, clock). Used by `connect` to validate keys.
  virtual boost::asio::awaitable<void> check_credentials() = 0;

  EventBus& events() { return events_; }

 protected:
  EventBus events_;
};

/// Checks an order against its pair's trading rule (listed and active, lot and size bounds, price and minimum
/// value for limit orders, market orders supported). Returns the reason to refuse it in plain words, or "".
std::string check_order_against_rule(const InFlightOrder& order, const TradingRule* rule,
                                     const std::string& connector);

/// Checks a leverage against the pair's bounds (when the rule has them; at least 1 always). Returns the
/// reason to refuse it in plain words, or "".
std::string check_leverage_against_rule(const TradingPair& pair, int leverage, const TradingRule* rule);

/// Perpetual futures on top of the spot surface: positions, leverage, position mode and funding.
struct Position {
  TradingPair pair;
  PositionSide side = PositionSide::kLong;
  Decimal amount;     ///< positive size in base units
  Decimal contracts;  ///< positive size in the exchange's contracts (zero when the connector does not say)
  Decimal entry_price;
  Decimal unrealized_pnl;
  Decimal liquidation_price;
  int leverage = 1;
};

struct FundingInfo {
  TradingPair pair;
  Decimal index_price;
  Decimal mark_price;
  Decimal rate;
  int64_t next_funding_time_ms = 0;
};

// Virtual base: PerpetualExchangeBase is both an ExchangeBase (a Connector) and a PerpetualConnector.
class PerpetualConnector : public virtual Connector {
 public:
  virtual std::vector<Position> positions() const = 0;
  virtual PositionMode position_mode() const = 0;
  /// Reads the exchange's current mode and changes it only if different. Publishes PositionModeChanged
  /// with success or the exchange's reason (e.g. refused while positions or orders are open).
  virtual boost::asio::awaitable<void> set_position_mode(PositionMode mode) = 0;
  /// Throws ExchangeError when the exchange refuses (e.g. out of bounds).
  virtual boost::asio::awaitable<void> set_leverage(const TradingPair& pair, int leverage) = 0;
  virtual std::optional<FundingInfo> funding_info(const TradingPair& pair) const = 0;
};

}  // namespace nectar
