#include "nectar/connectors/bitget/bitget_exchange.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <chrono>

#include "json_util.hpp"
#include "nectar/connectors/bitget/bitget_perpetual.hpp"

namespace nectar::bitget {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using limits::kAssets, limits::kCancel, limits::kFills, limits::kOrderInfo, limits::kPlace, limits::kPublic;

BitgetExchange::BitgetExchange(asio::any_io_executor ex, ConnectorConfig config, Endpoints endpoints)
    : BitgetCommon<ExchangeBase>(ex, std::move(config), std::move(endpoints), "SPOT") {}

BitgetExchange::~BitgetExchange() = default;

// ---------------------------------------------------------------------------------------------------------------
// Rules, balances, books

asio::awaitable<std::vector<TradingRule>> BitgetExchange::fetch_trading_rules() {
  json::value data = co_await public_get("/api/v2/spot/public/symbols", "", kPublic, "loading symbols");
  std::vector<TradingRule> rules;
  for (const auto& v : as_array(data, "symbols")) {
    if (!v.is_object()) continue;
    const auto& s = v.get_object();
    const std::string_view symbol = str_or(s, "symbol");
    const std::string_view base = str_or(s, "baseCoin");
    const std::string_view quote = str_or(s, "quoteCoin");
    const int64_t price_dp = int_of(s, "pricePrecision");
    const int64_t qty_dp = int_of(s, "quantityPrecision");
    const int64_t quote_dp = int_of(s, "quotePrecision");
    if (symbol.empty() || base.empty() || quote.empty() || price_dp > 18 || qty_dp > 18 || quote_dp > 18) {
      spdlog::warn("bitget: skipping unreadable symbol entry {:.200}", json::serialize(s));
      continue;
    }
    TradingRule r;
    r.pair = TradingPair{std::string(base), std::string(quote)};
    r.exchange_symbol = std::string(symbol);
    r.min_price_increment = Decimal::from_scaled(1, static_cast<int>(price_dp));
    r.min_base_amount_increment = Decimal::from_scaled(1, static_cast<int>(qty_dp));
    r.min_quote_amount_increment = Decimal::from_scaled(1, static_cast<int>(quote_dp));
    r.min_order_size = Decimal::max(r.min_base_amount_increment, dec_or_zero(s, "minTradeAmount"));
    r.max_order_size = dec_or_zero(s, "maxTradeAmount");
    // minTradeUSDT is a USDT value: a notional floor only where the quote is USDT.
    if (quote == "USDT") r.min_notional_size = dec_or_zero(s, "minTradeUSDT");
    r.active = str_or(s, "status") == "online";
    set_fee_rates(r.pair, dec_or_zero(s, "makerFeeRate"), dec_or_zero(s, "takerFeeRate"));
    rules.push_back(std::move(r));
  }
  if (rules.empty()) throw ExchangeError(ErrorKind::kBadResponse, "", "bitget: the symbol list is empty");
  co_return rules;
}

asio::awaitable<std::vector<Balance>> BitgetExchange::fetch_balances() {
  json::value data =
      co_await private_request("GET", "/api/v2/spot/account/assets", "", "", kAssets, "reading balances");
  std::vector<Balance> out;
  for (const auto& v : as_array(data, "assets")) {
    if (!v.is_object()) continue;
    const auto& a = v.get_object();
    const Decimal available = dec_or_zero(a, "available");
    out.push_back(Balance{std::string(str_or(a, "coin")),
                          available + dec_or_zero(a, "frozen") + dec_or_zero(a, "locked"), available});
  }
  co_return out;
}

asio::awaitable<void> BitgetExchange::fetch_order_book_snapshot(const TradingPair& pair, OrderBook& book) {
  const std::string symbol = symbol_for_pair(pair);
  if (symbol.empty())
    throw ExchangeError(ErrorKind::kUnknownSymbol, "", "bitget: unknown pair " + pair.str());
  json::value data = co_await public_get("/api/v2/spot/market/orderbook",
                                         "symbol=" + symbol + "&type=step0&limit=150", kPublic, "order book");
  const auto& d = as_object(data, "order book");
  auto side = [&](std::string_view key) {
    std::vector<LevelUpdate> levels;
    auto it = d.find(key);
    if (it == d.end() || !it->value().is_array()) return levels;
    for (const auto& lv : it->value().get_array()) {
      if (!lv.is_array() || lv.get_array().size() < 2) continue;
      const auto& p = lv.get_array()[0];
      const auto& q = lv.get_array()[1];
      if (!p.is_string() || !q.is_string()) continue;
      auto price = Decimal::try_parse(p.get_string());
      auto size = Decimal::try_parse(q.get_string());
      if (price && size) levels.push_back({*price, *size, p.get_string(), q.get_string()});
    }
    return levels;
  };
  book.apply_snapshot(side("bids"), side("asks"), static_cast<uint64_t>(int_of(d, "ts")));
}

// ---------------------------------------------------------------------------------------------------------------
// Orders

asio::awaitable<std::optional<Decimal>> BitgetExchange::fetch_reference_ask(const TradingPair& pair) {
  json::value data = co_await public_get("/api/v2/spot/market/tickers", "symbol=" + symbol_for_pair(pair),
                                         kPublic, "ticker");
  const auto& list = as_array(data, "tickers");
  std::optional<Decimal> ask;
  if (!list.empty() && list[0].is_object()) {
    ask = dec(list[0].get_object(), "askPr");
    if (!ask || !ask->is_positive()) ask = dec(list[0].get_object(), "lastPr");
  }
  co_return ask;
}

asio::awaitable<PlacedOrder> BitgetExchange::place_order(const InFlightOrder& order) {
  const std::string symbol = symbol_for_pair(order.pair());
  if (symbol.empty()) {
    throw ExchangeError(ErrorKind::kUnknownSymbol, "", "bitget: unknown trading pair " + order.pair().str());
  }
  json::object body;
  body["symbol"] = symbol;
  body["side"] = side_of(order.trade_type());
  if (order.order_type() == OrderType::kMarket) {
    body["orderType"] = "market";
    body["force"] = "gtc";
    // Bitget sizes a spot market BUY in quote, a market sell in base.
    const Decimal size =
        order.trade_type() == TradeType::kBuy ? co_await market_buy_quote_amount(order) : order.amount();
    body["size"] = size.to_string();
  } else {
    body["orderType"] = "limit";
    body["force"] = order.order_type() == OrderType::kLimitMaker ? "post_only" : "gtc";
    body["price"] = order.price().to_string();
    body["size"] = order.amount().to_string();
  }
  body["clientOid"] = order.client_order_id();
  const std::string context = "placing order " + order.client_order_id();
  std::optional<json::value> data;
  try {
    data = co_await private_request("POST", "/api/v2/spot/trade/place-order", "", json::serialize(body),
                                    kPlace, context);
  } catch (const ExchangeError& e) {
    // A 2xx we cannot read leaves the outcome unknown: status polling settles it.
    if (e.kind() != ErrorKind::kBadResponse) throw;
    throw ExchangeError(ErrorKind::kNetwork, e.code(), e.what());
  }
  PlacedOrder placed;
  if (data->is_object()) placed.exchange_order_id = std::string(str_or(data->get_object(), "orderId"));
  placed.timestamp_ms = now_ms();
  co_return placed;
}

asio::awaitable<void> BitgetExchange::cancel_order(const InFlightOrder& order) {
  json::object body;
  body["symbol"] = symbol_for_pair(order.pair());
  // By client id: it works even before the exchange id is known.
  body["clientOid"] = order.client_order_id();
  (void)co_await private_request("POST", "/api/v2/spot/trade/cancel-order", "", json::serialize(body),
                                 kCancel, "cancelling order " + order.client_order_id());
}

asio::awaitable<OrderUpdate> BitgetExchange::fetch_order_status(const InFlightOrder& order) {
  json::value data =
      co_await private_request("GET", "/api/v2/spot/trade/orderInfo", "clientOid=" + order.client_order_id(),
                               "", kOrderInfo, "order status of " + order.client_order_id());
  const auto& list = as_array(data, "orderInfo");
  if (list.empty() || !list[0].is_object()) {
    throw ExchangeError(ErrorKind::kOrderNotFound, "",
                        "bitget: order " + order.client_order_id() + " not found");
  }
  const auto& o = list[0].get_object();
  OrderUpdate u;
  u.client_order_id = order.client_order_id();
  u.exchange_order_id = std::string(str_or(o, "orderId"));
  u.pair = order.pair();
  u.new_state = state_of(str_or(o, "status"));
  u.update_timestamp_ms = int_of(o, "uTime");
  u.executed_base = dec_or_zero(o, "baseVolume");
  fail_crossed_post_only(order, u, "Bitget");
  co_return u;
}

asio::awaitable<std::vector<TradeUpdate>> BitgetExchange::fetch_order_fills(const InFlightOrder& order) {
  std::vector<TradeUpdate> out;
  if (order.exchange_order_id().empty()) co_return out;
  const std::string base_query =
      "symbol=" + symbol_for_pair(order.pair()) + "&orderId=" + order.exchange_order_id();
  std::string older_than;
  for (int page = 0; page < 20; ++page) {
    std::string query = base_query + "&limit=100";
    if (!older_than.empty()) query += "&idLessThan=" + older_than;
    json::value data = co_await private_request("GET", "/api/v2/spot/trade/fills", query, "", kFills,
                                                "fills of " + order.client_order_id());
    const auto& list = as_array(data, "fills");
    for (const auto& v : list) {
      if (!v.is_object()) continue;
      const auto& f = v.get_object();
      TradeUpdate t = trade_of(f);
      t.client_order_id = order.client_order_id();
      t.pair = order.pair();
      if (!t.trade_id.empty()) out.push_back(std::move(t));
      older_than = std::string(str_or(f, "tradeId"));
    }
    if (list.size() < 100) break;
  }
  sort_by_time(out);
  co_return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Account channel

void BitgetExchange::on_channel_push(std::string_view channel, std::string_view inst_id, std::string_view,
                                     const json::array& data) {
  if (channel == "ticker") {
    // The 24 h ticker carries the last traded price: it seeds last_trade_price before any trade push.
    auto pair = pair_for_symbol(inst_id);
    for (const auto& v : data) {
      if (!v.is_object()) continue;
      if (!pair) pair = pair_for_symbol(str_or(v.get_object(), "instId"));
      if (auto last = dec(v.get_object(), "lastPr"); pair && last && last->is_positive())
        record_public_trade(*pair, *last);
    }
    return;
  }
  if (channel != "account") return;
  for (const auto& v : data) {
    if (!v.is_object()) continue;
    const auto& a = v.get_object();
    const std::string coin(str_or(a, "coin"));
    if (coin.empty()) continue;
    const Decimal available = dec_or_zero(a, "available");
    set_balance(coin, available + dec_or_zero(a, "frozen") + dec_or_zero(a, "locked"), available);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Registry

ConnectorInfo spot_connector_info() {
  ConnectorInfo info = connector_info("bitget", false, "Bitget");
  info.factory = endpoint_factory<BitgetExchange>(info.id, info.environments);
  return info;
}

void register_connectors(ConnectorRegistry& registry) {
  registry.add(spot_connector_info());
  registry.add(perpetual_connector_info());
}

}  // namespace nectar::bitget
