// The contract formulas (include/nectar/core/contract.hpp): linear, inverse, quanto and spot in one place.
#include "nectar/core/contract.hpp"

#include <stdexcept>

namespace nectar {

std::string_view to_string(ContractKind k) {
  switch (k) {
    case ContractKind::kSpot:
      return "spot";
    case ContractKind::kLinear:
      return "linear";
    case ContractKind::kInverse:
      return "inverse";
    case ContractKind::kQuanto:
      return "quanto";
  }
  return "?";
}

ContractSpec TradingRule::contract_spec(bool derivative) const {
  ContractSpec spec;
  spec.kind = contract_kind;
  if (derivative && spec.kind == ContractKind::kSpot) spec.kind = ContractKind::kLinear;
  spec.contract_size = contract_size.is_positive() ? contract_size : Decimal::one();
  if (spec.kind == ContractKind::kSpot) {
    spec.contract_size = Decimal::one();
    spec.settlement_currency = pair.quote;
    spec.margin_currency = pair.quote;
    return spec;
  }
  const std::string natural = spec.is_inverse() ? pair.base : pair.quote;
  spec.margin_currency = !collateral_token.empty()   ? collateral_token
                         : !settlement_token.empty() ? settlement_token
                                                     : natural;
  spec.settlement_currency = !settlement_token.empty() ? settlement_token : spec.margin_currency;
  return spec;
}

namespace contract {

namespace {

bool is_long(PositionSide side) {
  if (side == PositionSide::kLong) return true;
  if (side == PositionSide::kShort) return false;
  throw std::invalid_argument("contract math needs a long or short position side, not 'both'");
}

void need_price(Decimal price, const char* what) {
  if (!price.is_positive())
    throw DecimalError(std::string(what) + ": an inverse contract needs a positive price, got " +
                       price.to_string());
}

}  // namespace

Decimal notional(const ContractSpec& spec, Decimal contracts, Decimal price, Rounding rounding) {
  const Decimal units = contracts.mul(spec.contract_size, rounding);
  if (spec.is_inverse()) {
    need_price(price, "notional");
    return units.div(price, rounding);
  }
  return units.mul(price, rounding);
}

Decimal to_base(const ContractSpec& spec, Decimal contracts, Decimal price, Rounding rounding) {
  if (spec.is_inverse()) return notional(spec, contracts, price, rounding);
  return contracts.mul(spec.contract_size, rounding);
}

Decimal to_contracts(const ContractSpec& spec, Decimal base, Decimal price, Decimal lot, Rounding rounding) {
  Decimal c;
  if (spec.is_inverse()) {
    need_price(price, "to_contracts");
    c = base.mul(price, rounding).div(spec.contract_size, rounding);
  } else {
    c = base.div(spec.contract_size, rounding);
  }
  return lot.is_positive() ? c.quantize(lot, rounding) : c;
}

Decimal initial_margin(Decimal value, Decimal leverage) {
  return value.div(leverage, Rounding::kCeil);
}

Decimal pnl_of_values(const ContractSpec& spec, PositionSide side, Decimal entry_value, Decimal exit_value) {
  // Linear: a long gains what the value grew. Inverse: the coin value of a fixed USD amount shrinks as the
  // price rises, so a long gains what the value shrank.
  const bool gains_on_growth = is_long(side) != spec.is_inverse();
  return gains_on_growth ? exit_value - entry_value : entry_value - exit_value;
}

Decimal pnl(const ContractSpec& spec, PositionSide side, Decimal contracts, Decimal entry_price,
            Decimal exit_price) {
  return pnl_of_values(spec, side, notional(spec, contracts, entry_price),
                       notional(spec, contracts, exit_price));
}

Decimal funding_payment(const ContractSpec& spec, PositionSide side, Decimal contracts, Decimal mark,
                        Decimal rate) {
  if (rate.is_zero()) return {};
  const bool pays = is_long(side) == rate.is_positive();
  const Decimal value = notional(spec, contracts, mark);
  const Decimal amount = value.mul(rate.abs(), pays ? Rounding::kCeil : Rounding::kDown);
  return pays ? -amount : amount;
}

Decimal entry_price(const ContractSpec& spec, Decimal contracts, Decimal entry_value) {
  if (contracts.is_zero() || entry_value.is_zero()) return {};
  const Decimal units = contracts.mul(spec.contract_size, Rounding::kHalfUp);
  return spec.is_inverse() ? units.div(entry_value, Rounding::kHalfUp)
                           : entry_value.div(units, Rounding::kHalfUp);
}

Decimal average_entry(const ContractSpec& spec, Decimal held, Decimal held_entry, Decimal add,
                      Decimal add_price) {
  const Decimal value = (held.is_zero() ? Decimal{} : notional(spec, held, held_entry)) +
                        (add.is_zero() ? Decimal{} : notional(spec, add, add_price));
  return entry_price(spec, held + add, value);
}

Decimal liquidation_price(const ContractSpec& spec, PositionSide side, Decimal contracts, Decimal entry_value,
                          Decimal buffer, Decimal maintenance_rate) {
  if (!contracts.is_positive()) return {};
  const bool lng = is_long(side);
  const Decimal q = contracts.mul(spec.contract_size, Rounding::kHalfUp);
  const Decimal one = Decimal::one();
  Decimal price;
  if (spec.is_inverse()) {
    // Long: B + (E − q/P) = (q/P)·m  →  P = q(1 + m)/(E + B). Short: B + (q/P − E) = (q/P)·m →
    // P = q(1 − m)/(E − B).
    const Decimal den = lng ? entry_value + buffer : entry_value - buffer;
    if (!den.is_positive()) return {};
    price = q.mul(lng ? one + maintenance_rate : one - maintenance_rate, Rounding::kHalfUp)
                .div(den, Rounding::kHalfUp);
  } else {
    // Long: B + (qP − E) = qP·m → P = (E − B)/(q(1 − m)). Short: B + (E − qP) = qP·m → P = (E + B)/(q(1 +
    // m)).
    const Decimal den = q.mul(lng ? one - maintenance_rate : one + maintenance_rate, Rounding::kHalfUp);
    if (!den.is_positive()) return {};
    price = (lng ? entry_value - buffer : entry_value + buffer).div(den, Rounding::kHalfUp);
  }
  return price.is_positive() ? price : Decimal{};
}

}  // namespace contract
}  // namespace nectar
