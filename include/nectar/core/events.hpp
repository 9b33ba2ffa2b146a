// Events a connector emits for strategies, the client and persistence, and a small bus to subscribe to them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "nectar/core/decimal.hpp"
#include "nectar/core/in_flight_order.hpp"
#include "nectar/core/types.hpp"

namespace nectar {

/// An order entered tracking and its request is about to leave (journal it now: a crash from here on must not
/// forget it).
struct OrderSubmittedEvent {
  int64_t timestamp_ms = 0;
  std::string client_order_id;
  TradingPair pair;
  OrderType order_type = OrderType::kLimit;
  TradeType trade_type = TradeType::kBuy;
  Decimal amount;
  Decimal price;
  PositionAction position_action = PositionAction::kNil;
  int leverage = 1;
};

struct OrderCreatedEvent {
  int64_t timestamp_ms = 0;
  std::string client_order_id;
  std::string exchange_order_id;
  TradingPair pair;
  OrderType order_type = OrderType::kLimit;
  TradeType trade_type = TradeType::kBuy;
  Decimal amount;
  Decimal price;
  PositionAction position_action = PositionAction::kNil;
};

struct OrderFilledEvent {
  int64_t timestamp_ms = 0;
  std::string client_order_id;
  std::string exchange_order_id;
  std::string trade_id;
  TradingPair pair;
  OrderType order_type = OrderType::kLimit;
  TradeType trade_type = TradeType::kBuy;
  Decimal price;
  Decimal amount;  ///< base units of this fill
  TradeFee fee;    ///< as charged for this fill
  bool is_maker = false;
  PositionAction position_action = PositionAction::kNil;
  int leverage = 1;
};

struct OrderCompletedEvent {
  int64_t timestamp_ms = 0;
  std::string client_order_id;
  std::string exchange_order_id;
  TradingPair pair;
  OrderType order_type = OrderType::kLimit;
  TradeType trade_type = TradeType::kBuy;
  Decimal base_amount;   ///< total executed, base units
  Decimal quote_amount;  ///< total executed, quote units
  std::vector<TokenAmount> fees;
};

struct OrderCancelledEvent {
  int64_t timestamp_ms = 0;
  std::string client_order_id;
  std::string exchange_order_id;
  TradingPair pair;
};

struct OrderFailedEvent {
  int64_t timestamp_ms = 0;
  std::string client_order_id;
  TradingPair pair;
  OrderType order_type = OrderType::kLimit;
  std::string reason;  ///< plain words, safe to show (never contains secrets)
};

struct OrderExpiredEvent {
  int64_t timestamp_ms = 0;
  std::string client_order_id;
  std::string exchange_order_id;
  TradingPair pair;
};

struct BalanceUpdateEvent {
  int64_t timestamp_ms = 0;
  std::string asset;
  Decimal total;
  Decimal available;
};

struct FundingPaymentEvent {
  int64_t timestamp_ms = 0;
  TradingPair pair;
  Decimal amount;  ///< positive when received, negative when paid
  Decimal funding_rate;
  std::string payment_id;  ///< exchange's id, used to emit each payment once
};

/// The exchange closed a position by liquidation (perpetuals).
struct PositionLiquidatedEvent {
  int64_t timestamp_ms = 0;
  TradingPair pair;
  PositionSide side = PositionSide::kLong;
  Decimal amount;  ///< base units closed
  Decimal price;   ///< liquidation fill price
};

struct PositionModeChangedEvent {
  int64_t timestamp_ms = 0;
  TradingPair pair;
  PositionMode mode = PositionMode::kOneway;
  bool success = false;
  std::string message;
};

using Event = std::variant<OrderSubmittedEvent, OrderCreatedEvent, OrderFilledEvent, OrderCompletedEvent,
                           OrderCancelledEvent, OrderFailedEvent, OrderExpiredEvent, BalanceUpdateEvent,
                           FundingPaymentEvent, PositionLiquidatedEvent, PositionModeChangedEvent>;

/// Human-readable name of the event kind ("OrderFilled", ...), for logs.
std::string_view event_name(const Event& e);

/// Publish/subscribe on one thread (the connector's). A subscription lives as long as its handle; listeners
/// may subscribe or unsubscribe during a publish (changes take effect for the next event).
class EventBus {
 public:
  using Listener = std::function<void(const Event&)>;
  class Subscription {
   public:
    Subscription() = default;
    explicit Subscription(std::shared_ptr<Listener> l) : listener_(std::move(l)) {}
    void reset() { listener_.reset(); }
    bool active() const { return listener_ != nullptr; }

   private:
    std::shared_ptr<Listener> listener_;
  };

  /// Keep the returned handle: dropping it unsubscribes.
  [[nodiscard]] Subscription subscribe(Listener listener);
  void publish(const Event& event);
  std::size_t listener_count() const;

 private:
  std::vector<std::weak_ptr<Listener>> listeners_;
};

}  // namespace nectar
