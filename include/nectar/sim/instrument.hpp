// One tradable market of the simulated exchange: identity, trading rules, fee rates and display precision.
#pragma once

#include <cstdint>
#include <string>

#include "nectar/core/decimal.hpp"
#include "nectar/core/types.hpp"

namespace nectar::sim {

enum class InstrumentKind : uint8_t {
  kSpot,       ///< base/quote assets change hands
  kPerpetual,  ///< perpetual swap (linear or inverse, see contract_kind): positions and margin in the settle
               ///< asset, no base ever moves
};

/// A market as the matching engine sees it (spot, linear or inverse perpetual). Value type; the engine keeps
/// its own copy.
///
/// Invariants checked by MatchingEngine::add_instrument:
///  - tick > 0 and lot > 0;
///  - decimals(tick) + decimals(lot) <= 18, so price × quantity (a multiple of tick × lot) is always exact in
///    Decimal: notional values, funds frozen by limit buys and fill quote amounts never round;
///  - min_size, min_notional, max_size, quote_step >= 0 (zero = no constraint);
///  - 0 <= maker_fee_rate, taker_fee_rate < 1 (rebates, i.e. negative rates, are not supported yet).
struct Instrument {
  std::string symbol;  ///< the exchange's own id, e.g. "BTCUSDT"; unique within one engine
  std::string base;    ///< base asset, e.g. "BTC"
  std::string quote;   ///< quote asset, e.g. "USDT"

  Decimal tick;          ///< price step (quote per base); limit prices must be multiples of it
  Decimal lot;           ///< size step (base); base-denominated sizes must be multiples of it
  Decimal min_size;      ///< minimum base size of an order; zero = none
  Decimal max_size;      ///< maximum base size of an order; zero = unbounded
  Decimal min_notional;  ///< minimum price × size in quote; zero = none
  Decimal quote_step;    ///< step of a market buy's quote amount (Bitget 10^-quotePrecision); zero = any

  Decimal maker_fee_rate;  ///< fraction of the received amount, e.g. 0.001 = 0.1 %
  Decimal taker_fee_rate;  ///< fraction of the received amount

  int price_decimals = 2;  ///< fixed fractional digits exchanges print prices with
  int size_decimals = 6;   ///< fixed fractional digits exchanges print base sizes with
  int quote_decimals = 8;  ///< fixed fractional digits for quote amounts (notional, market-buy size)

  // ---- perpetuals only (ignored for kSpot) ----
  InstrumentKind kind = InstrumentKind::kSpot;
  /// kLinear (default; kQuanto settles with the same formulas) or kInverse: quantity is contracts of
  /// contract_size quote units (BitMEX XBTUSD: 1 USD), valued, margined and settled in the base coin.
  ContractKind contract_kind = ContractKind::kLinear;
  std::string settle;  ///< margin/settlement asset; empty = quote (inverse: base)
  Decimal contract_size =
      Decimal::one();  ///< linear: base per contract (Bitget 1); inverse: quote per contract
  Decimal min_leverage = Decimal::one();  ///< leverage bounds per (account, symbol)
  Decimal max_leverage = Decimal::from_int(125);
  Decimal default_leverage = Decimal::from_int(20);                            ///< until the account sets one
  Decimal maintenance_margin_rate = Decimal::from_raw(4'000'000'000'000'000);  ///< 0.004 of mark value
  int64_t funding_interval_ms = 8LL * 3600 * 1000;  ///< poll_funding settles at each multiple of it

  bool is_perpetual() const { return kind == InstrumentKind::kPerpetual; }
  bool is_inverse() const { return is_perpetual() && contract_kind == ContractKind::kInverse; }
  /// The asset margin, PnL, fees and funding of a perpetual are in (the quote asset for spot).
  const std::string& settle_asset() const {
    if (!settle.empty()) return settle;
    return is_inverse() ? base : quote;
  }
  /// The core contract of this market (formulas: core/contract.hpp); spot is kSpot with size 1.
  ContractSpec contract() const {
    if (!is_perpetual()) return {ContractKind::kSpot, Decimal::one(), quote, quote};
    return {contract_kind, contract_size, settle_asset(), settle_asset()};
  }

  /// Price in the exchange's fixed format, e.g. "65000.50" for price_decimals = 2 (half-even if it had more).
  std::string format_price(Decimal price) const { return price.to_string_fixed(price_decimals); }
  /// Base size in the exchange's fixed format.
  std::string format_size(Decimal size) const { return size.to_string_fixed(size_decimals); }
  /// Quote amount in the exchange's fixed format.
  std::string format_quote(Decimal amount) const { return amount.to_string_fixed(quote_decimals); }
};

}  // namespace nectar::sim
