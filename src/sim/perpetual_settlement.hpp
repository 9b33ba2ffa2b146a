// Perpetual settlement (private to src/sim): positions, margin, leverage, mark price, funding, bills and
// liquidation of perpetual swaps, in the settle asset. One policy serves linear, quanto and inverse
// contracts: every value, P&L, entry average, funding amount and liquidation price comes from the core
// contract formulas (nectar/core/contract.hpp) for the instrument's ContractSpec, and the account state
// (cross margin per settle asset, position mode) spans contracts of every kind that share that asset
// (BitMEX: inverse XBTUSD and quanto ETHUSD both margin in XBT). docs/perpetuals-sim.md,
// docs/matching-engine.md.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nectar/core/contract.hpp"
#include "sim/settlement.hpp"

namespace nectar::sim::engine {

class PerpetualSettlement final : public Settlement {
 public:
  using Settlement::Settlement;

  // ---- Settlement ----
  std::string check_instrument(const Instrument& in) const override;
  void market_added(Market& m) override;
  PlaceResult check_request(const Instrument& in, const OrderRequest& rq) const override;
  Decimal notional(const Instrument& in, Decimal qty, Decimal price) const override;
  PlaceResult admit(const Market& m, const OrderRequest& rq, Admission& out) const override;
  const std::string& fee_asset(const Instrument& in, Side side) const override;
  const std::string& reserve_asset(const Instrument& in, const Order& o) const override;
  void settle_fill(const Market& m, const FillTerms& t, Order& buyer, Order& seller, LegResult& buyer_leg,
                   LegResult& seller_leg) override;
  Decimal reducible(const Order& o) const override;

  // ---- the perpetual calls of MatchingEngine (same contracts, see matching_engine.hpp) ----
  PerpResult set_position_mode(AccountId a, PositionMode mode);
  PositionMode position_mode(AccountId a) const;
  PerpResult set_leverage(AccountId a, std::string_view symbol, Decimal lev);
  PerpResult set_margin_mode(AccountId a, std::string_view symbol, MarginMode mode);
  Decimal leverage(AccountId a, std::string_view symbol) const;
  MarginMode margin_mode(AccountId a, std::string_view symbol) const;
  bool set_mark_price(std::string_view symbol, Decimal price);
  std::optional<Decimal> mark_price(std::string_view symbol) const;
  bool set_funding_rate(std::string_view symbol, Decimal rate);
  Decimal funding_rate(std::string_view symbol) const;
  int64_t next_funding_ms(std::string_view symbol) const;
  std::size_t settle_funding(std::string_view symbol, Decimal rate);
  std::size_t poll_funding();
  std::size_t check_liquidations();
  std::vector<Position> positions(AccountId a, std::string_view symbol) const;
  std::optional<Position> position(AccountId a, std::string_view symbol, PositionSide side) const;
  std::vector<Bill> bills(AccountId a, int64_t since_ms, std::string_view symbol, std::size_t limit) const;
  std::vector<Liquidation> liquidations(AccountId a) const;
  MarginSummary margin_summary(AccountId a, std::string_view asset) const;
  Decimal bad_debt() const { return bad_debt_; }

 private:
  /// A perpetual market: the core's book and instrument plus the policy's own market state.
  struct PerpMarket {
    const Market* market = nullptr;
    std::optional<Decimal> mark;
    Decimal funding_rate;
    int64_t next_funding_ms = 0;
    const Instrument& inst() const { return market->inst; }
  };
  /// Stored state of one position (the other Position fields are derived from the mark).
  struct PosState {
    PositionSide side = PositionSide::kLong;
    Decimal size;         ///< > 0 while open
    Decimal entry_value;  ///< exact cost basis of the open size, in the settle asset
    Decimal margin;       ///< held in the ledger's frozen part
    Decimal realized;
    Decimal fees;
    Decimal funding;
    int64_t created_ms = 0;
    int64_t updated_ms = 0;
  };
  struct SymbolSettings {
    Decimal leverage;
    MarginMode mode = MarginMode::kCross;
  };
  using PosKey = std::pair<std::string, PositionSide>;  ///< (symbol, slot); kBoth in one-way mode
  struct PerpAccount {
    PositionMode mode = PositionMode::kOneway;
    std::map<std::string, SymbolSettings, std::less<>> settings;
    std::map<PosKey, PosState> positions;
    std::deque<Bill> bills;
    std::deque<Liquidation> liquidations;
  };
  /// What a trade did to one position slot.
  struct TradeEffect {
    Decimal realized;
    Decimal closed;  ///< quantity that reduced the existing position
    Decimal opened;  ///< quantity that opened / increased
    PositionSide closed_side = PositionSide::kLong;
    PositionSide opened_side = PositionSide::kLong;
    Decimal covered;  ///< loss the account could not pay
  };
  /// Per-asset aggregates of one account's perpetual state.
  struct Sums {
    Decimal order_margin;     ///< Σ open orders' reserves
    Decimal position_margin;  ///< Σ position margins (cross and isolated)
    Decimal iso_margin;       ///< Σ isolated position margins
    Decimal upnl;             ///< all positions
    Decimal cross_upnl;
    Decimal maint;
    Decimal cross_maint;
    bool has_cross = false;
  };

