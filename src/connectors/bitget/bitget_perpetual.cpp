#include "nectar/connectors/bitget/bitget_perpetual.hpp"

#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <chrono>

#include "json_util.hpp"

namespace nectar::bitget {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using limits::kAssets, limits::kCancel, limits::kFills, limits::kOrderInfo, limits::kPlace, limits::kPublic,
    limits::kSettings;

namespace {

PositionSide hold_side(std::string_view s) {
  if (s == "long") return PositionSide::kLong;
  if (s == "short") return PositionSide::kShort;
  return PositionSide::kBoth;
}

/// One side of a merge-depth book: levels are JSON numbers in the official examples, strings elsewhere; the
/// number's own text is kept (never through a binary double).
bool read_levels(simdjson::ondemand::value side, std::vector<LevelUpdate>& out,
                 std::vector<std::string>& texts) {
  simdjson::ondemand::array levels;
  if (side.get_array().get(levels)) return false;
  for (auto level_r : levels) {
    simdjson::ondemand::array level;
    if (level_r.get_array().get(level)) return false;
    std::string_view parts[2];
    int n = 0;
    for (auto v_r : level) {
      if (n >= 2) break;
      simdjson::ondemand::value v;
      if (v_r.get(v)) return false;
      std::string_view text;
      if (v.type() == simdjson::ondemand::json_type::string) {
        if (v.get_string().get(text)) return false;
      } else {
        text = v.raw_json_token();
        while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r'))
          text.remove_suffix(1);
      }
      texts.emplace_back(text);
      parts[n++] = text;
    }
    if (n < 2) return false;
    auto price = Decimal::try_parse(parts[0]);
    auto size = Decimal::try_parse(parts[1]);
    if (!price || !size) return false;
    out.push_back({*price, *size, {}, {}});
  }
  return true;
}

}  // namespace

BitgetPerpetual::BitgetPerpetual(asio::any_io_executor ex, ConnectorConfig config, Endpoints endpoints)
    : BitgetCommon<PerpetualExchangeBase>(ex, std::move(config), std::move(endpoints), "USDT-FUTURES") {
  if (auto it = this->config().options.find("margin_mode"); it != this->config().options.end()) {
    if (it->second != "crossed" && it->second != "isolated") {
      throw std::invalid_argument("bitget_perpetual: margin_mode must be crossed or isolated, not '" +
                                  it->second + "'");
    }
    margin_mode_ = it->second;
  }
}

BitgetPerpetual::~BitgetPerpetual() = default;

void BitgetPerpetual::start() {
  PerpetualExchangeBase::start();
  if (config().track_user_stream) spawn(apply_margin_mode(), "margin mode");
}

std::string BitgetPerpetual::symbol_or_throw(const TradingPair& pair) const {
  std::string s = symbol_for_pair(pair);
  if (s.empty())
    throw ExchangeError(ErrorKind::kUnknownSymbol, "", "bitget_perpetual: unknown pair " + pair.str());
  return s;
}

std::string BitgetPerpetual::collateral(const TradingPair& pair) const {
  const TradingRule* r = trading_rule(pair);
  return r && !r->collateral_token.empty() ? r->collateral_token : pair.quote;
}

asio::awaitable<void> BitgetPerpetual::apply_margin_mode() {
  while (!stopping() && !status().trading_rules) co_await sleep(100ms);
  for (const auto& pair : trading_pairs()) {
    if (stopping() || symbol_for_pair(pair).empty()) continue;
    json::object body{{"symbol", symbol_for_pair(pair)},
                      {"productType", product_type_},
                      {"marginCoin", collateral(pair)},
                      {"marginMode", margin_mode_}};
    std::optional<std::string> failure;
    try {
      (void)co_await private_request("POST", "/api/v2/mix/account/set-margin-mode", "", json::serialize(body),
                                     kSettings, "setting " + margin_mode_ + " margin on " + pair.str());
    } catch (const ExchangeError& e) {
      failure = e.what();
    }
    if (failure) spdlog::warn("{}: {}", name(), *failure);  // e.g. refused while a position is open
    // The leverage already set on the exchange (perhaps in its UI) is what new orders will use.
    std::optional<json::value> account;
    try {
      account = co_await private_request("GET", "/api/v2/mix/account/account",
                                         "symbol=" + symbol_for_pair(pair) + "&productType=" + product_type_ +
                                             "&marginCoin=" + collateral(pair),
                                         "", kAssets, "reading leverage of " + pair.str());
    } catch (const ExchangeError& e) {
      spdlog::warn("{}: {}", name(), e.what());
    }
    if (account && account->is_object()) {
      const auto& a = account->get_object();
      const int64_t lev =
          int_of(a, margin_mode_ == "crossed" ? "crossedMarginLeverage" : "isolatedLongLever");
      if (lev > 0) set_known_leverage(pair, static_cast<int>(lev));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rules, balances, books

asio::awaitable<std::vector<TradingRule>> BitgetPerpetual::fetch_trading_rules() {
  json::value data = co_await public_get("/api/v2/mix/market/contracts", "productType=" + product_type_,
                                         kPublic, "loading contracts");
  std::vector<TradingRule> rules;
  for (const auto& v : as_array(data, "contracts")) {
    if (!v.is_object()) continue;
    const auto& c = v.get_object();
    if (auto type = str_or(c, "symbolType"); !type.empty() && type != "perpetual") continue;  // dated futures
    const std::string_view symbol = str_or(c, "symbol");
    const std::string_view base = str_or(c, "baseCoin");
    const std::string_view quote = str_or(c, "quoteCoin");
    const int64_t price_place = int_of(c, "pricePlace");
    const auto end_step = dec(c, "priceEndStep");
    const auto lot = dec(c, "sizeMultiplier");
    if (symbol.empty() || base.empty() || quote.empty() || price_place > 18 || !lot || !lot->is_positive()) {
      spdlog::warn("bitget_perpetual: skipping unreadable contract {:.200}", json::serialize(c));
      continue;
    }
    TradingRule r;
    r.pair = TradingPair{std::string(base), std::string(quote)};
    r.exchange_symbol = std::string(symbol);
    // Tick = priceEndStep × 10^-pricePlace (a step of 5 at one decimal is 0.5, not 0.1).
    r.min_price_increment = Decimal::from_scaled(1, static_cast<int>(price_place))
                                .mul(end_step && end_step->is_positive() ? *end_step : Decimal::one());
    r.min_base_amount_increment = *lot;
    r.min_quote_amount_increment = r.min_price_increment;
    r.min_order_size = Decimal::max(*lot, dec_or_zero(c, "minTradeNum"));
    r.max_order_size = dec_or_zero(c, "maxOrderQty");
    r.max_market_order_size = dec_or_zero(c, "maxMarketOrderQty");
    r.min_notional_size = dec_or_zero(c, "minTradeUSDT");
    r.min_leverage = static_cast<int>(std::max<int64_t>(1, int_of(c, "minLever")));
    r.max_leverage = static_cast<int>(std::max<int64_t>(r.min_leverage, int_of(c, "maxLever")));
    if (auto it = c.find("supportMarginCoins"); it != c.end() && it->value().is_array() &&
                                                !it->value().get_array().empty() &&
                                                it->value().get_array()[0].is_string()) {
      r.collateral_token = std::string(it->value().get_array()[0].get_string());
    } else {
      r.collateral_token = std::string(quote);
    }
    const std::string_view st = str_or(c, "symbolStatus");
    r.active = st.empty() || st == "normal";
    set_fee_rates(r.pair, dec_or_zero(c, "makerFeeRate"), dec_or_zero(c, "takerFeeRate"));
    rules.push_back(std::move(r));
  }
  if (rules.empty())
    throw ExchangeError(ErrorKind::kBadResponse, "", "bitget_perpetual: the contract list is empty");
  co_return rules;
}

asio::awaitable<std::vector<Balance>> BitgetPerpetual::fetch_balances() {
  json::value data = co_await private_request(
      "GET", "/api/v2/mix/account/accounts", "productType=" + product_type_, "", kAssets, "reading balances");
  std::vector<Balance> out;
  for (const auto& v : as_array(data, "accounts")) {
    if (!v.is_object()) continue;
    const auto& a = v.get_object();
    const Decimal equity = dec(a, "accountEquity").value_or(dec_or_zero(a, "usdtEquity"));
    // What can still be committed to new positions in cross margin.
    const Decimal available = dec(a, "crossedMaxAvailable").value_or(dec_or_zero(a, "available"));
    out.push_back(Balance{std::string(str_or(a, "marginCoin")), equity, available});
  }
  co_return out;
}

asio::awaitable<void> BitgetPerpetual::fetch_order_book_snapshot(const TradingPair& pair, OrderBook& book) {
  // Raw body: levels may be JSON numbers, whose text must be read as written.
  net::HttpRequest req;
  req.url = endpoints().rest + "/api/v2/mix/market/merge-depth?symbol=" + symbol_or_throw(pair) +
            "&productType=" + product_type_ + "&precision=scale0&limit=100";
  req.headers = {{"locale", "en-US"}};
  if (demo()) req.headers.emplace_back("paptrading", "1");
  net::HttpResponse resp = co_await send_rest(std::move(req), kPublic);
  (void)unwrap(resp, "order book");  // envelope and error codes
  simdjson::ondemand::parser parser;
  simdjson::padded_string body(resp.body);
  simdjson::ondemand::document doc;
  std::vector<LevelUpdate> bids, asks;
  std::vector<std::string> texts;
  texts.reserve(512);
  bool ok = !parser.iterate(body).get(doc);
  simdjson::ondemand::object data;
  ok = ok && !doc["data"].get_object().get(data);
  for (auto field : data) {
    if (!ok) break;
    std::string_view key;
    if (field.unescaped_key().get(key)) {
      ok = false;
      break;
    }
    if (key == "bids" || key == "asks") ok = read_levels(field.value(), key == "bids" ? bids : asks, texts);
  }
  if (!ok) throw ExchangeError(ErrorKind::kBadResponse, "", "bitget_perpetual: unreadable order book");
  book.apply_snapshot(bids, asks, static_cast<uint64_t>(now_ms()));
}

// ---------------------------------------------------------------------------------------------------------------
// Orders

asio::awaitable<PlacedOrder> BitgetPerpetual::place_order(const InFlightOrder& order) {
  const bool buy = order.trade_type() == TradeType::kBuy;
  const bool close = order.position_action() == PositionAction::kClose;
  json::object body;
  body["symbol"] = symbol_or_throw(order.pair());
  body["productType"] = product_type_;
  body["marginMode"] = margin_mode_;
  body["marginCoin"] = collateral(order.pair());
  body["size"] = order.amount().to_string();
  if (position_mode() == PositionMode::kHedge) {
    // The side names the position: closing a long (a sell) is side buy + tradeSide close.
    body["side"] = (buy != close) ? "buy" : "sell";
    body["tradeSide"] = close ? "close" : "open";
  } else {
    body["side"] = buy ? "buy" : "sell";
    if (close) body["reduceOnly"] = "YES";
  }
  if (order.order_type() == OrderType::kMarket) {
    body["orderType"] = "market";
  } else {
    body["orderType"] = "limit";
    body["price"] = order.price().to_string();
    body["force"] = order.order_type() == OrderType::kLimitMaker ? "post_only" : "gtc";
  }
  body["clientOid"] = order.client_order_id();
  std::optional<json::value> data;
  try {
    data = co_await private_request("POST", "/api/v2/mix/order/place-order", "", json::serialize(body),
                                    kPlace, "placing order " + order.client_order_id());
  } catch (const ExchangeError& e) {
    if (e.kind() != ErrorKind::kBadResponse) throw;
    throw ExchangeError(ErrorKind::kNetwork, e.code(), e.what());  // outcome unknown: polling settles it
  }
  PlacedOrder placed;
  // One-way reduce-only orders may come back without an orderId (Bitget cancelled older ones): the status
  // poll by clientOid fills it in.
  if (data->is_object()) placed.exchange_order_id = std::string(str_or(data->get_object(), "orderId"));
  placed.timestamp_ms = now_ms();
  co_return placed;
}

asio::awaitable<void> BitgetPerpetual::cancel_order(const InFlightOrder& order) {
  json::object body{{"symbol", symbol_or_throw(order.pair())},
                    {"productType", product_type_},
                    {"marginCoin", collateral(order.pair())},
                    {"clientOid", order.client_order_id()}};
  (void)co_await private_request("POST", "/api/v2/mix/order/cancel-order", "", json::serialize(body), kCancel,
                                 "cancelling order " + order.client_order_id());
}

asio::awaitable<OrderUpdate> BitgetPerpetual::fetch_order_status(const InFlightOrder& order) {
  json::value data =
      co_await private_request("GET", "/api/v2/mix/order/detail",
                               "symbol=" + symbol_or_throw(order.pair()) + "&productType=" + product_type_ +
                                   "&clientOid=" + order.client_order_id(),
                               "", kOrderInfo, "order status of " + order.client_order_id());
  // An object (not a list), status under `state`; null or empty when unknown.
  if (!data.is_object() || data.get_object().empty()) {
    throw ExchangeError(ErrorKind::kOrderNotFound, "",
                        "bitget_perpetual: order " + order.client_order_id() + " not found");
  }
  const auto& o = data.get_object();
  OrderUpdate u;
  u.client_order_id = order.client_order_id();
  u.exchange_order_id = std::string(str_or(o, "orderId"));
  u.pair = order.pair();
  u.new_state = state_of(str_or(o, "state", str_or(o, "status")));
  u.update_timestamp_ms = int_of(o, "uTime");
  u.executed_base = dec_or_zero(o, "baseVolume");
  fail_crossed_post_only(order, u, "Bitget");
  co_return u;
}

asio::awaitable<std::vector<TradeUpdate>> BitgetPerpetual::fetch_order_fills(const InFlightOrder& order) {
  std::vector<TradeUpdate> out;
  if (order.exchange_order_id().empty()) co_return out;
  std::string end_id;
  for (int page = 0; page < 20; ++page) {
    std::string query = "productType=" + product_type_ + "&symbol=" + symbol_or_throw(order.pair()) +
                        "&orderId=" + order.exchange_order_id() + "&limit=100";
    if (!end_id.empty()) query += "&idLessThan=" + end_id;
    json::value data = co_await private_request("GET", "/api/v2/mix/order/fills", query, "", kFills,
                                                "fills of " + order.client_order_id());
    const auto& d = as_object(data, "fills");
    auto list_it = d.find("fillList");
    if (list_it == d.end() || !list_it->value().is_array()) break;  // null: no fills
    const auto& list = list_it->value().get_array();
    for (const auto& v : list) {
      if (!v.is_object()) continue;
      const auto& f = v.get_object();
      TradeUpdate t = trade_of(f, kFuturesFillKeys);
      t.client_order_id = order.client_order_id();
      t.pair = order.pair();
      if (!t.trade_id.empty()) out.push_back(std::move(t));
      end_id = std::string(str_or(f, "tradeId"));
    }
    if (list.size() < 100) break;
  }
  sort_by_time(out);
  co_return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Positions, modes, leverage, funding

namespace {

std::optional<Position> position_of(const json::object& p, const std::optional<TradingPair>& pair) {
  if (!pair) return std::nullopt;
  Position out;
  out.pair = *pair;
  out.side = hold_side(str_or(p, "holdSide"));
  out.amount = dec_or_zero(p, "total");
  out.entry_price = dec_or_zero(p, "openPriceAvg");
  out.unrealized_pnl = dec_or_zero(p, "unrealizedPL");
  out.liquidation_price = dec_or_zero(p, "liquidationPrice");
  out.leverage = static_cast<int>(std::max<int64_t>(1, int_of(p, "leverage")));
  return out;
}

}  // namespace

asio::awaitable<std::vector<Position>> BitgetPerpetual::fetch_positions() {
  json::value data =
      co_await private_request("GET", "/api/v2/mix/position/all-position", "productType=" + product_type_, "",
                               kOrderInfo, "reading positions");
  std::vector<Position> out;
  for (const auto& v : as_array(data, "positions")) {
    if (!v.is_object()) continue;
    if (auto p = position_of(v.get_object(), pair_for_symbol(str_or(v.get_object(), "symbol"))))
      out.push_back(*p);
  }
  co_return out;
}

asio::awaitable<PositionMode> BitgetPerpetual::fetch_position_mode() {
  // The mode is account-wide per product type; account/account needs some symbol to answer.
  std::string symbol;
  TradingPair pair;
  for (const auto& p : trading_pairs()) {
    if (!(symbol = symbol_for_pair(p)).empty()) {
      pair = p;
      break;
    }
  }
  if (symbol.empty())
    throw ExchangeError(ErrorKind::kOther, "", "bitget_perpetual: trading rules not loaded yet");
  json::value data = co_await private_request(
      "GET", "/api/v2/mix/account/account",
      "symbol=" + symbol + "&productType=" + product_type_ + "&marginCoin=" + collateral(pair), "", kAssets,
      "reading the position mode");
  const std::string_view mode = str_or(as_object(data, "account"), "posMode");
  if (mode == "hedge_mode") co_return PositionMode::kHedge;
  if (mode == "one_way_mode") co_return PositionMode::kOneway;
  throw ExchangeError(ErrorKind::kBadResponse, "",
                      "bitget_perpetual: unknown posMode '" + std::string(mode) + "'");
}

asio::awaitable<void> BitgetPerpetual::push_position_mode(PositionMode mode) {
  json::object body{{"productType", product_type_},
                    {"posMode", mode == PositionMode::kHedge ? "hedge_mode" : "one_way_mode"}};
  (void)co_await private_request("POST", "/api/v2/mix/account/set-position-mode", "", json::serialize(body),
                                 kSettings, "changing the position mode");
}

asio::awaitable<void> BitgetPerpetual::push_leverage(const TradingPair& pair, int leverage) {
  json::object body{{"symbol", symbol_or_throw(pair)},
                    {"productType", product_type_},
                    {"marginCoin", collateral(pair)},
                    {"leverage", std::to_string(leverage)}};
  (void)co_await private_request("POST", "/api/v2/mix/account/set-leverage", "", json::serialize(body),
                                 kSettings,
                                 "setting leverage " + std::to_string(leverage) + "x on " + pair.str());
}

asio::awaitable<std::vector<FundingPayment>> BitgetPerpetual::fetch_funding_payments(int64_t since_ms) {
  json::value data =
      co_await private_request("GET", "/api/v2/mix/account/bill",
                               "productType=" + product_type_ +
                                   "&businessType=contract_settle_fee&startTime=" + std::to_string(since_ms),
                               "", kAssets, "reading funding bills");
  std::vector<FundingPayment> out;
  const auto& d = as_object(data, "bills");
  auto it = d.find("bills");
  if (it == d.end() || !it->value().is_array()) co_return out;
  for (const auto& v : it->value().get_array()) {
    if (!v.is_object()) continue;
    const auto& b = v.get_object();
    if (str_or(b, "businessType") != "contract_settle_fee") continue;
    auto pair = pair_for_symbol(str_or(b, "symbol"));
    if (!pair) continue;
    out.push_back(FundingPayment{std::string(str_or(b, "billId")), *pair, dec_or_zero(b, "amount"), Decimal{},
                                 int_of(b, "cTime")});
  }
  co_return out;
}

asio::awaitable<std::optional<FundingInfo>> BitgetPerpetual::fetch_funding_info(const TradingPair& pair) {
  const std::string q = "symbol=" + symbol_or_throw(pair) + "&productType=" + product_type_;
  json::value rate = co_await public_get("/api/v2/mix/market/current-fund-rate", q, kPublic, "funding rate");
  json::value price = co_await public_get("/api/v2/mix/market/symbol-price", q, kPublic, "mark price");
  const auto& rl = as_array(rate, "funding rate");
  const auto& pl = as_array(price, "mark price");
  if (rl.empty() || pl.empty() || !rl[0].is_object() || !pl[0].is_object()) co_return std::nullopt;
  FundingInfo f;
  f.pair = pair;
  f.rate = dec_or_zero(rl[0].get_object(), "fundingRate");
  f.next_funding_time_ms = int_of(rl[0].get_object(), "nextUpdate");
  f.mark_price = dec_or_zero(pl[0].get_object(), "markPrice");
  f.index_price = dec_or_zero(pl[0].get_object(), "indexPrice");
  co_return f;
}

// ---------------------------------------------------------------------------------------------------------------
// Stream channels

void BitgetPerpetual::on_channel_push(std::string_view channel, std::string_view inst_id, std::string_view,
                                      const json::array& data) {
  if (channel == "ticker") {
    auto pair = pair_for_symbol(inst_id);
    for (const auto& v : data) {
      if (!v.is_object()) continue;
      const auto& t = v.get_object();
      if (!pair) pair = pair_for_symbol(str_or(t, "instId"));
      if (!pair) continue;
      FundingInfo f;
      f.pair = *pair;
      f.mark_price = dec_or_zero(t, "markPrice");
      f.index_price = dec_or_zero(t, "indexPrice");
      f.rate = dec_or_zero(t, "fundingRate");
      f.next_funding_time_ms = int_of(t, "nextFundingTime");
      update_funding_info(f);
    }
  } else if (channel == "positions") {
    // Every push is the full set of open positions ([] = flat).
    std::vector<Position> all;
    for (const auto& v : data) {
      if (!v.is_object()) continue;
      const auto& p = v.get_object();
      auto pair = pair_for_symbol(str_or(p, "instId", str_or(p, "symbol")));
      if (auto pos = position_of(p, pair)) all.push_back(*pos);
    }
    replace_positions(all);
  } else if (channel == "account") {
    for (const auto& v : data) {
      if (!v.is_object()) continue;
      const auto& a = v.get_object();
      const std::string coin(str_or(a, "marginCoin"));
      if (coin.empty()) continue;
      const Decimal equity = dec(a, "equity").value_or(dec_or_zero(a, "usdtEquity"));
      const Decimal available = dec(a, "maxOpenPosAvailable").value_or(dec_or_zero(a, "available"));
      set_balance(coin, equity, available);
    }
  }
}

void BitgetPerpetual::on_foreign_order_push(const json::object& o) {
  const std::string_view trade_side = str_or(o, "tradeSide");
  if (trade_side.rfind("burst_close", 0) != 0 || str_or(o, "status") != "filled") return;
  auto pair = pair_for_symbol(str_or(o, "instId", str_or(o, "symbol")));
  if (!pair) return;
  PositionLiquidatedEvent e;
  e.timestamp_ms = int_of(o, "uTime");
  e.pair = *pair;
  e.side = trade_side == "burst_close_short" ? PositionSide::kShort : PositionSide::kLong;
  e.amount = dec(o, "accBaseVolume").value_or(dec_or_zero(o, "size"));
  e.price = dec(o, "priceAvg").value_or(dec_or_zero(o, "fillPrice"));
  spdlog::error("{}: {} {} position of {} liquidated at {}", name(), pair->str(),
                e.side == PositionSide::kLong ? "long" : "short", e.amount.to_string(), e.price.to_string());
  events().publish(e);
}

// ---------------------------------------------------------------------------------------------------------------
// Registry

ConnectorInfo perpetual_connector_info() {
  ConnectorInfo info = connector_info("bitget_perpetual", true, "Bitget Perpetual");
  info.factory = endpoint_factory<BitgetPerpetual>(info.id, info.environments);
  return info;
}

}  // namespace nectar::bitget
