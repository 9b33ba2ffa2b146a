// Perpetual settlement (sim/perpetual_settlement.hpp): admission (position mode, close limits, margin
// reserve), fills against positions, money movements, margin views and queries. Leverage, mark, funding and
// liquidation: perpetual_risk.cpp. Formulas: docs/perpetuals-sim.md, docs/matching-engine.md.
#include "sim/perpetual_settlement.hpp"

#include <algorithm>

namespace nectar::sim::engine {

namespace {

const char* side_word(PositionSide s) {
  return s == PositionSide::kLong ? "long" : s == PositionSide::kShort ? "short" : "both";
}

}  // namespace

// ---- formulas of one market ----

/// The instrument's contract for the core formulas (kind and size; the currencies are not needed here, so no
/// string is copied on the hot path).
ContractSpec PerpetualSettlement::spec_of(const Instrument& in) {
  ContractSpec c;
  c.kind = in.contract_kind;
  c.contract_size = in.contract_size;
  return c;
}
/// Notional in the settle asset: linear price × qty × contract_size (exact for tick/lot prices: decimals
/// checked at add); inverse qty × contract_size / price, rounded half-up at 18 decimals.
Decimal PerpetualSettlement::value_at(const Instrument& in, Decimal qty, Decimal price) {
  return contract::notional(spec_of(in), qty, price, Rounding::kHalfUp);
}
Decimal PerpetualSettlement::entry_price(const Instrument& in, const PosState& p) {
  return p.size.is_positive() ? contract::entry_price(spec_of(in), p.size, p.entry_value) : Decimal{};
}
Decimal PerpetualSettlement::mark_of(const PerpMarket& pm, const PosState& p) {
  if (pm.mark) return *pm.mark;
  if (pm.market->last_price) return *pm.market->last_price;
  return entry_price(pm.inst(), p);
}
Decimal PerpetualSettlement::upnl(const PerpMarket& pm, const PosState& p) {
  return contract::pnl_of_values(spec_of(pm.inst()), p.side, p.entry_value,
                                 value_at(pm.inst(), p.size, mark_of(pm, p)));
}
Decimal PerpetualSettlement::maint(const PerpMarket& pm, const PosState& p) {
  return value_at(pm.inst(), p.size, mark_of(pm, p))
      .mul(pm.inst().maintenance_margin_rate, Rounding::kHalfUp);
}
/// Margin an order reserves for `notional`: initial margin at `lev` plus the fee at the higher fee rate.
Decimal PerpetualSettlement::order_reserve(const Instrument& in, Decimal notional, Decimal lev) {
  const Decimal fee_rate = Decimal::max(in.maker_fee_rate, in.taker_fee_rate);
  return contract::initial_margin(notional, lev) + notional.mul(fee_rate, Rounding::kCeil);
}
/// Settle-asset notional of taking up to `qty` from the side opposite `side` (within `limit`); `left` gets
/// the rest.
Decimal PerpetualSettlement::take_value(const Market& m, Side side, Decimal qty, std::optional<Decimal> limit,
                                        Decimal& left) {
  Decimal v;
  for (const auto& [key, lvl] : m.side(opposite(side))) {
    if (!qty.is_positive()) break;
    if (limit && (side == Side::kBuy ? lvl.price > *limit : lvl.price < *limit)) break;
    const Decimal take = Decimal::min(lvl.total, qty);
    v += value_at(m.inst, take, lvl.price);
    qty -= take;
  }
  left = qty;
  return v;
}

// ---- Settlement ----

std::string PerpetualSettlement::check_instrument(const Instrument& in) const {
  if (in.settle_asset().empty()) return "perpetual needs a settle asset";
  if (!in.contract_size.is_positive()) return "contract_size must be positive";
  if (in.contract_kind == ContractKind::kSpot) return "a perpetual's contract kind must not be spot";
  // Linear values are exact; inverse ones divide by the price and round half-up at 18 decimals (both legs of
  // a fill use the same rounded value, so money is still conserved).
  if (!in.is_inverse() &&
      decimals_of(in.tick) + decimals_of(in.lot) + decimals_of(in.contract_size) > Decimal::kScale)
    return "tick, lot and contract_size together need more than 18 decimals";
  if (in.min_leverage < Decimal::one() || in.max_leverage < in.min_leverage ||
      in.default_leverage < in.min_leverage || in.default_leverage > in.max_leverage)
    return "leverage bounds must satisfy 1 <= min <= default <= max";
  if (in.maintenance_margin_rate.is_negative() || in.maintenance_margin_rate >= Decimal::one())
    return "maintenance_margin_rate must be in [0, 1)";
  if (in.funding_interval_ms <= 0) return "funding_interval_ms must be positive";
  return {};
}

void PerpetualSettlement::market_added(Market& m) {
  PerpMarket pm;
  pm.market = &m;
  const int64_t interval = m.inst.funding_interval_ms;
  pm.next_funding_ms = (core_.now() / interval + 1) * interval;
  markets_.emplace(m.inst.symbol, pm);
}

PlaceResult PerpetualSettlement::check_request(const Instrument& in, const OrderRequest& rq) const {
  if (rq.quote_amount.is_positive())
    return rejected(RejectReason::kInvalidParameter,
                    "perpetual orders are sized in quantity, not quote amount (" + in.symbol + ")");
  return {};
}

Decimal PerpetualSettlement::notional(const Instrument& in, Decimal qty, Decimal price) const {
  return value_at(in, qty, price);  // counts contract_size (1 for linear USDT contracts: same as spot then)
}

PlaceResult PerpetualSettlement::admit(const Market& m, const OrderRequest& rq, Admission& out) const {
  return admit_position(perp_of(m), rq, out);
}

const std::string& PerpetualSettlement::fee_asset(const Instrument& in, Side /*side*/) const {
  return in.settle_asset();
}

const std::string& PerpetualSettlement::reserve_asset(const Instrument& in, const Order& /*o*/) const {
  return in.settle_asset();
}

void PerpetualSettlement::settle_fill(const Market& m, const FillTerms& t, Order& buyer, Order& seller,
                                      LegResult& buyer_leg, LegResult& seller_leg) {
  // Margin instead of assets: both legs settle against their positions in the settle asset, at one value.
  const PerpMarket& pm = perp_of(m);
  const Decimal value = value_at(m.inst, t.qty, t.price);
  settle_leg(pm, buyer, t.qty, t.price, value, t.buyer_is_maker, t.trade_id, buyer_leg);
  settle_leg(pm, seller, t.qty, t.price, value, !t.buyer_is_maker, t.trade_id, seller_leg);
}

/// How much of its position `o` may still reduce now (zero when the position is gone or on its side).
Decimal PerpetualSettlement::reducible(const Order& o) const {
  const PosState* p = find_pos(o.account, o.symbol, o.position_side);
  if (p == nullptr) return {};
  const PositionSide reduces = o.side == Side::kSell ? PositionSide::kLong : PositionSide::kShort;
  return p->side == reduces ? p->size : Decimal{};
}

// ---- lookups ----

PerpetualSettlement::PerpMarket* PerpetualSettlement::perp_market(std::string_view symbol) {
  auto it = markets_.find(symbol);
  return it == markets_.end() ? nullptr : &it->second;
}
const PerpetualSettlement::PerpMarket* PerpetualSettlement::perp_market(std::string_view symbol) const {
  auto it = markets_.find(symbol);
  return it == markets_.end() ? nullptr : &it->second;
}
PerpResult PerpetualSettlement::perp_error(std::string_view symbol) const {
  if (core_.markets.find(symbol) == core_.markets.end())
    return {RejectReason::kUnknownSymbol, "unknown symbol '" + std::string(symbol) + "'"};
  return {RejectReason::kNotPerpetual, "'" + std::string(symbol) + "' is not a perpetual"};
}

PerpetualSettlement::SymbolSettings PerpetualSettlement::settings(AccountId a, const Instrument& in) const {
  auto pit = accounts_.find(a);
  if (pit != accounts_.end()) {
    auto it = pit->second.settings.find(in.symbol);
    if (it != pit->second.settings.end()) return it->second;
  }
  return SymbolSettings{in.default_leverage, MarginMode::kCross};
}
PerpetualSettlement::SymbolSettings& PerpetualSettlement::settings_slot(AccountId a, const Instrument& in) {
  auto& map = accounts_[a].settings;
  auto it = map.find(in.symbol);
  if (it == map.end())
    it = map.emplace(in.symbol, SymbolSettings{in.default_leverage, MarginMode::kCross}).first;
  return it->second;
}
const PerpetualSettlement::PosState* PerpetualSettlement::find_pos(AccountId a, const std::string& symbol,
                                                                   PositionSide slot) const {
  auto pit = accounts_.find(a);
  if (pit == accounts_.end()) return nullptr;
  auto it = pit->second.positions.find(PosKey{symbol, slot});
  return it == pit->second.positions.end() ? nullptr : &it->second;
}
/// A position, or an open order on a perpetual (all of them when `symbol` is empty).
bool PerpetualSettlement::has_activity(AccountId a, std::string_view symbol) const {
  auto pit = accounts_.find(a);
  if (pit != accounts_.end())
    for (const auto& [key, p] : pit->second.positions)
      if (symbol.empty() || key.first == symbol) return true;
  auto acc = core_.accounts.find(a);
  if (acc != core_.accounts.end())
    for (const auto& [id, e] : acc->second.open)
      if (markets_.count(e->order.symbol) && (symbol.empty() || e->order.symbol == symbol)) return true;
  return false;
}

// ---- margin and views ----

PerpetualSettlement::Sums PerpetualSettlement::sums(AccountId a, std::string_view asset) const {
  Sums s;
  auto acc = core_.accounts.find(a);
  if (acc != core_.accounts.end())
    for (const auto& [id, e] : acc->second.open) {
      const PerpMarket* pm = perp_market(e->order.symbol);
      if (pm != nullptr && pm->inst().settle_asset() == asset) s.order_margin += e->order.frozen;
    }
  auto pit = accounts_.find(a);
  if (pit != accounts_.end())
    for (const auto& [key, p] : pit->second.positions) {
      const PerpMarket& pm = markets_.find(key.first)->second;
      if (pm.inst().settle_asset() != asset) continue;
      const Decimal u = upnl(pm, p);
      const Decimal mm = maint(pm, p);
      s.position_margin += p.margin;
      s.upnl += u;
      s.maint += mm;
      if (settings(a, pm.inst()).mode == MarginMode::kCross) {
        s.cross_upnl += u;
        s.cross_maint += mm;
        s.has_cross = true;
      } else {
        s.iso_margin += p.margin;
      }
    }
  return s;
}
/// Realised wallet of the settle asset: what the ledger holds for it outside spot orders.
Decimal PerpetualSettlement::wallet(AccountId a, std::string_view asset, const Sums& s) const {
  return core_.ledger.balance(a, asset).available + s.order_margin + s.position_margin;
}
/// What a new order may reserve: free balance, less unrealised cross losses (profits are not lent out).
Decimal PerpetualSettlement::available_margin(AccountId a, std::string_view asset, const Sums& s) const {
  return core_.ledger.balance(a, asset).available + Decimal::min(Decimal{}, s.cross_upnl);
}

/// Estimated liquidation price of one position, the others held at the current marks; zero = none.
Decimal PerpetualSettlement::liq_price(AccountId a, const PerpMarket& pm, const PosState& p,
                                       const SymbolSettings& st) const {
  if (a == core_.house() || !p.size.is_positive()) return {};
  const Instrument& in = pm.inst();
  // Equity backing this position besides its own PnL, net of the other positions' maintenance.
  Decimal buffer;
  if (st.mode == MarginMode::kIsolated) {
    buffer = p.margin;
  } else {
    const Sums s = sums(a, in.settle_asset());
    buffer = wallet(a, in.settle_asset(), s) - s.iso_margin + (s.cross_upnl - upnl(pm, p)) -
             (s.cross_maint - maint(pm, p));
  }
  return contract::liquidation_price(spec_of(in), p.side, p.size, p.entry_value, buffer,
                                     in.maintenance_margin_rate);
}

Position PerpetualSettlement::snapshot(AccountId a, const PerpMarket& pm, const PosState& p) const {
  const SymbolSettings st = settings(a, pm.inst());
  Position out;
  out.account = a;
  out.symbol = pm.inst().symbol;
  out.side = p.side;
  out.margin_mode = st.mode;
  out.position_mode = position_mode(a);
  out.leverage = st.leverage;
  out.size = p.size;
  out.entry_value = p.entry_value;
  out.entry_price = entry_price(pm.inst(), p);
  out.margin = p.margin;
  out.realized_pnl = p.realized;
  out.fees = p.fees;
  out.funding = p.funding;
  if (p.size.is_positive()) {
    out.mark_price = mark_of(pm, p);
    out.unrealized_pnl = upnl(pm, p);
    out.maintenance_margin = maint(pm, p);
    out.liquidation_price = liq_price(a, pm, p, st);
  }
  out.created_ms = p.created_ms;
  out.updated_ms = p.updated_ms;
  return out;
}

void PerpetualSettlement::post_position(AccountId a, const PerpMarket& pm, const PosState& p) {
  core_.post(PositionEvent{snapshot(a, pm, p)});
}

Bill PerpetualSettlement::add_bill(AccountId a, const PerpMarket& pm, BillType type, PositionSide side,
                                   PositionAction action, Decimal amount, Decimal fee, TradeId trade_id) {
  const std::string& asset = pm.inst().settle_asset();
  Bill b;
  b.id = next_bill_id_++;
  b.account = a;
  b.symbol = pm.inst().symbol;
  b.asset = asset;
  b.type = type;
  b.side = side;
  b.action = action;
  b.amount = amount;
  b.fee = fee;
  b.balance = wallet(a, asset, sums(a, asset));
  b.trade_id = trade_id;
  b.ts_ms = core_.now();
  auto& bills = accounts_[a].bills;
  bills.push_back(b);
  while (bills.size() > std::max<std::size_t>(core_.cfg.recent_bills_per_account, 1)) bills.pop_front();
  core_.post(BillEvent{b});
  return b;
}

// ---- money movements ----
// Perpetual paths never fail on the ledger: they take what is there and account for the rest (insurance
// fund, bad debt), so the ledger stays consistent whatever the marks do.

/// Freezes up to `amount` of available; returns what was frozen.
Decimal PerpetualSettlement::freeze_upto(AccountId a, const std::string& asset, Decimal amount) {
  const Decimal take = Decimal::min(amount, core_.ledger.balance(a, asset).available);
  if (take.is_positive()) check(core_.ledger.freeze(a, asset, take));
  return take;
}

/// Takes (burns) up to `amount` from the account: available first, then (no budget) the margins of its cross
/// positions, which back the same wallet. With a budget (isolated liquidation) at most *budget is taken, and
/// *budget is reduced by it. Returns what was taken.
Decimal PerpetualSettlement::collect(AccountId a, const std::string& asset, Decimal amount, Decimal* budget) {
  Ledger& ledger = core_.ledger;
  if (budget) amount = Decimal::min(amount, *budget);
  if (!amount.is_positive()) return {};
  Decimal take = Decimal::min(amount, ledger.balance(a, asset).available);
  if (take.is_positive()) check(ledger.withdraw(a, asset, take));
  if (take < amount && budget == nullptr && a != core_.house()) {
    auto pit = accounts_.find(a);
    if (pit != accounts_.end())
      for (auto& [key, p] : pit->second.positions) {
        if (take >= amount) break;
        const Instrument& in = markets_.find(key.first)->second.inst();
        if (in.settle_asset() != asset || settings(a, in).mode != MarginMode::kCross) continue;
        const Decimal seized = Decimal::min(p.margin, amount - take);
        if (!seized.is_positive()) continue;
        check(ledger.unfreeze(a, asset, seized));
        check(ledger.withdraw(a, asset, seized));
        p.margin -= seized;
        take += seized;
      }
  }
  if (budget) *budget -= take;
  return take;
}

/// Moves up to `amount` from the account to the fee account; returns what was moved.
Decimal PerpetualSettlement::pay_to_house(AccountId a, const std::string& asset, Decimal amount,
                                          Decimal* budget) {
  if (a == core_.house()) return amount;
  const Decimal paid = collect(a, asset, amount, budget);
  if (paid.is_positive()) check(core_.ledger.deposit(core_.house(), asset, paid));
  return paid;
}

/// Pays `amount` from the fee account; what it does not hold is created and counted as bad debt.
void PerpetualSettlement::pay_from_house(AccountId a, const std::string& asset, Decimal amount) {
  const AccountId house = core_.house();
  if (a == house || !amount.is_positive()) return;
  const Decimal from_house = Decimal::min(amount, core_.ledger.balance(house, asset).available);
  if (from_house.is_positive()) check(core_.ledger.transfer_available(house, a, asset, from_house));
  if (amount > from_house) {
    check(core_.ledger.deposit(a, asset, amount - from_house));
    bad_debt_ += amount - from_house;
  }
}

/// Realised PnL into the wallet. A gain is credited, a loss burnt: in a matched market the gains and losses
/// of all positions sum to zero over their lifetime, so the conservation law of the contract kind holds (see
/// docs). A loss the account cannot pay is burnt from the fee account (insurance fund), the rest is bad debt.
/// Returns the part of a loss others covered.
Decimal PerpetualSettlement::settle_pnl(AccountId a, const std::string& asset, Decimal pnl, Decimal* budget) {
  if (pnl.is_positive()) {
    check(core_.ledger.deposit(a, asset, pnl));
    return {};
  }
  if (!pnl.is_negative()) return {};
  const Decimal loss = -pnl;
  const Decimal uncovered = loss - collect(a, asset, loss, budget);
  if (!uncovered.is_positive()) return {};
  Decimal rest = uncovered;
  if (a != core_.house()) {
    const Decimal insurance = Decimal::min(rest, core_.ledger.balance(core_.house(), asset).available);
    if (insurance.is_positive()) check(core_.ledger.withdraw(core_.house(), asset, insurance));
    rest -= insurance;
  }
  bad_debt_ += rest;
  return uncovered;
}

// ---- trades ----

/// A trade of `qty` at `price` (worth `value`, the notional in the settle asset) on `side` applied to the
/// position slot: first reduces an opposite position (realising PnL on its average cost, releasing its margin
/// pro rata), then opens/increases with the rest (margin = ceil(entry value / leverage), frozen as far as
/// available covers). `fee` is recorded on the position. Posts position events.
PerpetualSettlement::TradeEffect PerpetualSettlement::apply_trade(AccountId a, const PerpMarket& pm,
                                                                  PositionSide slot, Side side, Decimal qty,
                                                                  Decimal price, Decimal value, Decimal fee,
                                                                  Decimal* budget) {
  const Instrument& in = pm.inst();
  const std::string& asset = in.settle_asset();
  const bool margined = a != core_.house();
  PerpAccount& pa = accounts_[a];
  const PosKey key{in.symbol, slot};
  const PositionSide dir = side == Side::kBuy ? PositionSide::kLong : PositionSide::kShort;
  const int64_t ts = core_.now();
  TradeEffect eff;
  Decimal open_value = value;
  auto it = pa.positions.find(key);
  if (it != pa.positions.end() && it->second.side != dir) {
    PosState& p = it->second;
    const Decimal qc = Decimal::min(qty, p.size);
    const bool all = qc == p.size;
    const Decimal cost =
        all ? p.entry_value : p.entry_value.mul(qc, Rounding::kHalfUp).div(p.size, Rounding::kHalfUp);
    // Split the value so that close + open parts add up to exactly `value` (conservation).
    const Decimal close_value = qc == qty ? value : value_at(in, qc, price);
    open_value = value - close_value;
    const Decimal pnl = contract::pnl_of_values(spec_of(in), p.side, cost, close_value);
    const Decimal release = all ? p.margin : p.margin.mul(qc, Rounding::kDown).div(p.size, Rounding::kDown);
    if (margined && release.is_positive()) check(core_.ledger.unfreeze(a, asset, release));
    if (budget) *budget += release;  // an isolated position's loss may take its own margin
    p.margin -= release;
    p.entry_value -= cost;
    p.size -= qc;
    p.realized += pnl;
    p.updated_ms = ts;
    if (qc == qty) p.fees += fee;
    eff.realized = pnl;
    eff.closed = qc;
    eff.closed_side = p.side;
    eff.covered = settle_pnl(a, asset, pnl, budget);
    post_position(a, pm, p);
    if (!p.size.is_positive()) {
      pa.positions.erase(it);
      it = pa.positions.end();
    }
    qty -= qc;
  }
  if (qty.is_positive()) {
    if (it == pa.positions.end()) {
      it = pa.positions.emplace(key, PosState{}).first;
      it->second.side = dir;
      it->second.created_ms = ts;
    }
    PosState& p = it->second;
    p.entry_value += open_value;
    p.size += qty;
    p.fees += fee;
    p.updated_ms = ts;
    if (margined) {
      const Decimal target = contract::initial_margin(p.entry_value, settings(a, in).leverage);
      if (target > p.margin) p.margin += freeze_upto(a, asset, target - p.margin);
    }
    eff.opened = qty;
    eff.opened_side = dir;
    post_position(a, pm, p);
  }
  return eff;
}

/// One side of a fill: releases the order's reserve for this fill, applies the trade to the position, charges
/// the fee to the fee account and writes the bill(s); `leg` gets the fee paid and the position effect.
void PerpetualSettlement::settle_leg(const PerpMarket& pm, Order& o, Decimal qty, Decimal price,
                                     Decimal value, bool is_maker, TradeId trade_id, LegResult& leg) {
  const Instrument& in = pm.inst();
  const std::string& asset = in.settle_asset();
  if (o.frozen.is_positive()) {
    const Decimal release =
        Decimal::min(o.frozen, order_reserve(in, value, settings(o.account, in).leverage));
    check(core_.ledger.unfreeze(o.account, asset, release));
    o.frozen -= release;
  }
  const Decimal fee = value.mul(is_maker ? in.maker_fee_rate : in.taker_fee_rate, Rounding::kHalfUp);
  const TradeEffect eff =
      apply_trade(o.account, pm, o.position_side, o.side, qty, price, value, fee, nullptr);
  const Decimal paid = pay_to_house(o.account, asset, fee, nullptr);
  if (o.account != core_.house()) {
    if (eff.closed.is_positive())
      add_bill(o.account, pm, BillType::kTrade, eff.closed_side, PositionAction::kClose, eff.realized,
               eff.opened.is_positive() ? Decimal{} : paid, trade_id);
    if (eff.opened.is_positive())
      add_bill(o.account, pm, BillType::kTrade, eff.opened_side, PositionAction::kOpen, Decimal{}, paid,
               trade_id);
  }
  leg.fee = paid;
  leg.realized_pnl = eff.realized;
  leg.position_side = eff.closed.is_positive() ? eff.closed_side : eff.opened_side;
  leg.position_action = eff.closed.is_positive() ? PositionAction::kClose : PositionAction::kOpen;
}

/// Position-mode rules, reduce-only / close limits, margin: the order's slot, action, reduce flag and the
/// reserve to freeze.
PlaceResult PerpetualSettlement::admit_position(const PerpMarket& pm, const OrderRequest& rq,
                                                Admission& out) const {
  const Instrument& in = pm.inst();
  if (position_mode(rq.account) == PositionMode::kHedge) {
    if (rq.position_action != PositionAction::kOpen && rq.position_action != PositionAction::kClose)
      return rejected(RejectReason::kPositionModeMismatch,
                      "hedge mode: the order needs a position action (open or close)");
    if (rq.reduce_only && rq.position_action == PositionAction::kOpen)
      return rejected(RejectReason::kInvalidParameter, "a reduce-only order cannot open a position");
    out.action = rq.position_action;
    out.reduce_only = out.action == PositionAction::kClose;
    const bool long_side = (rq.side == Side::kBuy) == (out.action == PositionAction::kOpen);
    out.slot = long_side ? PositionSide::kLong : PositionSide::kShort;
    if (rq.position_side != PositionSide::kBoth && rq.position_side != out.slot)
      return rejected(RejectReason::kInvalidParameter,
                      std::string(out.action == PositionAction::kOpen ? "open " : "close ") +
                          side_name(rq.side) + " trades the " + side_word(out.slot) + " position, not " +
                          side_word(rq.position_side));
  } else {
    if (rq.position_side != PositionSide::kBoth)
      return rejected(RejectReason::kPositionModeMismatch,
                      std::string("one-way mode: orders take no position side (got ") +
                          side_word(rq.position_side) + ")");
    out.slot = PositionSide::kBoth;
    out.action = PositionAction::kNil;
    out.reduce_only = rq.reduce_only || rq.position_action == PositionAction::kClose;
  }

  if (out.reduce_only) {
    out.reserve = Decimal{};
    const PositionSide reduces = rq.side == Side::kSell ? PositionSide::kLong : PositionSide::kShort;
    const PosState* p = find_pos(rq.account, in.symbol, out.slot);
    if (p != nullptr && p->side != reduces)
      return rejected(RejectReason::kReduceOnlyWouldIncrease,
                      std::string("reduce-only ") + side_name(rq.side) + " would increase the " +
                          side_word(p->side) + " position of " + str(p->size) + " " + in.symbol);
    const Decimal held = p != nullptr ? p->size : Decimal{};
    Decimal locked;  // already promised to the account's other live close orders
    auto acc = core_.accounts.find(rq.account);
    if (acc != core_.accounts.end())
      for (const auto& [id, e] : acc->second.open) {
        const Order& o = e->order;
        if (o.reduce_only && o.symbol == in.symbol && o.position_side == out.slot && o.side == rq.side)
          locked += o.remaining();
      }
    const Decimal closable = Decimal::max(Decimal{}, held - locked);
    if (rq.quantity > closable) {
      if (!held.is_positive())
        return rejected(RejectReason::kCloseExceedsPosition, std::string("close ") + str(rq.quantity) +
                                                                 ": no " + side_word(reduces) +
                                                                 " position to close on " + in.symbol);
      return rejected(RejectReason::kCloseExceedsPosition,
                      "close " + str(rq.quantity) + " exceeds the closable " + side_word(reduces) +
                          " position " + str(closable) + " on " + in.symbol + " (held " + str(held) +
                          ", in open close orders " + str(locked) + ")");
    }
    return {};
  }

  // Notional this order can trade: what it would take from the book now plus the rest at its limit.
  const bool market = rq.kind == OrderKind::kMarket;
  Decimal left;
  Decimal notional = take_value(*pm.market, rq.side, rq.quantity,
                                market ? std::nullopt : std::optional<Decimal>(rq.price), left);
  if (!market && left.is_positive()) notional += value_at(in, left, rq.price);
  const Decimal lev = settings(rq.account, in).leverage;
  out.reserve = order_reserve(in, notional, lev);
  const std::string& asset = in.settle_asset();
  const Decimal available = available_margin(rq.account, asset, sums(rq.account, asset));
  if (available < out.reserve) {
    const Decimal im = contract::initial_margin(notional, lev);
    return rejected(RejectReason::kInsufficientMargin,
                    "insufficient margin: available " + str(available) + " " + asset + ", required " +
                        str(out.reserve) + " (initial margin " + str(im) + " = notional " + str(notional) +
                        " / leverage " + str(lev) + ", plus fee reserve " + str(out.reserve - im) + ")");
  }
  return {};
}

// ---- queries ----

PositionMode PerpetualSettlement::position_mode(AccountId a) const {
  auto it = accounts_.find(a);
  return it == accounts_.end() ? PositionMode::kOneway : it->second.mode;
}

Decimal PerpetualSettlement::leverage(AccountId a, std::string_view symbol) const {
  const PerpMarket* pm = perp_market(symbol);
  return pm == nullptr ? Decimal{} : settings(a, pm->inst()).leverage;
}

MarginMode PerpetualSettlement::margin_mode(AccountId a, std::string_view symbol) const {
  const PerpMarket* pm = perp_market(symbol);
  return pm == nullptr ? MarginMode::kCross : settings(a, pm->inst()).mode;
}

std::optional<Decimal> PerpetualSettlement::mark_price(std::string_view symbol) const {
  const PerpMarket* pm = perp_market(symbol);
  if (pm == nullptr) return std::nullopt;
  return pm->mark ? pm->mark : pm->market->last_price;
}

Decimal PerpetualSettlement::funding_rate(std::string_view symbol) const {
  const PerpMarket* pm = perp_market(symbol);
  return pm == nullptr ? Decimal{} : pm->funding_rate;
}

int64_t PerpetualSettlement::next_funding_ms(std::string_view symbol) const {
  const PerpMarket* pm = perp_market(symbol);
  return pm == nullptr ? 0 : pm->next_funding_ms;
}

std::vector<Position> PerpetualSettlement::positions(AccountId a, std::string_view symbol) const {
  std::vector<Position> out;
  auto pit = accounts_.find(a);
  if (pit == accounts_.end()) return out;
  for (const auto& [key, p] : pit->second.positions)
    if (symbol.empty() || key.first == symbol)
      out.push_back(snapshot(a, markets_.find(key.first)->second, p));
  return out;
}

std::optional<Position> PerpetualSettlement::position(AccountId a, std::string_view symbol,
                                                      PositionSide side) const {
  const PerpMarket* pm = perp_market(symbol);
  if (pm == nullptr) return std::nullopt;
  const bool hedge = position_mode(a) == PositionMode::kHedge;
  const PositionSide slot = hedge ? side : PositionSide::kBoth;
  const PosState* p = find_pos(a, pm->inst().symbol, slot);
  if (p == nullptr || (!hedge && side != PositionSide::kBoth && p->side != side)) return std::nullopt;
  return snapshot(a, *pm, *p);
}

std::vector<Bill> PerpetualSettlement::bills(AccountId a, int64_t since_ms, std::string_view symbol,
                                             std::size_t limit) const {
  std::vector<Bill> out;
  auto pit = accounts_.find(a);
  if (pit == accounts_.end()) return out;
  const auto& bills = pit->second.bills;
  for (auto it = bills.rbegin(); it != bills.rend() && out.size() < limit; ++it)
    if (it->ts_ms >= since_ms && (symbol.empty() || it->symbol == symbol)) out.push_back(*it);
  return out;
}

std::vector<Liquidation> PerpetualSettlement::liquidations(AccountId a) const {
  std::vector<Liquidation> out;
  auto pit = accounts_.find(a);
  if (pit == accounts_.end()) return out;
  out.assign(pit->second.liquidations.rbegin(), pit->second.liquidations.rend());
  return out;
}

MarginSummary PerpetualSettlement::margin_summary(AccountId a, std::string_view asset) const {
  const Sums s = sums(a, asset);
  MarginSummary out;
  out.asset = std::string(asset);
  out.wallet = wallet(a, asset, s);
  out.unrealized_pnl = s.upnl;
  out.equity = out.wallet + s.upnl;
  out.position_margin = s.position_margin;
  out.order_margin = s.order_margin;
  out.maintenance_margin = s.maint;
  out.available = Decimal::max(Decimal{}, available_margin(a, asset, s));
  return out;
}

}  // namespace nectar::sim::engine
