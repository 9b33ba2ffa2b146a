#include "nectar/core/in_flight_order.hpp"

#include <algorithm>

namespace nectar {

std::string_view to_string(OrderState s) {
  switch (s) {
    case OrderState::kPendingCreate:
      return "PENDING_CREATE";
    case OrderState::kOpen:
      return "OPEN";
    case OrderState::kPartiallyFilled:
      return "PARTIALLY_FILLED";
    case OrderState::kPendingCancel:
      return "PENDING_CANCEL";
    case OrderState::kFilled:
      return "FILLED";
    case OrderState::kCanceled:
      return "CANCELED";
    case OrderState::kFailed:
      return "FAILED";
    case OrderState::kExpired:
      return "EXPIRED";
  }
  return "UNKNOWN";
}

bool is_terminal(OrderState s) {
  return s == OrderState::kFilled || s == OrderState::kCanceled || s == OrderState::kFailed ||
         s == OrderState::kExpired;
}

InFlightOrder::InFlightOrder(std::string client_order_id, TradingPair pair, OrderType order_type,
                             TradeType trade_type, Decimal amount, Decimal price,
                             int64_t creation_timestamp_ms, PositionAction position_action, int leverage)
    : client_order_id_(std::move(client_order_id)),
      pair_(std::move(pair)),
      order_type_(order_type),
      trade_type_(trade_type),
      amount_(amount),
      price_(price),
      creation_timestamp_ms_(creation_timestamp_ms),
      last_update_timestamp_ms_(creation_timestamp_ms),
      position_action_(position_action),
      leverage_(leverage) {}

Decimal InFlightOrder::remaining_base() const {
  const Decimal r = amount_ - executed_base_;
  return r.is_negative() ? Decimal{} : r;
}

Decimal InFlightOrder::average_executed_price() const {
  if (executed_base_.is_zero()) return {};
  return executed_quote_.div(executed_base_, Rounding::kHalfEven);
}

bool InFlightOrder::transition_allowed(OrderState from, OrderState to) {
  using S = OrderState;
  switch (from) {
    case S::kPendingCreate:
      return to != S::kPendingCreate;
    case S::kOpen:
    case S::kPartiallyFilled:
      return to != S::kPendingCreate && !(from == S::kPartiallyFilled && to == S::kOpen);
    case S::kPendingCancel:
      // A fill may race the cancel; OPEN reports while the cancel is in flight are stale, not a reversal.
      return to == S::kCanceled || to == S::kFilled || to == S::kFailed || to == S::kExpired ||
             to == S::kPartiallyFilled || to == S::kOpen;
    case S::kFilled:
    case S::kCanceled:
    case S::kFailed:
    case S::kExpired:
      return false;
  }
  return false;
}

ApplyResult InFlightOrder::apply_update(const OrderUpdate& update) {
  if (update.client_order_id != client_order_id_) return ApplyResult::kRejected;
  if (!update.exchange_order_id.empty() && exchange_order_id_.empty())
    exchange_order_id_ = update.exchange_order_id;
  const OrderState to = update.new_state;
  if (to == state_) return ApplyResult::kUnchanged;
  if (!transition_allowed(state_, to)) return ApplyResult::kRejected;
  if (state_ == OrderState::kPendingCancel &&
      (to == OrderState::kOpen || to == OrderState::kPartiallyFilled)) {
    return ApplyResult::kUnchanged;
  }
  if (to == OrderState::kPendingCancel) state_before_cancel_ = state_;
  state_ = to;
  last_update_timestamp_ms_ = std::max(last_update_timestamp_ms_, update.update_timestamp_ms);
  return ApplyResult::kApplied;
}

ApplyResult InFlightOrder::apply_trade(const TradeUpdate& trade) {
  if (!trade.client_order_id.empty() && trade.client_order_id != client_order_id_)
    return ApplyResult::kRejected;
  if (trade.trade_id.empty() || !trade.fill_base_amount.is_positive()) return ApplyResult::kRejected;
  if (fills_.count(trade.trade_id) != 0) return ApplyResult::kDuplicate;
  if (exchange_order_id_.empty() && !trade.exchange_order_id.empty())
    exchange_order_id_ = trade.exchange_order_id;

  executed_base_ += trade.fill_base_amount;
  executed_quote_ += trade.fill_quote_amount;
  auto add_fee = [this](const std::string& token, Decimal amount) {
    if (amount.is_zero() || token.empty()) return;
    auto it = std::find_if(cumulative_fees_.begin(), cumulative_fees_.end(),
                           [&](const TokenAmount& t) { return t.token == token; });
    if (it == cumulative_fees_.end()) {
      cumulative_fees_.push_back({token, amount});
    } else {
      it->amount += amount;
    }
  };
  for (const auto& f : trade.fee.flat_fees) add_fee(f.token, f.amount);
  if (!trade.fee.percent.is_zero()) {
    TradeFee percent_only{trade.fee.percent, trade.fee.percent_token, {}};
    add_fee(trade.fee.percent_token, percent_only.fee_amount_in(trade.fee.percent_token, pair_,
                                                                trade.fill_price, trade.fill_base_amount));
  }
  fills_.emplace(trade.trade_id, trade);
  last_update_timestamp_ms_ = std::max(last_update_timestamp_ms_, trade.fill_timestamp_ms);

  if (fills_cover_amount()) {
    // A lost (FAILED) order whose fills turn up complete really was filled.
    if (!is_terminal(state_) || state_ == OrderState::kFailed) state_ = OrderState::kFilled;
  } else if (state_ == OrderState::kOpen || state_ == OrderState::kPendingCreate) {
    state_ = OrderState::kPartiallyFilled;
  }
  return ApplyResult::kApplied;
}

void InFlightOrder::restore(OrderState state, std::string exchange_order_id, int64_t last_update_ms) {
  state_ = state;
  exchange_order_id_ = std::move(exchange_order_id);
  last_update_timestamp_ms_ = last_update_ms;
}

}  // namespace nectar
