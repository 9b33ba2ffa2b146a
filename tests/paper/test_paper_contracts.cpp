// Paper perpetuals count what the exchange counts: contracts of the market's own size (linear BitMart-like
// 0.001 BTC contracts, inverse BitMEX-like 1 USD contracts), while the connector speaks base units; and paper
// balances use the exchange's asset names (XBT where the exchange says XBT).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "nectar/connectors/bitget/bitget_exchange.hpp"
#include "nectar/connectors/registry.hpp"
#include "nectar/core/contract.hpp"
#include "nectar/paper/paper_trade.hpp"
#include "nectar/sim/matching_engine.hpp"

namespace nectar {
namespace {

Decimal dec(const char* s) {
  return Decimal::parse(s);
}

TradingRule perp_rule(ContractKind kind, const char* contract_size, const char* lot) {
  TradingRule r;
  r.pair = kind == ContractKind::kInverse ? TradingPair{"XBT", "USD"} : TradingPair{"BTC", "USDT"};
  r.exchange_symbol = kind == ContractKind::kInverse ? "XBTUSD" : "BTCUSDT";
  r.contract_kind = kind;
  r.contract_size = dec(contract_size);
  r.min_base_amount_increment = dec(lot);
  r.min_price_increment = dec("0.5");
  return r;
}

sim::Instrument perpetual_of(const TradingRule& rule) {
  sim::Instrument in;
  in.symbol = rule.exchange_symbol;
  in.base = rule.pair.base;
  in.quote = rule.pair.quote;
  in.kind = sim::InstrumentKind::kPerpetual;
  in.tick = rule.min_price_increment;
  in.lot = rule.min_base_amount_increment;
  paper::apply_contract(rule, in);
  return in;
}

TEST(PaperContracts, LinearContractsOfAThousandthCountWholeContracts) {
  const sim::Instrument in = perpetual_of(perp_rule(ContractKind::kLinear, "0.001", "0.001"));
  EXPECT_EQ(in.contract_kind, ContractKind::kLinear);
  EXPECT_EQ(in.contract_size, dec("0.001"));
  EXPECT_EQ(in.lot, Decimal::one()) << "a 0.001 BTC lot is one contract";
  EXPECT_EQ(in.settle_asset(), "USDT");
  EXPECT_EQ(paper::engine_qty(in, dec("0.005"), dec("50000")), Decimal::from_int(5));
  EXPECT_EQ(paper::engine_qty(in, dec("0.0059"), dec("50000")), Decimal::from_int(5)) << "rounded down";
  EXPECT_EQ(paper::engine_qty(in, dec("0.0009"), dec("50000")), Decimal{}) << "less than a contract";
  EXPECT_EQ(paper::base_qty(in, Decimal::from_int(5), dec("50000")), dec("0.005"));
}

TEST(PaperContracts, InverseContractsAreSizedInQuoteAndSettleInTheBaseCoin) {
  const sim::Instrument in = perpetual_of(perp_rule(ContractKind::kInverse, "1", "0.0001"));
  EXPECT_TRUE(in.is_inverse());
  EXPECT_EQ(in.lot, Decimal::one()) << "whole contracts";
  EXPECT_EQ(in.settle_asset(), "XBT");
  // 0.01 XBT at 50000 USD is 500 one-dollar contracts, and back.
  EXPECT_EQ(paper::engine_qty(in, dec("0.01"), dec("50000")), Decimal::from_int(500));
  EXPECT_EQ(paper::base_qty(in, Decimal::from_int(500), dec("50000")), dec("0.01"));
  // The count depends on the price.
  EXPECT_EQ(paper::engine_qty(in, dec("0.01"), dec("40000")), Decimal::from_int(400));
}

TEST(PaperContracts, ContractSizeOneKeepsTheBaseLot) {
  const sim::Instrument in = perpetual_of(perp_rule(ContractKind::kSpot, "1", "0.001"));
  EXPECT_EQ(in.contract_kind, ContractKind::kLinear) << "a perpetual rule without a kind is linear";
  EXPECT_EQ(in.lot, dec("0.001"));
  EXPECT_EQ(paper::engine_qty(in, dec("0.0123"), dec("50000")), dec("0.012"));
  EXPECT_EQ(paper::base_qty(in, dec("0.012"), dec("50000")), dec("0.012"));
}

TEST(PaperContracts, TheEngineSettlesAPaperInversePositionInTheBaseCoin) {
  // What the paper connector hands the engine for an inverse market: a long of 0.01 XBT at 50000 is 500
  // contracts, and closing it at 55000 gains 500 × (1/50000 − 1/55000) XBT.
  sim::MatchingEngine engine;
  sim::Instrument in = perpetual_of(perp_rule(ContractKind::kInverse, "1", "0.0001"));
  in.maker_fee_rate = Decimal{};
  in.taker_fee_rate = Decimal{};
  engine.add_instrument(in);
  const sim::AccountId paper = 1, market = 2;
  engine.ledger().deposit(paper, "XBT", dec("1"));
  engine.ledger().deposit(market, "XBT", dec("100"));
  auto trade = [&](TradeType side, const char* price, Decimal qty) {
    ASSERT_TRUE(
        engine.place(sim::OrderRequest::limit(market, "XBTUSD", opposite(side), dec(price), qty)).ok());
    ASSERT_TRUE(
        engine.place(sim::OrderRequest::limit(paper, "XBTUSD", side, dec(price), qty, sim::TimeInForce::kIoc))
            .ok());
  };
  const Decimal contracts = paper::engine_qty(in, dec("0.01"), dec("50000"));
  trade(TradeType::kBuy, "50000", contracts);
  const auto pos = engine.position(paper, "XBTUSD", PositionSide::kBoth);
  ASSERT_TRUE(pos.has_value());
  EXPECT_EQ(paper::base_qty(in, pos->size, pos->entry_price), dec("0.01"));
  trade(TradeType::kSell, "55000", contracts);
  EXPECT_FALSE(engine.position(paper, "XBTUSD", PositionSide::kBoth).has_value());
  const Decimal gain =
      contract::pnl(in.contract(), PositionSide::kLong, contracts, dec("50000"), dec("55000"));
  EXPECT_TRUE(gain.is_positive());
  EXPECT_EQ(engine.margin_summary(paper, "XBT").equity, dec("1") + gain);
}

TEST(PaperBalances, CommonNamesBecomeTheExchangesOwn) {
  const std::map<std::string, std::string, std::less<>> bitmex{{"BTC", "XBT"}};
  auto b = paper::in_exchange_asset_names(paper::parse_paper_balances(paper::kDefaultPaperBalances), bitmex);
  EXPECT_EQ(b.count("BTC"), 0U);
  EXPECT_EQ(b.at("XBT"), Decimal::one());
  EXPECT_EQ(b.at("USDT"), Decimal::from_int(10000));
  // Both names given: the exchange's own entry wins, the coin is not credited twice.
  b = paper::in_exchange_asset_names(paper::parse_paper_balances("BTC:1,XBT:2"), bitmex);
  EXPECT_EQ(b.size(), 1U);
  EXPECT_EQ(b.at("XBT"), Decimal::from_int(2));
  // No names: unchanged.
  b = paper::in_exchange_asset_names(paper::parse_paper_balances("BTC:1"), {});
  EXPECT_EQ(b.at("BTC"), Decimal::one());
}

TEST(PaperBalances, APaperConnectorStartsWithTheExchangesAssetNames) {
  // An exchange that says XBT: the paper connector built by the registry credits XBT, not BTC.
  ConnectorRegistry bitget_only;
  bitget::register_connectors(bitget_only);
  const ConnectorInfo* bitget = bitget_only.find("bitget");
  ASSERT_NE(bitget, nullptr);
  ConnectorRegistry registry;
  ConnectorInfo xbt = *bitget;
  xbt.id = "xbt_exchange";
  xbt.asset_names = {{"BTC", "XBT"}};
  registry.add(xbt);
  paper::register_paper_connectors(registry);
  const ConnectorInfo* info = registry.find("xbt_exchange_paper_trade");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->asset_names.at("BTC"), "XBT");
  boost::asio::io_context io;
  ConnectorConfig c;
  c.id = "xbt_exchange_paper_trade";
  c.trading_pairs = {TradingPair{"BTC", "USDT"}};
  c.endpoint_override = Endpoints{"http://127.0.0.1:9", "ws://127.0.0.1:9", "ws://127.0.0.1:9"};
  auto conn = registry.create(io.get_executor(), c);
  EXPECT_EQ(conn->balance("XBT"), Decimal::one());
  EXPECT_EQ(conn->balance("BTC"), Decimal{});
  EXPECT_EQ(conn->balance("USDT"), Decimal::from_int(10000));
}

}  // namespace
}  // namespace nectar
