// Perpetual account settings and risk (sim/perpetual_settlement.hpp): position and margin modes, leverage
// with re-margining, mark price, funding and liquidation. docs/perpetuals-sim.md.
#include <set>

#include "sim/perpetual_settlement.hpp"

namespace nectar::sim::engine {

// ---- settings ----

PerpResult PerpetualSettlement::set_position_mode(AccountId a, PositionMode mode) {
  if (position_mode(a) == mode) return {};
  if (has_activity(a, {}))
    return {RejectReason::kOpenPositionsOrOrders,
            "account " + std::to_string(a) +
                ": position mode cannot change while it has perpetual positions or open orders"};
  accounts_[a].mode = mode;
  return {};
}

PerpResult PerpetualSettlement::set_margin_mode(AccountId a, std::string_view symbol, MarginMode mode) {
  const PerpMarket* pm = perp_market(symbol);
  if (pm == nullptr) return perp_error(symbol);
  if (settings(a, pm->inst()).mode == mode) return {};
  if (has_activity(a, symbol))
    return {RejectReason::kOpenPositionsOrOrders,
            "account " + std::to_string(a) + ": margin mode of " + std::string(symbol) +
                " cannot change while it has a position or open orders"};
  settings_slot(a, pm->inst()).mode = mode;
  return {};
}

PerpResult PerpetualSettlement::set_leverage(AccountId a, std::string_view symbol, Decimal lev) {
  Core::Op op(core_);
  const PerpMarket* pmp = perp_market(symbol);
  if (pmp == nullptr) return perp_error(symbol);
  const PerpMarket& pm = *pmp;
  const Instrument& in = pm.inst();
  if (lev < in.min_leverage || lev > in.max_leverage)
    return {RejectReason::kLeverageOutOfRange, "leverage " + str(lev) + " is outside [" +
                                                   str(in.min_leverage) + ", " + str(in.max_leverage) +
                                                   "] for " + in.symbol};
  if (settings(a, in).leverage == lev) return {};
  const std::string& asset = in.settle_asset();
  Ledger& ledger = core_.ledger;
  // New margins of the symbol's positions and reserves of its open orders at `lev`.
  std::vector<std::pair<PosState*, Decimal>> pos_targets;
  std::vector<std::pair<Order*, Decimal>> order_targets;
  Decimal delta;
  PerpAccount& pa = accounts_[a];
  for (auto& [key, p] : pa.positions)
    if (key.first == in.symbol) {
      const Decimal target = contract::initial_margin(p.entry_value, lev);
      pos_targets.emplace_back(&p, target);
      delta += target - p.margin;
    }
  if (auto acc = core_.accounts.find(a); acc != core_.accounts.end())
    for (auto& [id, e] : acc->second.open)
      if (e->order.symbol == in.symbol && !e->order.reduce_only) {
        const Decimal target = order_reserve(in, value_at(in, e->order.remaining(), e->order.price), lev);
        order_targets.emplace_back(&e->order, target);
        delta += target - e->order.frozen;
      }
  if (delta.is_positive()) {
    const Decimal available = available_margin(a, asset, sums(a, asset));
    if (available < delta)
      return {RejectReason::kInsufficientMargin, "insufficient margin for leverage " + str(lev) +
                                                     ": available " + str(available) + " " + asset +
                                                     ", required " + str(delta)};
  }
  // Releases first, so the increases are covered by what the check saw.
  for (int pass = 0; pass < 2; ++pass) {
    for (auto& [p, target] : pos_targets)
      if ((pass == 0) == (target < p->margin)) {
        if (pass == 0)
          check(ledger.unfreeze(a, asset, p->margin - target));
        else
          check(ledger.freeze(a, asset, target - p->margin));
        p->margin = target;
      }
    for (auto& [o, target] : order_targets)
      if ((pass == 0) == (target < o->frozen)) {
        if (pass == 0)
          check(ledger.unfreeze(a, asset, o->frozen - target));
        else
          check(ledger.freeze(a, asset, target - o->frozen));
        o->frozen = target;
      }
  }
  settings_slot(a, in).leverage = lev;
  for (auto& [p, target] : pos_targets) post_position(a, pm, *p);
  return {};
}

// ---- mark and funding ----

bool PerpetualSettlement::set_mark_price(std::string_view symbol, Decimal price) {
  PerpMarket* pm = perp_market(symbol);
  if (pm == nullptr || !price.is_positive()) return false;
  Core::Op op(core_);
  pm->mark = price;
  run_liquidations();
  return true;
}

bool PerpetualSettlement::set_funding_rate(std::string_view symbol, Decimal rate) {
  PerpMarket* pm = perp_market(symbol);
  if (pm == nullptr) return false;
  pm->funding_rate = rate;
  return true;
}

std::size_t PerpetualSettlement::settle_funding(std::string_view symbol, Decimal rate) {
  PerpMarket* pm = perp_market(symbol);
  return pm == nullptr ? 0 : settle_funding(*pm, rate);
}

std::size_t PerpetualSettlement::poll_funding() {
  Core::Op op(core_);
  const int64_t now = core_.now();
  std::size_t n = 0;
  for (auto& [sym, pm] : markets_) {
    if (now < pm.next_funding_ms) continue;
    const int64_t interval = pm.inst().funding_interval_ms;
    pm.next_funding_ms = (now / interval + 1) * interval;  // missed intervals collapse into this one
    settle_funding(pm, pm.funding_rate);
    ++n;
  }
  return n;
}

/// Every position of the market pays or receives the core funding amount through the fee account: payers
/// (rounded up) first, receivers (rounded down) after, so the fee account never pays out more than it
/// collected. A kFunding bill each, then the liquidation check.
std::size_t PerpetualSettlement::settle_funding(PerpMarket& pm, Decimal rate) {
  Core::Op op(core_);
  if (rate.is_zero()) return 0;
  const Instrument& in = pm.inst();
  const std::string& asset = in.settle_asset();
  struct Due {
    AccountId account;
    PosKey key;
    Decimal amount;
    bool pays;
  };
  std::vector<Due> dues;
  for (const auto& [a, pa] : accounts_) {
    if (a == core_.house()) continue;  // the fee account is the counterparty: it would pay itself
    for (const auto& [key, p] : pa.positions) {
      if (key.first != in.symbol) continue;
      const Decimal due = contract::funding_payment(spec_of(in), p.side, p.size, mark_of(pm, p), rate);
      dues.push_back({a, key, due.abs(), due.is_negative()});
    }
  }
  for (int pass = 0; pass < 2; ++pass)
    for (const Due& d : dues) {
      if (d.pays != (pass == 0)) continue;
      Decimal amount;
      if (d.pays) {
        amount = -pay_to_house(d.account, asset, d.amount, nullptr);
      } else {
        pay_from_house(d.account, asset, d.amount);
        amount = d.amount;
      }
      PosState& p = accounts_[d.account].positions[d.key];
      p.funding += amount;
      add_bill(d.account, pm, BillType::kFunding, p.side, PositionAction::kNil, amount, Decimal{}, 0);
    }
  run_liquidations();
  return dues.size();
}

// ---- liquidation ----

std::size_t PerpetualSettlement::check_liquidations() {
  return run_liquidations();
}

/// Accounts (or isolated positions) whose equity is at or below maintenance, liquidated at the mark.
std::size_t PerpetualSettlement::run_liquidations() {
  Core::Op op(core_);
  struct Target {
    AccountId account;
    std::string asset;
    std::optional<PosKey> isolated;  ///< nullopt: every cross position in `asset`
  };
  std::vector<Target> targets;
  for (const auto& [a, pa] : accounts_) {
    if (a == core_.house() || pa.positions.empty()) continue;
    std::set<std::string> cross_assets;
    for (const auto& [key, p] : pa.positions) {
      const Instrument& in = markets_.find(key.first)->second.inst();
      if (settings(a, in).mode == MarginMode::kIsolated)
        targets.push_back({a, in.settle_asset(), key});
      else
        cross_assets.insert(in.settle_asset());
    }
    for (const std::string& asset : cross_assets) targets.push_back({a, asset, std::nullopt});
  }
  // Checked one by one: an isolated liquidation returns leftover margin, which can rescue the cross side.
  std::size_t n = 0;
  for (const Target& t : targets)
    if (below_maintenance(t.account, t.asset, t.isolated)) n += liquidate(t.account, t.asset, t.isolated);
  return n;
}

/// Isolated: margin + uPnL <= maintenance of that position. Cross: wallet − isolated margins + cross uPnL <=
/// Σ cross maintenance (open orders' reserves count as equity: they are cancelled first).
bool PerpetualSettlement::below_maintenance(AccountId a, const std::string& asset,
                                            const std::optional<PosKey>& isolated) const {
  if (isolated) {
    const PosState* p = find_pos(a, isolated->first, isolated->second);
    if (p == nullptr) return false;
    const PerpMarket& pm = markets_.find(isolated->first)->second;
    return p->margin + upnl(pm, *p) <= maint(pm, *p);
  }
  const Sums s = sums(a, asset);
  return s.has_cross && wallet(a, asset, s) - s.iso_margin + s.cross_upnl <= s.cross_maint;
}

/// Closes the position(s) at the mark against the fee account, which takes them over (so open interest stays
/// matched and money is conserved). The account's orders on those symbols are cancelled first.
std::size_t PerpetualSettlement::liquidate(AccountId a, const std::string& asset,
                                           const std::optional<PosKey>& isolated) {
  PerpAccount& pa = accounts_[a];
  std::vector<PosKey> keys;
  if (isolated) {
    keys.push_back(*isolated);
  } else {
    for (const auto& [key, p] : pa.positions) {
      const Instrument& in = markets_.find(key.first)->second.inst();
      if (in.settle_asset() == asset && settings(a, in).mode == MarginMode::kCross) keys.push_back(key);
    }
  }
  std::vector<OrderId> cancels;
  if (auto acc = core_.accounts.find(a); acc != core_.accounts.end())
    for (const auto& [id, e] : acc->second.open)
      for (const PosKey& key : keys)
        if (e->order.symbol == key.first) {
          cancels.push_back(id);
          break;
        }
  for (OrderId id : cancels) core_.cancel_entry(a, core_.live_entry(id), "being liquidated");
  std::size_t n = 0;
  for (const PosKey& key : keys) {
    auto it = pa.positions.find(key);
    if (it == pa.positions.end()) continue;
    const PerpMarket& pm = markets_.find(key.first)->second;
    const PosState before = it->second;
    const Decimal price = mark_of(pm, before);
    const Decimal value = value_at(pm.inst(), before.size, price);
    const Side close_side = before.side == PositionSide::kLong ? Side::kSell : Side::kBuy;
    Decimal budget;
    const TradeEffect eff = apply_trade(a, pm, key.second, close_side, before.size, price, value, Decimal{},
                                        isolated ? &budget : nullptr);
    apply_trade(core_.house(), pm, PositionSide::kBoth, opposite(close_side), before.size, price, value,
                Decimal{}, nullptr);
    Liquidation liq;
    liq.id = next_bill_id_;  // the id of the bill written right after the event
    liq.account = a;
    liq.symbol = pm.inst().symbol;
    liq.side = before.side;
    liq.margin_mode = isolated ? MarginMode::kIsolated : MarginMode::kCross;
    liq.size = before.size;
    liq.entry_price = entry_price(pm.inst(), before);
    liq.price = price;
    liq.realized_pnl = eff.realized;
    liq.covered_by_insurance = eff.covered;
    liq.ts_ms = core_.now();
    pa.liquidations.push_back(liq);
    while (pa.liquidations.size() > std::max<std::size_t>(core_.cfg.recent_bills_per_account, 1))
      pa.liquidations.pop_front();
    core_.post(LiquidationEvent{liq});
    add_bill(a, pm, BillType::kLiquidation, before.side, PositionAction::kClose, eff.realized + eff.covered,
             Decimal{}, 0);
    ++n;
  }
  return n;
}

}  // namespace nectar::sim::engine
