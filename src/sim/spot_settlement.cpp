// Spot settlement (sim/spot_settlement.hpp): reserves, asset transfers and fees of spot fills.
#include "sim/spot_settlement.hpp"

namespace nectar::sim::engine {

namespace {

/// Cost in quote of buying `qty` from the current asks (what a market buy by base will spend).
Decimal sweep_cost(const Market& m, Decimal qty) {
  Decimal cost;
  for (const auto& [key, lvl] : m.asks) {
    if (!qty.is_positive()) break;
    const Decimal take = Decimal::min(lvl.total, qty);
    cost += lvl.price.mul(take, Rounding::kHalfUp);
    qty -= take;
  }
  return cost;
}

}  // namespace

std::string SpotSettlement::check_instrument(const Instrument& /*in*/) const {
  return {};  // the kind-independent rules are all spot needs
}

PlaceResult SpotSettlement::check_request(const Instrument& in, const OrderRequest& rq) const {
  if (rq.reduce_only || rq.position_action != PositionAction::kNil || rq.position_side != PositionSide::kBoth)
    return rejected(RejectReason::kInvalidParameter,
                    "reduce-only and position fields apply to perpetual instruments only, not " + in.symbol);
  return {};
}

Decimal SpotSettlement::notional(const Instrument& /*in*/, Decimal qty, Decimal price) const {
  return price.mul(qty, Rounding::kHalfUp);
}

PlaceResult SpotSettlement::admit(const Market& m, const OrderRequest& rq, Admission& out) const {
  const bool market = rq.kind == OrderKind::kMarket;
  Decimal need;
  if (rq.side == Side::kSell)
    need = rq.quantity;
  else if (market && rq.quote_amount.is_positive())
    need = rq.quote_amount;
  else if (market)
    need = sweep_cost(m, rq.quantity);
  else
    need = rq.price.mul(rq.quantity, Rounding::kHalfUp);
  const std::string& asset = rq.side == Side::kBuy ? m.inst.quote : m.inst.base;
  const Decimal have = core_.ledger.balance(rq.account, asset).available;
  if (have < need)
    return rejected(RejectReason::kInsufficientBalance,
                    "insufficient " + asset + " balance: available " + str(have) + ", required " + str(need));
  out.reserve = need;
  return {};
}

const std::string& SpotSettlement::fee_asset(const Instrument& in, Side side) const {
  return side == Side::kBuy ? in.base : in.quote;
}

const std::string& SpotSettlement::reserve_asset(const Instrument& in, const Order& o) const {
  return o.side == Side::kBuy ? in.quote : in.base;
}

void SpotSettlement::settle_fill(const Market& m, const FillTerms& t, Order& buyer, Order& seller,
                                 LegResult& buyer_leg, LegResult& seller_leg) {
  const Instrument& in = m.inst;
  Ledger& ledger = core_.ledger;
  // What the buyer had reserved for this quantity: limit price × qty for limit orders (the difference to the
  // fill price is price improvement, released now), the quote itself for market buys.
  const Decimal reserved =
      buyer.kind == OrderKind::kMarket ? t.quote : buyer.price.mul(t.qty, Rounding::kHalfUp);
  check(ledger.transfer_frozen(seller.account, buyer.account, in.base, t.qty));
  check(ledger.transfer_frozen(buyer.account, seller.account, in.quote, t.quote));
  if (reserved > t.quote) check(ledger.unfreeze(buyer.account, in.quote, reserved - t.quote));
  buyer.frozen -= reserved;
  seller.frozen -= t.qty;

  const Decimal buyer_rate = t.buyer_is_maker ? in.maker_fee_rate : in.taker_fee_rate;
  const Decimal seller_rate = t.buyer_is_maker ? in.taker_fee_rate : in.maker_fee_rate;
  buyer_leg.fee = t.qty.mul(buyer_rate, Rounding::kHalfUp);
  seller_leg.fee = t.quote.mul(seller_rate, Rounding::kHalfUp);
  check(ledger.charge_fee(buyer.account, in.base, buyer_leg.fee, core_.house()));
  check(ledger.charge_fee(seller.account, in.quote, seller_leg.fee, core_.house()));
}

Decimal SpotSettlement::reducible(const Order& /*o*/) const {
  return {};  // spot orders are never reduce-only (check_request refuses the flag)
}

}  // namespace nectar::sim::engine
