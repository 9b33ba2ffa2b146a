// An order from the moment the client order id exists until it is done, with its fills and state machine.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nectar/core/decimal.hpp"
#include "nectar/core/types.hpp"

namespace nectar {

enum class OrderState : uint8_t {
  kPendingCreate,    ///< tracked locally, request not yet acknowledged
  kOpen,             ///< acknowledged by the exchange, nothing filled
  kPartiallyFilled,  ///< some but not all of the amount filled
  kPendingCancel,    ///< cancel requested, not yet confirmed
  kFilled,           ///< terminal
  kCanceled,         ///< terminal
  kFailed,           ///< terminal: rejected, or lost (the exchange repeatedly said it does not know it)
  kExpired,          ///< terminal: time-in-force ran out
};

std::string_view to_string(OrderState s);
bool is_terminal(OrderState s);

/// One execution of an order, as reported by the exchange. `fee` amounts are positive when paid.
struct TradeUpdate {
  std::string trade_id;
  std::string client_order_id;
  std::string exchange_order_id;
  TradingPair pair;
  Decimal fill_price;
  Decimal fill_base_amount;
  Decimal fill_quote_amount;
  TradeFee fee;
  int64_t fill_timestamp_ms = 0;
  bool is_maker = false;
};

/// A status report for an order (from the stream, a REST query, or local events).
struct OrderUpdate {
  std::string client_order_id;
  std::string exchange_order_id;  ///< empty when unknown
  TradingPair pair;
  OrderState new_state = OrderState::kOpen;
  int64_t update_timestamp_ms = 0;
  std::string reason;                    ///< why it failed or was cancelled, in plain words
  std::optional<Decimal> executed_base;  ///< cumulative filled base amount, when the report carries it
};

/// Outcome of feeding an update to an order.
enum class ApplyResult : uint8_t {
  kApplied,    ///< state or amounts changed
  kUnchanged,  ///< valid but nothing new (e.g. OPEN again while OPEN)
  kDuplicate,  ///< a fill with a trade id already applied
  kRejected,   ///< invalid transition or foreign update; the order is untouched
};

class InFlightOrder {
 public:
  InFlightOrder(std::string client_order_id, TradingPair pair, OrderType order_type, TradeType trade_type,
                Decimal amount, Decimal price, int64_t creation_timestamp_ms,
                PositionAction position_action = PositionAction::kNil, int leverage = 1);

  const std::string& client_order_id() const { return client_order_id_; }
  const std::string& exchange_order_id() const { return exchange_order_id_; }
  void set_exchange_order_id(std::string id) { exchange_order_id_ = std::move(id); }
  const TradingPair& pair() const { return pair_; }
  OrderType order_type() const { return order_type_; }
  TradeType trade_type() const { return trade_type_; }
  PositionAction position_action() const { return position_action_; }
  int leverage() const { return leverage_; }
  Decimal amount() const { return amount_; }
  Decimal price() const { return price_; }
  int64_t creation_timestamp_ms() const { return creation_timestamp_ms_; }
  int64_t last_update_timestamp_ms() const { return last_update_timestamp_ms_; }
  OrderState state() const { return state_; }
  /// The state the order held before a cancel was requested (restored when the cancel is refused).
  OrderState state_before_cancel() const { return state_before_cancel_; }

  Decimal executed_base() const { return executed_base_; }
  Decimal executed_quote() const { return executed_quote_; }
  Decimal remaining_base() const;
  /// executed_quote / executed_base (half-even); zero before any fill.
  Decimal average_executed_price() const;
  /// Cumulative fees per token, positive when paid.
  const std::vector<TokenAmount>& cumulative_fees() const { return cumulative_fees_; }
  const std::map<std::string, TradeUpdate>& fills() const { return fills_; }

  bool is_done() const { return is_terminal(state_); }
  bool is_open() const { return !is_done(); }
  bool is_filled() const { return state_ == OrderState::kFilled; }
  bool is_cancelled() const { return state_ == OrderState::kCanceled; }
  bool is_failure() const { return state_ == OrderState::kFailed; }
  /// True once the exchange said FILLED or the fills cover the amount.
  bool fills_cover_amount() const { return executed_base_ >= amount_; }

  /// Applies a state report. Invalid transitions (e.g. CANCELED → OPEN) are rejected and leave the order as
  /// is.
  ApplyResult apply_update(const OrderUpdate& update);
  /// Applies a fill once (deduplicated by trade id). Fills are accepted in any order and in any state, even
  /// after the order is terminal (a late fill must never be lost); the state advances to PARTIALLY_FILLED or
  /// FILLED when the order was live.
  ApplyResult apply_trade(const TradeUpdate& trade);

  /// Number of consecutive "order not found" answers; lost-order detection reads it.
  int not_found_count() const { return not_found_count_; }
  void record_not_found() { ++not_found_count_; }
  void reset_not_found() { not_found_count_ = 0; }

  /// Only for restoring persisted orders: sets state and amounts without transition checks.
  void restore(OrderState state, std::string exchange_order_id, int64_t last_update_ms);

 private:
  static bool transition_allowed(OrderState from, OrderState to);

  std::string client_order_id_;
  std::string exchange_order_id_;
  TradingPair pair_;
  OrderType order_type_;
  TradeType trade_type_;
  Decimal amount_;
  Decimal price_;
  int64_t creation_timestamp_ms_;
  int64_t last_update_timestamp_ms_;
  PositionAction position_action_;
  int leverage_;
  OrderState state_ = OrderState::kPendingCreate;
  OrderState state_before_cancel_ = OrderState::kPendingCreate;
  Decimal executed_base_;
  Decimal executed_quote_;
  std::vector<TokenAmount> cumulative_fees_;
  std::map<std::string, TradeUpdate> fills_;
  int not_found_count_ = 0;
};

}  // namespace nectar
