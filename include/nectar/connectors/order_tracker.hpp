// Tracks every in-flight order of a connector, turns exchange reports into events, and never forgets a fill.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "nectar/core/events.hpp"
#include "nectar/core/in_flight_order.hpp"

namespace nectar {

/// Owns the in-flight orders of one connector (single-threaded: the connector's thread).
/// - Orders enter before their request is sent (PENDING_CREATE).
/// - Status and fill reports are applied through the InFlightOrder state machine; each accepted change
///   publishes exactly one event, in a consistent order (Created, then Filled*, then
///   Completed/Cancelled/...).
/// - Finished orders stay in a bounded cache so that late or replayed fills are still applied once.
/// - An order the exchange says it does not know, `lost_after` times in a row, becomes FAILED ("lost");
///   a fill that turns up for it later is still applied.
class OrderTracker {
 public:
  OrderTracker(EventBus& events, std::function<int64_t()> now_ms, int lost_after = 3,
               std::size_t done_cache_size = 1000);

  /// Adds an order created locally; it must have a fresh client order id.
  InFlightOrder& start_tracking(InFlightOrder order);
  /// Stops tracking an active order without any event (used when a restored order is unknown and unfilled).
  void stop_tracking(const std::string& client_order_id);

  InFlightOrder* find(const std::string& client_order_id);
  const InFlightOrder* find(const std::string& client_order_id) const;
  /// Active or recently finished order with this exchange id.
  InFlightOrder* find_by_exchange_id(const std::string& exchange_order_id);
  /// Every order not yet in a terminal state.
  std::vector<InFlightOrder*> active_orders();
  std::vector<const InFlightOrder*> active_orders() const;
  std::size_t active_count() const { return active_.size(); }
  /// Recently finished orders, oldest first.
  std::vector<const InFlightOrder*> done_orders() const;

  /// The exchange accepted the order.
  void process_order_created(const std::string& client_order_id, const std::string& exchange_order_id,
                             int64_t timestamp_ms);
  /// The place request failed for good (exchange rejection or local validation).
  void process_order_failed(const std::string& client_order_id, const std::string& reason);
  /// A status report from the stream or from polling. Returns the result of applying it.
  ApplyResult process_order_update(const OrderUpdate& update);
  /// A fill report. Matched by client id, else by exchange id. Returns kRejected when no order matches.
  ApplyResult process_trade_update(const TradeUpdate& trade);
  /// The exchange answered "unknown order" for it. Returns true when this made the order lost (FAILED).
  bool process_order_not_found(const std::string& client_order_id);
  /// The connector fetched every fill of a FILLED order: completes it even if the fills (e.g. of a market buy
  /// sized in quote) do not add up to the requested base amount.
  void process_fills_complete(const std::string& client_order_id);

  /// Orders the exchange called FILLED whose fills have not all arrived yet (the connector fetches them).
  std::vector<std::string> orders_awaiting_fills() const;

 private:
  struct Entry {
    std::unique_ptr<InFlightOrder> order;
    bool created_emitted = false;
    bool terminal_emitted = false;
  };
  Entry* find_entry(const std::string& client_order_id);
  void after_change(Entry& e);
  void emit_created(Entry& e);
  void emit_terminal(Entry& e);
  void move_to_done(const std::string& client_order_id);

  EventBus& events_;
  std::function<int64_t()> now_ms_;
  int lost_after_;
  std::size_t done_cache_size_;
  std::map<std::string, Entry> active_;
  std::map<std::string, Entry> done_;
  std::deque<std::string> done_order_;  // insertion order, for eviction
  std::unordered_map<std::string, std::string> by_exchange_id_;
};

}  // namespace nectar
