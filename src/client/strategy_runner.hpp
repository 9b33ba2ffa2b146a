// A configured strategy running on one connector, with its order journal: what `start` creates in the shell
// and what `nectar run` drives headless. Private to nectar_client.
#pragma once

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "nectar/client/status_view.hpp"
#include "nectar/client/strategy_config.hpp"
#include "nectar/connectors/connector.hpp"
#include "nectar/storage/journal_lock.hpp"
#include "nectar/storage/journal_writer.hpp"
#include "nectar/storage/trade_store.hpp"
#include "nectar/strategy/pure_market_making.hpp"

namespace nectar::client {

/// Thread affinity: construct, use and destroy on the connector's thread.
class StrategyRunner {
 public:
  /// Opens (or creates) the journal database `db`, puts the journal's still-active orders of this connector
  /// back under tracking (ExchangeBase::restore_orders; orders the connector already tracks are skipped),
  /// then subscribes the journal and creates the strategy. Throws (StorageError, std::invalid_argument).
  /// Holds the journal's lock for its whole life: `lock`, or one it takes (throws storage::JournalBusyError
  /// when another run holds it).
  StrategyRunner(Connector& connector, const StrategyConfig& config, const std::filesystem::path& db,
                 std::optional<storage::JournalLock> lock = std::nullopt);
  ~StrategyRunner();
  StrategyRunner(const StrategyRunner&) = delete;
  StrategyRunner& operator=(const StrategyRunner&) = delete;

  /// One strategy step (call every second).
  void tick();
  /// Cancels the strategy's orders and the restored ones still live.
  void cancel_all();
  /// Client ids of live orders: the strategy's and the restored ones.
  std::vector<std::string> active_order_ids() const;
  /// How many orders were restored from the journal at start, and how many of them are still live.
  std::size_t restored_count() const { return restored_.size(); }
  std::size_t restored_live() const;
  std::string status_line() const;
  /// What the status view shows: market, balances, positions, live orders, the journal's fills of the pair,
  /// status_line(). A journal that cannot be read shows no fills (logged).
  StatusSnapshot status_snapshot() const;
  const strategy::PureMarketMaking& strategy() const { return *pmm_; }
  /// The journal's writer thread: queue reads there (history), never on the event loop.
  storage::JournalWriter& journal() { return *writer_; }

 private:
  Connector& connector_;
  StrategyConfig config_;
  storage::JournalLock lock_;
  std::unique_ptr<storage::JournalWriter> writer_;
  std::unique_ptr<storage::OrderJournal> journal_;
  std::vector<std::string> restored_;
  std::unique_ptr<strategy::PureMarketMaking> pmm_;
  // The journal's fills of the pair: read once at start, then kept up to date from the fill events the
  // journal stores (same rows, same order, duplicates dropped by trade id), so views never read SQLite on the
  // loop.
  void add_pair_fill(const OrderFilledEvent& fill);
  std::vector<storage::StoredFill> pair_fills_;
  std::set<std::string> pair_trade_ids_;
  EventBus::Subscription fill_subscription_;
};

}  // namespace nectar::client
