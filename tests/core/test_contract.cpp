// The contract formulas, checked against numbers worked out by hand in the comments.
#include <gtest/gtest.h>

#include "nectar/core/contract.hpp"

namespace nectar {
namespace {

ContractSpec linear(Decimal cs) {
  return {ContractKind::kLinear, cs, "USDT", "USDT"};
}
ContractSpec inverse(Decimal cs) {
  return {ContractKind::kInverse, cs, "XBT", "XBT"};
}

TEST(ContractMath, LinearNotionalMarginAndPnl) {
  const ContractSpec c = linear("0.001"_d);  // BitMart BTCUSDT: 1 contract = 0.001 BTC
  // 250 contracts × 0.001 × 60000 = 15000 USDT.
  EXPECT_EQ(contract::notional(c, "250"_d, "60000"_d), "15000"_d);
  EXPECT_EQ(contract::to_base(c, "250"_d, "60000"_d), "0.25"_d);
  EXPECT_EQ(contract::to_contracts(c, "0.2505"_d, "60000"_d, "1"_d), "250"_d);  // floor to whole contracts
  // 15000 / 20x = 750; 10000 / 3 = 3333.333...334 (rounded up).
  EXPECT_EQ(contract::initial_margin("15000"_d, "20"_d), "750"_d);
  EXPECT_EQ(contract::initial_margin("10000"_d, "3"_d), "3333.333333333333333334"_d);
  // Long 250 from 60000 to 61000: 0.25 × 1000 = +250; the short loses the same.
  EXPECT_EQ(contract::pnl(c, PositionSide::kLong, "250"_d, "60000"_d, "61000"_d), "250"_d);
  EXPECT_EQ(contract::pnl(c, PositionSide::kShort, "250"_d, "60000"_d, "61000"_d), "-250"_d);
  EXPECT_EQ(contract::pnl(c, PositionSide::kShort, "250"_d, "60000"_d, "59000"_d), "250"_d);
}

TEST(ContractMath, InverseNotionalAndPnlInTheBaseCoin) {
  const ContractSpec c = inverse("1"_d);  // BitMEX XBTUSD: 1 contract = 1 USD
  // 10000 contracts at 50000: 10000 / 50000 = 0.2 XBT.
  EXPECT_EQ(contract::notional(c, "10000"_d, "50000"_d), "0.2"_d);
  EXPECT_EQ(contract::to_base(c, "10000"_d, "50000"_d), "0.2"_d);
  EXPECT_EQ(contract::to_contracts(c, "0.2"_d, "50000"_d, "100"_d), "10000"_d);
  // Long 10000 from 50000 to 40000: 10000 × (1/50000 − 1/40000) = 0.2 − 0.25 = −0.05 XBT.
  EXPECT_EQ(contract::pnl(c, PositionSide::kLong, "10000"_d, "50000"_d, "40000"_d), "-0.05"_d);
  // ... and to 62500: 0.2 − 0.16 = +0.04 XBT; the short has the opposite sign.
  EXPECT_EQ(contract::pnl(c, PositionSide::kLong, "10000"_d, "50000"_d, "62500"_d), "0.04"_d);
  EXPECT_EQ(contract::pnl(c, PositionSide::kShort, "10000"_d, "50000"_d, "62500"_d), "-0.04"_d);
  EXPECT_EQ(contract::pnl(c, PositionSide::kShort, "10000"_d, "50000"_d, "40000"_d), "0.05"_d);
  // Not symmetric in price: a long gains less going up 25 % than it loses going down 20 %.
  // Margin: 0.2 XBT at 10x = 0.02 XBT.
  EXPECT_EQ(contract::initial_margin(contract::notional(c, "10000"_d, "50000"_d), "10"_d), "0.02"_d);
  // 1/3 of a coin does not divide exactly: rounded half-up at 18 digits.
  EXPECT_EQ(contract::notional(c, "1"_d, "3"_d), "0.333333333333333333"_d);
  EXPECT_THROW(contract::notional(c, "1"_d, "0"_d), DecimalError);
}

TEST(ContractMath, InverseAveragesEntriesIn1OverPrice) {
  const ContractSpec c = inverse("1"_d);
  // 10000 at 50000 (0.2 XBT) + 10000 at 40000 (0.25 XBT): 20000 / 0.45 = 44444.444...4 (harmonic mean), not
  // the arithmetic 45000 a linear contract of equal sizes would average to.
  EXPECT_EQ(contract::average_entry(c, "10000"_d, "50000"_d, "10000"_d, "40000"_d),
            "44444.444444444444444444"_d);
  EXPECT_EQ(contract::average_entry(linear("1"_d), "1"_d, "50000"_d, "1"_d, "40000"_d), "45000"_d);
  EXPECT_EQ(contract::entry_price(c, "20000"_d, "0.45"_d), "44444.444444444444444444"_d);
  EXPECT_EQ(contract::entry_price(c, "0"_d, "0"_d), "0"_d);
}

TEST(ContractMath, FundingSignsFollowTheRate) {
  const ContractSpec l = linear("1"_d);
  // Rate +0.0001, 2 BTC at mark 50000: value 100000, payment 10 USDT; longs pay, shorts receive.
  EXPECT_EQ(contract::funding_payment(l, PositionSide::kLong, "2"_d, "50000"_d, "0.0001"_d), "-10"_d);
  EXPECT_EQ(contract::funding_payment(l, PositionSide::kShort, "2"_d, "50000"_d, "0.0001"_d), "10"_d);
  EXPECT_EQ(contract::funding_payment(l, PositionSide::kLong, "2"_d, "50000"_d, "-0.0001"_d), "10"_d);
  EXPECT_EQ(contract::funding_payment(l, PositionSide::kLong, "2"_d, "50000"_d, "0"_d), "0"_d);
  // Inverse: 10000 USD at mark 40000 = 0.25 XBT × 0.0001 = 0.000025 XBT paid by the long.
  const ContractSpec i = inverse("1"_d);
  EXPECT_EQ(contract::funding_payment(i, PositionSide::kLong, "10000"_d, "40000"_d, "0.0001"_d),
            "-0.000025"_d);
  EXPECT_EQ(contract::funding_payment(i, PositionSide::kShort, "10000"_d, "40000"_d, "0.0001"_d),
            "0.000025"_d);
  // Payers round up, receivers down: 1/3 XBT × 0.1.
  EXPECT_EQ(contract::funding_payment(i, PositionSide::kLong, "1"_d, "3"_d, "0.1"_d),
            "-0.033333333333333334"_d);
  EXPECT_EQ(contract::funding_payment(i, PositionSide::kShort, "1"_d, "3"_d, "0.1"_d),
            "0.033333333333333333"_d);
  EXPECT_THROW(contract::funding_payment(i, PositionSide::kBoth, "1"_d, "3"_d, "0.1"_d),
               std::invalid_argument);
}

TEST(ContractMath, LiquidationPrices) {
  // Linear long 1 BTC, entry value 50000, margin 5000, mmr 0.004: (50000 − 5000) / 0.996 = 45180.722891566...
  const ContractSpec l = linear("1"_d);
  EXPECT_EQ(contract::liquidation_price(l, PositionSide::kLong, "1"_d, "50000"_d, "5000"_d, "0.004"_d),
            "45180.722891566265060241"_d);
  // Short: (50000 + 5000) / 1.004 = 54780.876494023904382470.
  EXPECT_EQ(contract::liquidation_price(l, PositionSide::kShort, "1"_d, "50000"_d, "5000"_d, "0.004"_d),
            "54780.876494023904382470"_d);
  // Fully funded long (buffer >= entry): nothing liquidates it.
  EXPECT_EQ(contract::liquidation_price(l, PositionSide::kLong, "1"_d, "50000"_d, "50000"_d, "0.004"_d),
            "0"_d);
  // Inverse long 10000 USD, entry 0.2 XBT, margin 0.02 XBT, mmr 0.005: 10000 × 1.005 / 0.22 = 45681.8181...
  // Check: at P the value is 0.21890547 XBT, P&L −0.01890547, equity 0.00109453 = 0.005 × value.
  const ContractSpec i = inverse("1"_d);
  EXPECT_EQ(contract::liquidation_price(i, PositionSide::kLong, "10000"_d, "0.2"_d, "0.02"_d, "0.005"_d),
            "45681.818181818181818182"_d);
  // Inverse short: 10000 × 0.995 / 0.18 = 55277.777...8.
  EXPECT_EQ(contract::liquidation_price(i, PositionSide::kShort, "10000"_d, "0.2"_d, "0.02"_d, "0.005"_d),
            "55277.777777777777777778"_d);
  // A short backed by more than its entry value cannot be liquidated (price would have to be infinite).
  EXPECT_EQ(contract::liquidation_price(i, PositionSide::kShort, "10000"_d, "0.2"_d, "0.3"_d, "0.005"_d),
            "0"_d);
}

TEST(ContractMath, TradingRuleDefaultsKeepTodaysBehaviour) {
  TradingRule r;
  r.pair = TradingPair::parse("BTC-USDT");
  const ContractSpec spot = r.contract_spec(false);
  EXPECT_EQ(spot.kind, ContractKind::kSpot);
  EXPECT_EQ(spot.contract_size, "1"_d);
  const ContractSpec perp = r.contract_spec(true);
  EXPECT_EQ(perp.kind, ContractKind::kLinear);
  EXPECT_EQ(perp.contract_size, "1"_d);
  EXPECT_EQ(perp.settlement_currency, "USDT");
  EXPECT_EQ(perp.margin_currency, "USDT");
  TradingRule x;
  x.pair = TradingPair::parse("XBT-USD");
  x.contract_kind = ContractKind::kInverse;
  const ContractSpec inv = x.contract_spec(true);
  EXPECT_EQ(inv.settlement_currency, "XBT");
  EXPECT_EQ(inv.margin_currency, "XBT");
  EXPECT_EQ(to_string(inv.kind), "inverse");
}

}  // namespace
}  // namespace nectar
