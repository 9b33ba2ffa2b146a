#include "nectar/core/events.hpp"

#include <algorithm>

namespace nectar {

std::string_view event_name(const Event& e) {
  struct Namer {
    std::string_view operator()(const OrderSubmittedEvent&) const { return "OrderSubmitted"; }
    std::string_view operator()(const OrderCreatedEvent&) const { return "OrderCreated"; }
    std::string_view operator()(const OrderFilledEvent&) const { return "OrderFilled"; }
    std::string_view operator()(const OrderCompletedEvent&) const { return "OrderCompleted"; }
    std::string_view operator()(const OrderCancelledEvent&) const { return "OrderCancelled"; }
    std::string_view operator()(const OrderFailedEvent&) const { return "OrderFailed"; }
    std::string_view operator()(const OrderExpiredEvent&) const { return "OrderExpired"; }
    std::string_view operator()(const BalanceUpdateEvent&) const { return "BalanceUpdate"; }
    std::string_view operator()(const FundingPaymentEvent&) const { return "FundingPayment"; }
    std::string_view operator()(const PositionLiquidatedEvent&) const { return "PositionLiquidated"; }
    std::string_view operator()(const PositionModeChangedEvent&) const { return "PositionModeChanged"; }
  };
  return std::visit(Namer{}, e);
}

EventBus::Subscription EventBus::subscribe(Listener listener) {
  auto shared = std::make_shared<Listener>(std::move(listener));
  listeners_.push_back(shared);
  return Subscription(shared);
}

void EventBus::publish(const Event& event) {
  // Iterate over a snapshot so listeners may (un)subscribe from inside a callback.
  const auto snapshot = listeners_;
  for (const auto& weak : snapshot) {
    if (auto l = weak.lock()) (*l)(event);
  }
  listeners_.erase(
      std::remove_if(listeners_.begin(), listeners_.end(), [](const auto& w) { return w.expired(); }),
      listeners_.end());
}

std::size_t EventBus::listener_count() const {
  return static_cast<std::size_t>(
      std::count_if(listeners_.begin(), listeners_.end(), [](const auto& w) { return !w.expired(); }));
}

}  // namespace nectar