  // Formulas of one market (core/contract for the instrument's contract).
  static ContractSpec spec_of(const Instrument& in);
  static Decimal value_at(const Instrument& in, Decimal qty, Decimal price);
  static Decimal entry_price(const Instrument& in, const PosState& p);
  static Decimal mark_of(const PerpMarket& pm, const PosState& p);
  static Decimal upnl(const PerpMarket& pm, const PosState& p);
  static Decimal maint(const PerpMarket& pm, const PosState& p);
  static Decimal order_reserve(const Instrument& in, Decimal notional, Decimal lev);
  static Decimal take_value(const Market& m, Side side, Decimal qty, std::optional<Decimal> limit,
                            Decimal& left);

  // Lookups.
  PerpMarket* perp_market(std::string_view symbol);
  const PerpMarket* perp_market(std::string_view symbol) const;
  const PerpMarket& perp_of(const Market& m) const { return markets_.find(m.inst.symbol)->second; }
  PerpResult perp_error(std::string_view symbol) const;
  SymbolSettings settings(AccountId a, const Instrument& in) const;
  SymbolSettings& settings_slot(AccountId a, const Instrument& in);
  const PosState* find_pos(AccountId a, const std::string& symbol, PositionSide slot) const;
  bool has_activity(AccountId a, std::string_view symbol) const;

  // Margin and views.
  Sums sums(AccountId a, std::string_view asset) const;
  Decimal wallet(AccountId a, std::string_view asset, const Sums& s) const;
  Decimal available_margin(AccountId a, std::string_view asset, const Sums& s) const;
  Decimal liq_price(AccountId a, const PerpMarket& pm, const PosState& p, const SymbolSettings& st) const;
  Position snapshot(AccountId a, const PerpMarket& pm, const PosState& p) const;
  void post_position(AccountId a, const PerpMarket& pm, const PosState& p);
  Bill add_bill(AccountId a, const PerpMarket& pm, BillType type, PositionSide side, PositionAction action,
                Decimal amount, Decimal fee, TradeId trade_id);

  // Money movements: they never fail on the ledger (insurance fund, bad debt).
  Decimal freeze_upto(AccountId a, const std::string& asset, Decimal amount);
  Decimal collect(AccountId a, const std::string& asset, Decimal amount, Decimal* budget);
  Decimal pay_to_house(AccountId a, const std::string& asset, Decimal amount, Decimal* budget);
  void pay_from_house(AccountId a, const std::string& asset, Decimal amount);
  Decimal settle_pnl(AccountId a, const std::string& asset, Decimal pnl, Decimal* budget);

  // Trades.
  TradeEffect apply_trade(AccountId a, const PerpMarket& pm, PositionSide slot, Side side, Decimal qty,
                          Decimal price, Decimal value, Decimal fee, Decimal* budget);
  void settle_leg(const PerpMarket& pm, Order& o, Decimal qty, Decimal price, Decimal value, bool is_maker,
                  TradeId trade_id, LegResult& leg);
  PlaceResult admit_position(const PerpMarket& pm, const OrderRequest& rq, Admission& out) const;

  // Risk (perpetual_risk.cpp).
  std::size_t run_liquidations();
  bool below_maintenance(AccountId a, const std::string& asset, const std::optional<PosKey>& isolated) const;
  std::size_t liquidate(AccountId a, const std::string& asset, const std::optional<PosKey>& isolated);
  std::size_t settle_funding(PerpMarket& pm, Decimal rate);

  std::map<std::string, PerpMarket, std::less<>> markets_;  ///< by symbol (funding visits them in order)
  /// Ordered, so that funding and liquidation visit accounts in id order (determinism).
  std::map<AccountId, PerpAccount> accounts_;
  Decimal bad_debt_;
  uint64_t next_bill_id_ = 1;
};

}  // namespace nectar::sim::engine
