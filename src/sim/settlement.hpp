// Settlement policies of the matching engine (private to src/sim): what the matching core asks when it admits
// an order, fills it and finishes it. The core owns books, orders and events; a policy owns the money
// (ledger reserves, transfers, fees) and any state of its own (perpetual positions, margin, bills).
// Policies: SpotSettlement (sim/spot_settlement.hpp) and PerpetualSettlement (sim/perpetual_settlement.hpp,
// linear, quanto and inverse through the core contract formulas). docs/matching-engine.md.
#pragma once

#include <string>

#include "sim/engine_core.hpp"

namespace nectar::sim::engine {

/// What admission decided for a new order.
struct Admission {
  Decimal reserve;  ///< frozen in reserve_asset() when the order is accepted
  PositionSide slot = PositionSide::kBoth;
  PositionAction action = PositionAction::kNil;
  bool reduce_only = false;
};

/// One match at the maker's price, as settlement sees it.
struct FillTerms {
  Decimal price;
  Decimal qty;
  Decimal quote;  ///< price × qty, exact
  bool buyer_is_maker = false;
  TradeId trade_id = 0;  ///< the id the fill gets
};

/// What a fill did for one side: the fee it paid (in the order's fee asset) and its position effect.
struct LegResult {
  Decimal fee;
  Decimal realized_pnl;
  PositionSide position_side = PositionSide::kBoth;
  PositionAction position_action = PositionAction::kNil;
};

class Settlement {
 public:
  explicit Settlement(Core& core) : core_(core) {}
  virtual ~Settlement() = default;
  Settlement(const Settlement&) = delete;
  Settlement& operator=(const Settlement&) = delete;

  /// The rules this kind adds to an instrument: empty when it obeys them, else the broken rule.
  virtual std::string check_instrument(const Instrument& in) const = 0;
  /// A market of this kind was added (its address is stable).
  virtual void market_added(Market& m) { (void)m; }
  /// Request fields this kind refuses (checked after the kind-independent parameters); ok() when fine.
  virtual PlaceResult check_request(const Instrument& in, const OrderRequest& rq) const = 0;
  /// Value of `qty` at `price` for the min-notional check.
  virtual Decimal notional(const Instrument& in, Decimal qty, Decimal price) const = 0;
  /// What a valid new order reserves (and, perpetuals, which position it trades). A refusal (balance,
  /// margin, close size, position mode) creates no order. Changes nothing.
  virtual PlaceResult admit(const Market& m, const OrderRequest& rq, Admission& out) const = 0;
  /// The asset the fees of an order on `side` are paid in.
  virtual const std::string& fee_asset(const Instrument& in, Side side) const = 0;
  /// The asset an order's reserve (Order::frozen) is held in.
  virtual const std::string& reserve_asset(const Instrument& in, const Order& o) const = 0;
  /// Settles one fill: moves what it moves, charges both fees to the fee account, lowers both orders'
  /// reserves by what the fill used (Order::frozen) and says what it did per side. Events it posts
  /// (Core::post) are delivered after the fill's own.
  virtual void settle_fill(const Market& m, const FillTerms& t, Order& buyer, Order& seller,
                           LegResult& buyer_leg, LegResult& seller_leg) = 0;
  /// How much the reduce-only order `o` may still trade now (zero: nothing left to reduce).
  virtual Decimal reducible(const Order& o) const = 0;

  /// Freezes the admitted reserve of the accepted order `o`.
  void reserve(const Instrument& in, Order& o, Decimal amount);
  /// Returns what a done order still holds to its account.
  void release(const Instrument& in, Order& o);

 protected:
  Core& core_;
};

}  // namespace nectar::sim::engine
