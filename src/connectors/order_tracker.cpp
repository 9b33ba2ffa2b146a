#include "nectar/connectors/order_tracker.hpp"

#include <spdlog/spdlog.h>

namespace nectar {

OrderTracker::OrderTracker(EventBus& events, std::function<int64_t()> now_ms, int lost_after,
                           std::size_t done_cache_size)
    : events_(events),
      now_ms_(std::move(now_ms)),
      lost_after_(lost_after),
      done_cache_size_(done_cache_size) {}

InFlightOrder& OrderTracker::start_tracking(InFlightOrder order) {
  const std::string id = order.client_order_id();
  if (active_.count(id) || done_.count(id)) throw std::logic_error("client order id reused: " + id);
  if (!order.exchange_order_id().empty()) by_exchange_id_[order.exchange_order_id()] = id;
  Entry e;
  e.order = std::make_unique<InFlightOrder>(std::move(order));
  // A restored order that already got past PENDING_CREATE was announced in its previous life.
  e.created_emitted = e.order->state() != OrderState::kPendingCreate;
  auto& ref = *e.order;
  active_.emplace(id, std::move(e));
  return ref;
}

void OrderTracker::stop_tracking(const std::string& client_order_id) {
  auto it = active_.find(client_order_id);
  if (it == active_.end()) return;
  by_exchange_id_.erase(it->second.order->exchange_order_id());
  active_.erase(it);
}

OrderTracker::Entry* OrderTracker::find_entry(const std::string& client_order_id) {
  if (auto it = active_.find(client_order_id); it != active_.end()) return &it->second;
  if (auto it = done_.find(client_order_id); it != done_.end()) return &it->second;
  return nullptr;
}

InFlightOrder* OrderTracker::find(const std::string& client_order_id) {
  Entry* e = find_entry(client_order_id);
  return e ? e->order.get() : nullptr;
}

const InFlightOrder* OrderTracker::find(const std::string& client_order_id) const {
  if (auto it = active_.find(client_order_id); it != active_.end()) return it->second.order.get();
  if (auto it = done_.find(client_order_id); it != done_.end()) return it->second.order.get();
  return nullptr;
}

std::vector<const InFlightOrder*> OrderTracker::active_orders() const {
  std::vector<const InFlightOrder*> out;
  out.reserve(active_.size());
  for (const auto& [id, e] : active_) out.push_back(e.order.get());
  return out;
}

InFlightOrder* OrderTracker::find_by_exchange_id(const std::string& exchange_order_id) {
  auto it = by_exchange_id_.find(exchange_order_id);
  return it == by_exchange_id_.end() ? nullptr : find(it->second);
}

std::vector<InFlightOrder*> OrderTracker::active_orders() {
  std::vector<InFlightOrder*> out;
  out.reserve(active_.size());
  for (auto& [id, e] : active_) out.push_back(e.order.get());
  return out;
}

std::vector<const InFlightOrder*> OrderTracker::done_orders() const {
  std::vector<const InFlightOrder*> out;
  for (const auto& id : done_order_) {
    if (auto it = done_.find(id); it != done_.end()) out.push_back(it->second.order.get());
  }
  return out;
}

void OrderTracker::emit_created(Entry& e) {
  if (e.created_emitted) return;
  e.created_emitted = true;
  const auto& o = *e.order;
  events_.publish(OrderCreatedEvent{now_ms_(), o.client_order_id(), o.exchange_order_id(), o.pair(),
                                    o.order_type(), o.trade_type(), o.amount(), o.price(),
                                    o.position_action()});
}

void OrderTracker::emit_terminal(Entry& e) {
  if (e.terminal_emitted) return;
  const auto& o = *e.order;
  switch (o.state()) {
    case OrderState::kFilled:
      // Completion waits until every fill is in, so that Filled events always precede it.
      if (!o.fills_cover_amount()) return;
      events_.publish(OrderCompletedEvent{now_ms_(), o.client_order_id(), o.exchange_order_id(), o.pair(),
                                          o.order_type(), o.trade_type(), o.executed_base(),
                                          o.executed_quote(), o.cumulative_fees()});
      break;
    case OrderState::kCanceled:
      events_.publish(OrderCancelledEvent{now_ms_(), o.client_order_id(), o.exchange_order_id(), o.pair()});
      break;
    case OrderState::kExpired:
      events_.publish(OrderExpiredEvent{now_ms_(), o.client_order_id(), o.exchange_order_id(), o.pair()});
      break;
    case OrderState::kFailed:
      // Failure events are published by the paths that know the reason.
      break;
    default:
      return;
  }
  e.terminal_emitted = true;
}

void OrderTracker::move_to_done(const std::string& client_order_id) {
  auto it = active_.find(client_order_id);
  if (it == active_.end()) return;
  done_.emplace(client_order_id, std::move(it->second));
  active_.erase(it);
  done_order_.push_back(client_order_id);
  while (done_order_.size() > done_cache_size_) {
    auto old = done_.find(done_order_.front());
    if (old != done_.end()) {
      by_exchange_id_.erase(old->second.order->exchange_order_id());
      done_.erase(old);
    }
    done_order_.pop_front();
  }
}

void OrderTracker::after_change(Entry& e) {
  auto& o = *e.order;
  if (!o.exchange_order_id().empty()) by_exchange_id_[o.exchange_order_id()] = o.client_order_id();
  if (o.state() != OrderState::kPendingCreate && o.state() != OrderState::kFailed) emit_created(e);
  if (o.is_done()) {
    emit_terminal(e);
    // A FILLED order stays active until its fills are complete, so that polling keeps looking for them.
    if (!(o.state() == OrderState::kFilled && !e.terminal_emitted)) move_to_done(o.client_order_id());
  }
}

void OrderTracker::process_order_created(const std::string& client_order_id,
                                         const std::string& exchange_order_id, int64_t timestamp_ms) {
  Entry* e = find_entry(client_order_id);
  if (!e) return;
  OrderUpdate u;
  u.client_order_id = client_order_id;
  u.exchange_order_id = exchange_order_id;
  u.pair = e->order->pair();
  u.new_state = OrderState::kOpen;
  u.update_timestamp_ms = timestamp_ms;
  e->order->apply_update(u);  // rejected harmlessly when a fill already moved it on
  if (e->order->exchange_order_id().empty()) e->order->set_exchange_order_id(exchange_order_id);
  after_change(*e);
}

void OrderTracker::process_order_failed(const std::string& client_order_id, const std::string& reason) {
  Entry* e = find_entry(client_order_id);
  if (!e) return;
  OrderUpdate u;
  u.client_order_id = client_order_id;
  u.pair = e->order->pair();
  u.new_state = OrderState::kFailed;
  u.update_timestamp_ms = now_ms_();
  u.reason = reason;
  if (e->order->apply_update(u) != ApplyResult::kApplied) return;
  spdlog::warn("order {} failed: {}", client_order_id, reason);
  events_.publish(
      OrderFailedEvent{now_ms_(), client_order_id, e->order->pair(), e->order->order_type(), reason});
  e->terminal_emitted = true;
  after_change(*e);
}

ApplyResult OrderTracker::process_order_update(const OrderUpdate& update) {
  Entry* e = find_entry(update.client_order_id);
  if (!e && !update.exchange_order_id.empty()) {
    if (auto* o = find_by_exchange_id(update.exchange_order_id)) e = find_entry(o->client_order_id());
  }
  if (!e) return ApplyResult::kRejected;
  if (update.new_state == OrderState::kFailed) {
    process_order_failed(e->order->client_order_id(),
                         update.reason.empty() ? "rejected by the exchange" : update.reason);
    return ApplyResult::kApplied;
  }
  OrderUpdate u = update;
  u.client_order_id = e->order->client_order_id();
  const ApplyResult r = e->order->apply_update(u);
  if (r == ApplyResult::kRejected) {
    spdlog::debug("order {}: ignored transition {} -> {}", u.client_order_id, to_string(e->order->state()),
                  to_string(u.new_state));
  }
  e->order->reset_not_found();
  if (r == ApplyResult::kApplied) after_change(*e);
  return r;
}

ApplyResult OrderTracker::process_trade_update(const TradeUpdate& trade) {
  Entry* e = find_entry(trade.client_order_id);
  if (!e && !trade.exchange_order_id.empty()) {
    if (auto* o = find_by_exchange_id(trade.exchange_order_id)) e = find_entry(o->client_order_id());
  }
  if (!e) return ApplyResult::kRejected;
  auto& o = *e->order;
  TradeUpdate t = trade;
  t.client_order_id = o.client_order_id();
  const ApplyResult r = o.apply_trade(t);
  if (r != ApplyResult::kApplied) return r;
  o.reset_not_found();
  if (o.state() != OrderState::kFailed) emit_created(*e);
  events_.publish(OrderFilledEvent{t.fill_timestamp_ms, o.client_order_id(), o.exchange_order_id(),
                                   t.trade_id, o.pair(), o.order_type(), o.trade_type(), t.fill_price,
                                   t.fill_base_amount, t.fee, t.is_maker, o.position_action(), o.leverage()});
  if (o.is_filled()) {
    // A lost order that turned out filled: it was announced as failed, so completion is the truthful ending.
    e->terminal_emitted = false;
  }
  if (o.is_done()) {
    emit_terminal(*e);
    if (active_.count(o.client_order_id()) && e->terminal_emitted) move_to_done(o.client_order_id());
  }
  return r;
}

bool OrderTracker::process_order_not_found(const std::string& client_order_id) {
  auto it = active_.find(client_order_id);
  if (it == active_.end()) return false;
  auto& o = *it->second.order;
  o.record_not_found();
  if (o.not_found_count() < lost_after_) return false;
  process_order_failed(client_order_id, "order lost: the exchange does not know it after " +
                                            std::to_string(lost_after_) + " checks");
  return true;
}

void OrderTracker::process_fills_complete(const std::string& client_order_id) {
  auto it = active_.find(client_order_id);
  if (it == active_.end()) return;
  Entry& e = it->second;
  const auto& o = *e.order;
  if (o.state() != OrderState::kFilled || e.terminal_emitted) return;
  events_.publish(OrderCompletedEvent{now_ms_(), o.client_order_id(), o.exchange_order_id(), o.pair(),
                                      o.order_type(), o.trade_type(), o.executed_base(), o.executed_quote(),
                                      o.cumulative_fees()});
  e.terminal_emitted = true;
  move_to_done(client_order_id);
}

std::vector<std::string> OrderTracker::orders_awaiting_fills() const {
  std::vector<std::string> out;
  for (const auto& [id, e] : active_)
    if (e.order->state() == OrderState::kFilled && !e.terminal_emitted) out.push_back(id);
  return out;
}

}  // namespace nectar
