// Persistence of orders, their status changes, fills and funding payments in SQLite (WAL), one database per
// bot config. Money is stored as decimal TEXT, exactly as Decimal prints it. Schema: docs/persistence.md.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "nectar/connectors/connector.hpp"
#include "nectar/core/events.hpp"
#include "nectar/core/in_flight_order.hpp"

struct sqlite3;

namespace nectar::storage {

class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A fill as stored (one row per exchange trade id and connector).
struct StoredFill {
  std::string connector;
  std::string trade_id;
  std::string client_order_id;
  std::string exchange_order_id;
  TradingPair pair;
  TradeType trade_type = TradeType::kBuy;
  Decimal price;
  Decimal amount;
  Decimal quote_amount;
  std::vector<TokenAmount> fees;
  bool is_maker = false;
  int64_t timestamp_ms = 0;
};

/// The row record_fill stores for a fill (quote amount = price × amount).
StoredFill to_stored_fill(const std::string& connector, const OrderFilledEvent& fill,
                          const std::string& exchange_order_id);

/// One thread at a time (the connector's, or a JournalWriter's). Every write is its own transaction unless
/// inside begin_batch()/commit_batch(): a crash loses nothing that a call (or a batch's commit) returned
/// from.
class TradeStore {
 public:
  /// Opens or creates the database (and its tables). Throws StorageError naming the file and the problem.
  explicit TradeStore(const std::string& path);
  ~TradeStore();
  TradeStore(const TradeStore&) = delete;
  TradeStore& operator=(const TradeStore&) = delete;

  /// Inserts or updates the order's row from its current state (amounts, state, exchange id).
  void save_order(const std::string& connector, const InFlightOrder& order);
  /// Appends one status change.
  void record_status(const std::string& connector, const std::string& client_order_id, OrderState state,
                     int64_t timestamp_ms, const std::string& reason = {});
  /// Stores a fill; false when this (connector, trade id) is already stored.
  bool record_fill(const std::string& connector, const OrderFilledEvent& fill,
                   const std::string& exchange_order_id);
  /// Stores a funding payment; false when already stored.
  bool record_funding(const std::string& connector, const FundingPaymentEvent& payment);

  /// Orders of `connector` not in a terminal state, rebuilt with their stored fills applied (so that a fill
  /// reported again after a restart is recognised as a duplicate).
  std::vector<InFlightOrder> load_active_orders(const std::string& connector);
  std::vector<StoredFill> fills(const std::string& connector) const;
  /// Number of stored status changes of an order (tests, history).
  int status_count(const std::string& connector, const std::string& client_order_id) const;
  std::vector<FundingPaymentEvent> funding_payments(const std::string& connector) const;
  /// Replaces the stored positions of `connector` with `positions` (one transaction).
  void save_positions(const std::string& connector, const std::vector<Position>& positions,
                      int64_t timestamp_ms);
  /// The last stored positions of `connector`, by pair then side.
  std::vector<Position> positions(const std::string& connector) const;
  /// One transaction around the writes until commit_batch() (JournalWriter's batches).
  void begin_batch();
  void commit_batch();

 private:
  void exec(const char* sql) const;
  sqlite3* db_ = nullptr;
  std::string path_;
};

class JournalWriter;

/// Writes everything a connector does to a TradeStore: each order when submitted (before its request leaves),
/// every state change and fill, funding payments, and (sync_positions) the positions of a perpetual
/// connector. Keep it alive as long as the connector runs; subscribe it before the strategy so that it sees
/// every event first.
class OrderJournal {
 public:
  /// Writes on the connector's thread, each in its own transaction.
  OrderJournal(Connector& connector, TradeStore& store);
  /// Writes off the event loop, through the writer's thread, with the durability points where they matter:
  /// an order's placement request leaves only after its submitted row is committed (ExchangeBase's submit
  /// barrier, awaited without blocking the loop), and a fill reaches the listeners after this one (the
  /// strategy) only once its row is committed. Status rows, order updates, funding and positions are queued
  /// and committed in batches; a kill -9 between a status change and its commit leaves the order active in
  /// the journal, and the restart reconciles it from the exchange.
  OrderJournal(Connector& connector, JournalWriter& writer);
  ~OrderJournal();
  /// Stores the connector's positions when they differ from the last stored ones by more than the mark price
  /// (amount, entry price, side, leverage). Call regularly (the strategy runner does, every tick). Returns
  /// true when it wrote; false for spot connectors.
  bool sync_positions();

 private:
  void on_event(const Event& event);
  /// Runs now (store_) or queues (writer_); `durable` waits for its commit.
  void write(std::function<void(TradeStore&)> op, bool durable = false);
  Connector& connector_;
  TradeStore* store_ = nullptr;
  JournalWriter* writer_ = nullptr;
  EventBus::Subscription subscription_;
  std::vector<Position> last_positions_;
  bool positions_saved_ = false;
};

}  // namespace nectar::storage
