#include "client/strategy_runner.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <tuple>

#include "nectar/connectors/exchange_base.hpp"

namespace nectar::client {

StrategyRunner::StrategyRunner(Connector& connector, const StrategyConfig& config,
                               const std::filesystem::path& db, std::optional<storage::JournalLock> lock)
    : connector_(connector), config_(config), lock_(lock ? std::move(*lock) : storage::JournalLock(db)) {
  if (db.has_parent_path()) std::filesystem::create_directories(db.parent_path());
  auto store = std::make_unique<storage::TradeStore>(db.string());
  for (auto& f : store->fills(connector.name())) {
    if (f.pair != config.pmm.pair) continue;
    pair_trade_ids_.insert(f.trade_id);
    pair_fills_.push_back(std::move(f));
  }
  std::vector<InFlightOrder> restore;
  for (auto& o : store->load_active_orders(connector.name())) {
    if (connector.order(o.client_order_id())) continue;  // still tracked (same session): no duplicate
    restored_.push_back(o.client_order_id());
    restore.push_back(std::move(o));
  }
  if (!restore.empty()) {
    if (auto* base = dynamic_cast<ExchangeBase*>(&connector)) {
      spdlog::info("{}: restoring {} active order(s) from the journal {}", connector.name(), restore.size(),
                   db.string());
      base->restore_orders(std::move(restore));
    } else {
      spdlog::warn("{}: cannot restore journaled orders on this connector", connector.name());
      restored_.clear();
    }
  }
  writer_ = std::make_unique<storage::JournalWriter>(std::move(store));
  journal_ =
      std::make_unique<storage::OrderJournal>(connector, *writer_);  // before the strategy: first to see
  pmm_ = std::make_unique<strategy::PureMarketMaking>(connector, config.pmm);
  fill_subscription_ = connector.events().subscribe([this](const Event& e) {
    if (const auto* fill = std::get_if<OrderFilledEvent>(&e)) add_pair_fill(*fill);
  });
}

// The journal goes before the writer (which commits what is queued as it is destroyed).
void StrategyRunner::add_pair_fill(const OrderFilledEvent& fill) {
  if (fill.pair != config_.pmm.pair || !pair_trade_ids_.insert(fill.trade_id).second) return;
  const InFlightOrder* order = connector_.order(fill.client_order_id);
  auto row = storage::to_stored_fill(connector_.name(), fill,
                                     order ? order->exchange_order_id() : fill.exchange_order_id);
  // The journal's order: by time, then trade id.
  auto at = std::upper_bound(pair_fills_.begin(), pair_fills_.end(), row, [](const auto& a, const auto& b) {
    return std::tie(a.timestamp_ms, a.trade_id) < std::tie(b.timestamp_ms, b.trade_id);
  });
  pair_fills_.insert(at, std::move(row));
}

StrategyRunner::~StrategyRunner() {
  pmm_.reset();
  journal_.reset();
  writer_.reset();
}

void StrategyRunner::tick() {
  pmm_->tick();
  journal_->sync_positions();
}

void StrategyRunner::cancel_all() {
  pmm_->cancel_all();
  for (const auto& id : restored_) {
    const InFlightOrder* o = connector_.order(id);
    if (o && !o->is_done() && o->state() != OrderState::kPendingCancel) connector_.cancel(o->pair(), id);
  }
}

std::size_t StrategyRunner::restored_live() const {
  std::size_t n = 0;
  for (const auto& id : restored_) {
    const InFlightOrder* o = connector_.order(id);
    if (o && !o->is_done()) ++n;
  }
  return n;
}

std::vector<std::string> StrategyRunner::active_order_ids() const {
  auto out = pmm_->active_order_ids();
  for (const auto& id : restored_) {
    const InFlightOrder* o = connector_.order(id);
    if (o && !o->is_done()) out.push_back(id);
  }
  return out;
}

std::string StrategyRunner::status_line() const {
  std::string line = pmm_->status_line();
  if (!restored_.empty())
    line += fmt::format(" | restored from journal: {} ({} live)", restored_.size(), restored_live());
  return line;
}

StatusSnapshot StrategyRunner::status_snapshot() const {
  StatusSnapshot snap = take_status_snapshot(connector_, config_.pmm.pair, active_order_ids());
  snap.fills = pair_fills_;
  snap.strategy_line = status_line();
  return snap;
}

}  // namespace nectar::client
