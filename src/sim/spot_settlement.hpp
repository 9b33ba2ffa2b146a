// Spot settlement (private to src/sim): base and quote change hands. A buy reserves quote (limit price ×
// size, the quote amount of a market buy by quote, or the cost of sweeping the book for a market buy by
// base), a sell reserves base; fees are charged in the received asset. docs/matching-engine.md.
#pragma once

#include "sim/settlement.hpp"

namespace nectar::sim::engine {

class SpotSettlement final : public Settlement {
 public:
  using Settlement::Settlement;

  std::string check_instrument(const Instrument& in) const override;
  PlaceResult check_request(const Instrument& in, const OrderRequest& rq) const override;
  Decimal notional(const Instrument& in, Decimal qty, Decimal price) const override;
  PlaceResult admit(const Market& m, const OrderRequest& rq, Admission& out) const override;
  const std::string& fee_asset(const Instrument& in, Side side) const override;
  const std::string& reserve_asset(const Instrument& in, const Order& o) const override;
  void settle_fill(const Market& m, const FillTerms& t, Order& buyer, Order& seller, LegResult& buyer_leg,
                   LegResult& seller_leg) override;
  Decimal reducible(const Order& o) const override;
};

}  // namespace nectar::sim::engine
