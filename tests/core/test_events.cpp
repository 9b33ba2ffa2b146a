#include <gtest/gtest.h>

#include "nectar/core/events.hpp"

using namespace nectar;

TEST(EventBus, DeliversToSubscribersUntilTheyUnsubscribe) {
  EventBus bus;
  std::vector<std::string> seen;
  auto sub = bus.subscribe([&](const Event& e) { seen.emplace_back(event_name(e)); });
  bus.publish(OrderCreatedEvent{});
  bus.publish(BalanceUpdateEvent{});
  sub.reset();
  bus.publish(OrderFilledEvent{});
  EXPECT_EQ(seen, (std::vector<std::string>{"OrderCreated", "BalanceUpdate"}));
  EXPECT_EQ(bus.listener_count(), 0u);
}

TEST(EventBus, ListenerMaySubscribeAnotherDuringPublish) {
  EventBus bus;
  int late_calls = 0;
  EventBus::Subscription late;
  auto first = bus.subscribe([&](const Event&) {
    if (!late.active()) late = bus.subscribe([&](const Event&) { ++late_calls; });
  });
  bus.publish(OrderCancelledEvent{});
  EXPECT_EQ(late_calls, 0);  // takes effect from the next event
  bus.publish(OrderCancelledEvent{});
  EXPECT_EQ(late_calls, 1);
}

TEST(EventBus, CarriesPayload) {
  EventBus bus;
  Decimal got;
  auto sub = bus.subscribe([&](const Event& e) {
    if (auto* f = std::get_if<OrderFilledEvent>(&e)) got = f->amount;
  });
  OrderFilledEvent f;
  f.amount = "0.5"_d;
  bus.publish(f);
  EXPECT_EQ(got, "0.5"_d);
}
