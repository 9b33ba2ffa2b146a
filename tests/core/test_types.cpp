#include "nectar/core/types.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>

namespace nectar {

namespace {

std::string invalid_argument_of(std::string_view text) {
  try {
    TradingPair::parse(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<no exception>";
}

TEST(TradingPair, ParsesCanonicalForm) {
  const auto p = TradingPair::parse("BTC-USDT");
  EXPECT_EQ(p.base, "BTC");
  EXPECT_EQ(p.quote, "USDT");
  EXPECT_EQ(p.str(), "BTC-USDT");
  EXPECT_EQ(TradingPair::parse("1000PEPE-USDT"), (TradingPair{"1000PEPE", "USDT"}));
  EXPECT_EQ(TradingPair::parse("eth-usdc"), (TradingPair{"ETH", "USDC"}));  // upper-cased
  EXPECT_EQ(TradingPair::parse("Btc-Usd2"), (TradingPair{"BTC", "USD2"}));
  EXPECT_EQ(TradingPair::try_parse("A-B"), (TradingPair{"A", "B"}));
}

TEST(TradingPair, RejectsOtherShapes) {
  for (const char* text :
       {"", "-", "BTC", "BTCUSDT", "BTC-", "-USDT", "BTC--USDT", "BTC-USDT-PERP", "BTC_USDT", "BTC/USDT",
        " BTC-USDT", "BTC-USDT ", "BTC -USDT", "BTC-US DT", "BT.C-USDT", "ÄBC-USDT"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(TradingPair::try_parse(text).has_value());
    EXPECT_EQ(invalid_argument_of(text),
              std::string("invalid trading pair '") + text + "': expected BASE-QUOTE");
  }
}

TEST(TradingPair, ComparesAndOrders) {
  const auto a = TradingPair::parse("BTC-USDT");
  const auto b = TradingPair::parse("ETH-USDT");
  const auto c = TradingPair::parse("BTC-USDC");
  EXPECT_EQ(a, TradingPair::parse("btc-usdt"));
  EXPECT_NE(a, b);
  EXPECT_LT(a, b);
  EXPECT_LT(c, a);
  std::set<TradingPair> s = {b, a, c, a};
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(*s.begin(), c);
}

TEST(Enums, ToStringUsesHummingbotNames) {
  EXPECT_EQ(to_string(OrderType::kLimit), "LIMIT");
  EXPECT_EQ(to_string(OrderType::kLimitMaker), "LIMIT_MAKER");
  EXPECT_EQ(to_string(OrderType::kMarket), "MARKET");
  EXPECT_EQ(to_string(TradeType::kBuy), "BUY");
  EXPECT_EQ(to_string(TradeType::kSell), "SELL");
  EXPECT_EQ(to_string(PositionMode::kOneway), "ONEWAY");
  EXPECT_EQ(to_string(PositionMode::kHedge), "HEDGE");
  EXPECT_EQ(to_string(PositionAction::kOpen), "OPEN");
  EXPECT_EQ(to_string(PositionAction::kClose), "CLOSE");
  EXPECT_EQ(to_string(PositionAction::kNil), "NIL");
  EXPECT_EQ(to_string(PositionSide::kLong), "LONG");
  EXPECT_EQ(to_string(PositionSide::kShort), "SHORT");
  EXPECT_EQ(to_string(PositionSide::kBoth), "BOTH");
  EXPECT_EQ(to_string(static_cast<OrderType>(200)), "UNKNOWN");
}

TEST(Enums, ParseIsCaseInsensitiveAndRoundTrips) {
  for (auto v : {OrderType::kLimit, OrderType::kLimitMaker, OrderType::kMarket}) {
    EXPECT_EQ(parse_order_type(to_string(v)), v);
  }
  for (auto v : {TradeType::kBuy, TradeType::kSell}) EXPECT_EQ(parse_trade_type(to_string(v)), v);
  for (auto v : {PositionMode::kOneway, PositionMode::kHedge})
    EXPECT_EQ(parse_position_mode(to_string(v)), v);

  EXPECT_EQ(parse_order_type("limit"), OrderType::kLimit);
  EXPECT_EQ(parse_order_type("Limit_Maker"), OrderType::kLimitMaker);
  EXPECT_EQ(parse_order_type("market"), OrderType::kMarket);
  EXPECT_EQ(parse_trade_type("buy"), TradeType::kBuy);
  EXPECT_EQ(parse_trade_type("sElL"), TradeType::kSell);
  EXPECT_EQ(parse_position_mode("oneway"), PositionMode::kOneway);
  EXPECT_EQ(parse_position_mode("Hedge"), PositionMode::kHedge);

  EXPECT_FALSE(parse_order_type("").has_value());
  EXPECT_FALSE(parse_order_type("LIMITMAKER").has_value());
  EXPECT_FALSE(parse_order_type("LIMIT ").has_value());
  EXPECT_FALSE(parse_order_type("stop").has_value());
  EXPECT_FALSE(parse_trade_type("B").has_value());
  EXPECT_FALSE(parse_trade_type("BUYS").has_value());
  EXPECT_FALSE(parse_position_mode("ONE_WAY").has_value());
  EXPECT_EQ(opposite(TradeType::kBuy), TradeType::kSell);
  EXPECT_EQ(opposite(TradeType::kSell), TradeType::kBuy);
}

TradingRule btc_rule() {
  TradingRule r;
  r.pair = TradingPair::parse("BTC-USDT");
  r.min_price_increment = "0.01"_d;
  r.min_base_amount_increment = "0.0001"_d;
  return r;
}

TEST(TradingRule, QuantizePriceToNearestTickHalfEven) {
  const auto r = btc_rule();
  EXPECT_EQ(r.quantize_price("65000.456"_d), "65000.46"_d);
  EXPECT_EQ(r.quantize_price("65000.454"_d), "65000.45"_d);
  EXPECT_EQ(r.quantize_price("65000.455"_d), "65000.46"_d);  // tie → even
  EXPECT_EQ(r.quantize_price("65000.445"_d), "65000.44"_d);  // tie → even
  EXPECT_EQ(r.quantize_price("65000.45"_d), "65000.45"_d);
  EXPECT_EQ(r.quantize_price("0.004"_d), "0"_d);

  TradingRule half = r;
  half.min_price_increment = "0.5"_d;
  EXPECT_EQ(half.quantize_price("100.25"_d), "100"_d);
  EXPECT_EQ(half.quantize_price("100.75"_d), "101"_d);
  EXPECT_EQ(half.quantize_price("100.3"_d), "100.5"_d);

  TradingRule five = r;
  five.min_price_increment = "5"_d;
  EXPECT_EQ(five.quantize_price("12.5"_d), "10"_d);
  EXPECT_EQ(five.quantize_price("17.5"_d), "20"_d);
  EXPECT_EQ(five.quantize_price("13"_d), "15"_d);
}

TEST(TradingRule, QuantizeAmountFloorsToLot) {
  const auto r = btc_rule();
  EXPECT_EQ(r.quantize_amount("0.12345"_d), "0.1234"_d);
  EXPECT_EQ(r.quantize_amount("0.12349999"_d), "0.1234"_d);
  EXPECT_EQ(r.quantize_amount("0.1234"_d), "0.1234"_d);
  EXPECT_EQ(r.quantize_amount("0.00009"_d), "0"_d);
  TradingRule lot5 = r;
  lot5.min_base_amount_increment = "5"_d;
  EXPECT_EQ(lot5.quantize_amount("14.99"_d), "10"_d);
}

TEST(TradingRule, ZeroIncrementsLeaveValuesUnchanged) {
  TradingRule r;
  EXPECT_EQ(r.quantize_price("65000.123456789"_d), "65000.123456789"_d);
  EXPECT_EQ(r.quantize_amount("0.000000000000000001"_d), "0.000000000000000001"_d);
  EXPECT_TRUE(r.supports_limit_orders);
  EXPECT_TRUE(r.supports_market_orders);
  EXPECT_TRUE(r.active);
  EXPECT_EQ(r.min_leverage, 1);
  EXPECT_EQ(r.max_leverage, 1);
  EXPECT_TRUE(r.max_order_size.is_zero());
}

const TradingPair kBtcUsdt{"BTC", "USDT"};

TEST(TradeFee, PercentInQuoteAppliesToNotional) {
  const TradeFee fee{"0.001"_d, "USDT", {}};
  EXPECT_EQ(fee.fee_amount_in("USDT", kBtcUsdt, "65000"_d, "0.5"_d), "32.5"_d);
  EXPECT_EQ(fee.fee_amount_in("BTC", kBtcUsdt, "65000"_d, "0.5"_d), "0"_d);  // fee is not charged in BTC
}

TEST(TradeFee, PercentInBaseAppliesToAmount) {
  const TradeFee fee{"0.001"_d, "BTC", {}};
  EXPECT_EQ(fee.fee_amount_in("BTC", kBtcUsdt, "65000"_d, "0.5"_d), "0.0005"_d);
  EXPECT_EQ(fee.fee_amount_in("USDT", kBtcUsdt, "65000"_d, "0.5"_d), "0"_d);
}

TEST(TradeFee, EmptyPercentTokenMeansQuote) {
  const TradeFee fee{"0.002"_d, "", {}};
  EXPECT_EQ(fee.fee_amount_in("USDT", kBtcUsdt, "100"_d, "3"_d), "0.6"_d);
  EXPECT_EQ(fee.fee_amount_in("BTC", kBtcUsdt, "100"_d, "3"_d), "0"_d);
}

TEST(TradeFee, FlatFeesAddInTheirToken) {
  const TradeFee fee{"0.001"_d, "USDT", {{"USDT", "0.1"_d}, {"BNB", "0.002"_d}, {"USDT", "0.05"_d}}};
  EXPECT_EQ(fee.fee_amount_in("USDT", kBtcUsdt, "65000"_d, "0.5"_d), "32.65"_d);
  EXPECT_EQ(fee.fee_amount_in("BNB", kBtcUsdt, "65000"_d, "0.5"_d), "0.002"_d);
  EXPECT_EQ(fee.fee_amount_in("ETH", kBtcUsdt, "65000"_d, "0.5"_d), "0"_d);
  const TradeFee flat_only{Decimal::zero(), "", {{"BTC", "0.00001"_d}}};
  EXPECT_EQ(flat_only.fee_amount_in("BTC", kBtcUsdt, "65000"_d, "0.5"_d), "0.00001"_d);
}

TEST(TradeFee, RoundsHalfEvenAtEighteenDigits) {
  // 0.0001 × 5e-18 = 5e-22, far below half a unit → 0
  const TradeFee base_fee{"0.0001"_d, "BTC", {}};
  EXPECT_EQ(base_fee.fee_amount_in("BTC", kBtcUsdt, "1"_d, "0.000000000000000005"_d), "0"_d);
  // 0.5 × 0.000000000000000001 = 0.5e-18 → tie → even (0); 0.5 × 3e-18 = 1.5e-18 → 2e-18
  const TradeFee half{"0.5"_d, "BTC", {}};
  EXPECT_EQ(half.fee_amount_in("BTC", kBtcUsdt, "1"_d, "0.000000000000000001"_d), "0"_d);
  EXPECT_EQ(half.fee_amount_in("BTC", kBtcUsdt, "1"_d, "0.000000000000000003"_d), "0.000000000000000002"_d);
}

TEST(TradeFee, PercentInThirdTokenNeedsARate) {
  const TradeFee fee{"0.00075"_d, "BNB", {}};
  EXPECT_THROW(fee.fee_amount_in("BNB", kBtcUsdt, "65000"_d, "0.5"_d), std::invalid_argument);
  EXPECT_EQ(fee.fee_amount_in("USDT", kBtcUsdt, "65000"_d, "0.5"_d), "0"_d);
}

TEST(TradeFee, Equality) {
  const TradeFee a{"0.001"_d, "USDT", {{"BNB", "0.1"_d}}};
  TradeFee b = a;
  EXPECT_EQ(a, b);
  b.flat_fees[0].amount = "0.10"_d;
  EXPECT_EQ(a, b);
  b.flat_fees[0].amount = "0.2"_d;
  EXPECT_NE(a, b);
  EXPECT_EQ((TokenAmount{"BTC", "1"_d}), (TokenAmount{"BTC", "1.0"_d}));
}

}  // namespace
}  // namespace nectar
