#include "client/strategy_runner.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "nectar/connectors/exchange_base.hpp"

namespace nectar::client {

StrategyRunner::StrategyRunner(Connector& connector, const StrategyConfig& config,
                               const std::filesystem::path& db, std::optional<storage::JournalLock> lock)
    : connector_(connector), config_(config), lock_(lock ? std::move(*lock) : storage::JournalLock(db)) {
  if (db.has_parent_path()) std::filesystem::create_directories(db.parent_path());
  store_ = std::make_unique<storage::TradeStore>(db.string());
  std::vector<InFlightOrder> restore;
  for (auto& o : store_->load_active_orders(connector.name())) {
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
  journal_ = std::make_unique<storage::OrderJournal>(connector, *store_);
  pmm_ = std::make_unique<strategy::PureMarketMaking>(connector, config.pmm);
  fill_subscription_ = connector.events().subscribe([this](const Event& e) {
    if (std::holds_alternative<OrderFilledEvent>(e)) pair_fills_stale_ = true;
  });
}

StrategyRunner::~StrategyRunner() = default;

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
  if (pair_fills_stale_) {
    try {
      std::vector<storage::StoredFill> fills;
      for (auto& f : store_->fills(connector_.name()))
        if (f.pair == snap.pair) fills.push_back(std::move(f));
      pair_fills_ = std::move(fills);
      pair_fills_stale_ = false;
    } catch (const std::exception& e) {
      spdlog::warn("status: cannot read the journal's fills: {}", e.what());
    }
  }
  snap.fills = pair_fills_;
  snap.strategy_line = status_line();
  return snap;
}

}  // namespace nectar::client
