#include "nectar/connectors/bitget/bitget_exchange.hpp"

#include <spdlog/spdlog.h>
#include <boost/json.hpp>
#include <chrono>

#include "nectar/connectors/bitget/auth.hpp"
#include "nectar/connectors/bitget/book_parser.hpp"
#include "nectar/connectors/bitget/errors.hpp"
#include "nectar/net/error.hpp"
#include "nectar/net/managed_websocket.hpp"

namespace nectar::bitget {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// Rate-limit pools: one per documented endpoint limit (shared/protocols/bitget.md §6).
constexpr std::string_view kPublic = "public";
constexpr std::string_view kPlace = "place-order";
constexpr std::string_view kCancel = "cancel-order";
constexpr std::string_view kAssets = "assets";
constexpr std::string_view kOrderInfo = "orderInfo";
constexpr std::string_view kFills = "fills";

constexpr std::size_t kMaxPendingFills = 1000;
constexpr int kMaxRateLimitRetries = 8;
constexpr int64_t kPendingFillTtlMs = 10 * 60 * 1000;

/// Bitget sends `code` as a string in REST envelopes and as a number or string in WS events.
std::string code_of(const json::object& o) {
  auto it = o.find("code");
  if (it == o.end()) return {};
  if (it->value().is_string()) return std::string(it->value().get_string());
  if (it->value().is_int64()) return std::to_string(it->value().get_int64());
  if (it->value().is_uint64()) return std::to_string(it->value().get_uint64());
  return {};
}

std::string_view str_or(const json::object& o, std::string_view key, std::string_view fallback = {}) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return fallback;
  return it->value().get_string();
}

/// A decimal field sent as a string (or, leniently, as a JSON number's raw text). Missing/blank = nullopt.
std::optional<Decimal> dec(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return std::nullopt;
  const json::value& v = it->value();
  if (v.is_string()) {
    if (v.get_string().empty()) return std::nullopt;
    return Decimal::try_parse(v.get_string());
  }
  if (v.is_int64()) return Decimal::from_int(v.get_int64());
  if (v.is_uint64()) return Decimal::try_parse(std::to_string(v.get_uint64()));
  return std::nullopt;  // binary floats are refused: money never passes through them
}

Decimal dec_or_zero(const json::object& o, std::string_view key) {
  return dec(o, key).value_or(Decimal{});
}

int64_t int_of(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return 0;
  const json::value& v = it->value();
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
  if (v.is_string()) {
    int64_t out = 0;
    for (char c : v.get_string()) {
      if (c < '0' || c > '9') return 0;
      out = out * 10 + (c - '0');
    }
    return out;
  }
  return 0;
}

const json::object& as_object(const json::value& v, std::string_view what) {
  if (!v.is_object())
    throw ExchangeError(ErrorKind::kBadResponse, "",
                        "bitget: " + std::string(what) + ": expected a JSON object");
  return v.get_object();
}

const json::array& as_array(const json::value& v, std::string_view what) {
  if (!v.is_array())
    throw ExchangeError(ErrorKind::kBadResponse, "",
                        "bitget: " + std::string(what) + ": expected a JSON list");
  return v.get_array();
}

/// Checks the envelope {"code":"00000","msg":...,"data":...} and returns `data`.
json::value unwrap(const net::HttpResponse& resp, std::string_view context) {
  boost::system::error_code ec;
  json::value doc = json::parse(resp.body, ec);
  if (ec || !doc.is_object()) {
    throw ExchangeError(ErrorKind::kBadResponse, std::to_string(resp.status),
                        "bitget: " + std::string(context) + ": unreadable answer (HTTP " +
                            std::to_string(resp.status) + ", not a JSON envelope)");
  }
  const json::object& env = doc.get_object();
  const std::string code = code_of(env);
  if (code == "00000" && resp.ok()) {
    auto it = env.find("data");
    return it == env.end() ? json::value() : it->value();
  }
  throw rest_error(code, str_or(env, "msg"), resp.status, context);
}

OrderState state_of(std::string_view status) {
  if (status == "live" || status == "new" || status == "init") return OrderState::kOpen;
  if (status == "partially_filled") return OrderState::kPartiallyFilled;
  if (status == "filled") return OrderState::kFilled;
  if (status == "cancelled" || status == "canceled") return OrderState::kCanceled;
  throw ExchangeError(ErrorKind::kBadResponse, "",
                      "bitget: unknown order status '" + std::string(status) + "'");
}

/// Fee as charged, positive when paid: Bitget reports charges as negative numbers (rebates positive).
TradeFee fee_of(std::string_view coin, Decimal bitget_signed_fee) {
  TradeFee fee;
  const Decimal paid = -bitget_signed_fee;
  if (!coin.empty() && !paid.is_zero()) fee.flat_fees.push_back({std::string(coin), paid});
  return fee;
}

/// `feeDetail` of a fill (REST: object; `fill` channel: list of one object).
TradeFee fill_fee(const json::value* detail) {
  if (!detail) return {};
  const json::object* o = nullptr;
  if (detail->is_object())
    o = &detail->get_object();
  else if (detail->is_array() && !detail->get_array().empty() && detail->get_array()[0].is_object())
    o = &detail->get_array()[0].get_object();
  if (!o) return {};
  if (str_or(*o, "deduction") == "yes") {
    // Paid in BGB through the deduction programme.
    TradeFee fee;
    const Decimal paid = dec_or_zero(*o, "totalDeductionFee").abs();
    if (!paid.is_zero()) fee.flat_fees.push_back({"BGB", paid});
    return fee;
  }
  return fee_of(str_or(*o, "feeCoin"), dec_or_zero(*o, "totalFee"));
}

std::string side_of(TradeType side) {
  return side == TradeType::kBuy ? "buy" : "sell";
}

std::string arg_json(std::string_view channel, std::string_view key, std::string_view inst) {
  json::object a;
  a["instType"] = "SPOT";
  a["channel"] = channel;
  a[key] = inst;
  return json::serialize(a);
}

std::string op_message(std::string_view op, const std::vector<std::string>& args) {
  std::string m = R"({"op":")";
  m.append(op).append(R"(","args":[)");
  for (std::size_t i = 0; i < args.size(); ++i) m.append(i ? "," : "").append(args[i]);
  m.append("]}");
  return m;
}

}  // namespace

struct BitgetExchange::Books final : BookResolver {
  explicit Books(BitgetExchange& exchange) : self(exchange) {}
  OrderBook* book(std::string_view inst_id) override { return self.book_for_symbol(inst_id); }
  BitgetExchange& self;
};

BitgetExchange::BitgetExchange(asio::any_io_executor ex, ConnectorConfig config, Endpoints endpoints)
    : ExchangeBase(ex, std::move(config), std::move(endpoints), rate_limits()),
      book_parser_(std::make_unique<BookParser>()),
      books_resolver_(std::make_unique<Books>(*this)),
      demo_(this->config().environment == Environment::kDemo) {}

BitgetExchange::~BitgetExchange() = default;

std::vector<net::RateLimit> BitgetExchange::rate_limits() {
  return {
      {std::string(kPublic), 20, 1000ms, 1, {}},    {std::string(kPlace), 10, 1000ms, 1, {}},
      {std::string(kCancel), 10, 1000ms, 1, {}},    {std::string(kAssets), 10, 1000ms, 1, {}},
      {std::string(kOrderInfo), 20, 1000ms, 1, {}}, {std::string(kFills), 10, 1000ms, 1, {}},
  };
}

ClientOrderIdRules BitgetExchange::client_order_id_rules() const {
  // Bitget documents no limit; 40 plain characters stay well inside what is known to work (50+).
  return ClientOrderIdRules{"nct", 40, ""};
}

// ---------------------------------------------------------------------------------------------------------------
// REST plumbing

asio::awaitable<json::value> BitgetExchange::public_get(std::string path, std::string query,
                                                        std::string_view limit, std::string_view context) {
  net::HttpRequest req;
  req.method = "GET";
  req.url = endpoints().rest + path + (query.empty() ? "" : "?" + query);
  req.headers = {{"locale", "en-US"}};
  if (demo_ && path != "/api/v2/public/time") req.headers.emplace_back("paptrading", "1");
  net::HttpResponse resp = co_await send_rest(std::move(req), limit);
  co_return unwrap(resp, context);
}

asio::awaitable<json::value> BitgetExchange::private_request(std::string method, std::string path,
                                                             std::string query, std::string body,
                                                             std::string_view limit,
                                                             std::string_view context) {
  // Signed per attempt: a retry after a 429 must carry a fresh timestamp.
  for (int attempt = 0;; ++attempt) {
    net::HttpRequest req;
    req.method = method;
    req.url = endpoints().rest + path + (query.empty() ? "" : "?" + query);
    req.body = body;
    req.headers = auth_headers(credential("api_key"), credential("secret_key"), credential("passphrase"),
                               std::to_string(now_ms()), method, path, query, body, demo_);
    std::optional<net::HttpResponse> resp;
    try {
      // No retry inside send_rest: a retry here is signed again with a fresh timestamp.
      resp = co_await send_rest(std::move(req), limit, 0);
    } catch (const ExchangeError& e) {
      if (e.kind() != ErrorKind::kRateLimit || attempt >= kMaxRateLimitRetries) throw;
    }
    if (!resp) continue;  // rate limited: the limiter has paused the pool, try again
    try {
      co_return unwrap(*resp, context);
    } catch (const ExchangeError& e) {
      if (e.kind() == ErrorKind::kTimestamp) request_clock_sync();
      if (e.kind() != ErrorKind::kRateLimit || attempt >= kMaxRateLimitRetries) throw;
    }
  }
}

asio::awaitable<std::optional<int64_t>> BitgetExchange::fetch_server_time_ms() {
  json::value data = co_await public_get("/api/v2/public/time", "", kPublic, "server time");
  const int64_t t = int_of(as_object(data, "server time"), "serverTime");
  if (t <= 0) throw ExchangeError(ErrorKind::kBadResponse, "", "bitget: server time missing");
  co_return t;
}

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

asio::awaitable<Decimal> BitgetExchange::market_buy_quote_amount(const InFlightOrder& order) {
  const TradingRule* rule = trading_rule(order.pair());
  const Decimal step = rule ? rule->min_quote_amount_increment : Decimal::from_scaled(1, 8);
  Decimal quote;
  Decimal remaining = order.amount();
  if (const OrderBook* book = order_book(order.pair()); book && book->ask_count() > 0) {
    // What buying the amount through the visible book costs; any remainder at the worst price walked.
    const VolumeWalk walk = book->walk_volume(TradeType::kBuy, order.amount());
    quote = walk.quote_volume;
    remaining = order.amount() - walk.filled_volume;
    if (remaining.is_positive()) quote = quote + remaining.mul(walk.last_price, Rounding::kCeil);
    remaining = Decimal{};
  }
  if (remaining.is_positive()) {
    json::value data = co_await public_get("/api/v2/spot/market/tickers",
                                           "symbol=" + symbol_for_pair(order.pair()), kPublic, "ticker");
    const auto& list = as_array(data, "tickers");
    std::optional<Decimal> ask;
    if (!list.empty() && list[0].is_object()) {
      ask = dec(list[0].get_object(), "askPr");
      if (!ask || !ask->is_positive()) ask = dec(list[0].get_object(), "lastPr");
    }
    if (!ask || !ask->is_positive()) {
      throw ExchangeError(ErrorKind::kInvalidOrder, "",
                          "bitget: no price known for " + order.pair().str() + " to size a market buy");
    }
    quote = remaining.mul(*ask, Rounding::kCeil);
  }
  co_return quote.quantize(step, Rounding::kCeil);
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
  if (u.new_state == OrderState::kCanceled && order.order_type() == OrderType::kLimitMaker &&
      order.state() != OrderState::kPendingCancel && u.executed_base->is_zero()) {
    u.new_state = OrderState::kFailed;
    u.reason =
        "post-only order would have taken liquidity (its price crosses the book), so Bitget cancelled it";
  }
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
      TradeUpdate t;
      t.trade_id = std::string(str_or(f, "tradeId"));
      t.client_order_id = order.client_order_id();
      t.exchange_order_id = std::string(str_or(f, "orderId"));
      t.pair = order.pair();
      t.fill_price = dec_or_zero(f, "priceAvg");
      t.fill_base_amount = dec_or_zero(f, "size");
      t.fill_quote_amount = dec(f, "amount").value_or(t.fill_price.mul(t.fill_base_amount));
      auto fd = f.find("feeDetail");
      t.fee = fill_fee(fd == f.end() ? nullptr : &fd->value());
      t.fill_timestamp_ms = int_of(f, "cTime");
      t.is_maker = str_or(f, "tradeScope") == "maker";
      if (!t.trade_id.empty()) out.push_back(std::move(t));
      older_than = std::string(str_or(f, "tradeId"));
    }
    if (list.size() < 100) break;
  }
  // Oldest first, so that events come in execution order.
  std::sort(out.begin(), out.end(), [](const TradeUpdate& a, const TradeUpdate& b) {
    return a.fill_timestamp_ms < b.fill_timestamp_ms;
  });
  co_return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Public stream

std::vector<std::string> BitgetExchange::public_subscriptions(const std::vector<TradingPair>& pairs) {
  // One frame's args must stay under 4096 bytes: 30 args of ~60 bytes each.
  std::vector<std::string> args;
  for (const auto& pair : pairs) {
    const std::string symbol = symbol_for_pair(pair);
    if (symbol.empty()) continue;  // rules_loop reports pairs the exchange does not list
    args.push_back(arg_json("books", "instId", symbol));
    args.push_back(arg_json("trade", "instId", symbol));
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); i += 30) {
    out.push_back(op_message(
        "subscribe",
        std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(i),
                                 args.begin() + static_cast<std::ptrdiff_t>(std::min(i + 30, args.size())))));
  }
  return out;
}

std::vector<std::string> BitgetExchange::book_resync_messages(const TradingPair& pair) {
  const std::string arg = arg_json("books", "instId", symbol_for_pair(pair));
  return {op_message("unsubscribe", {arg}), op_message("subscribe", {arg})};
}

void BitgetExchange::on_public_message(std::string_view message) {
  if (message == "pong") return;
  // Frames from the stream carry simdjson padding (net::kReadPadding).
  const BookOutcome outcome = book_parser_->apply(message, true, *books_resolver_);
  switch (outcome) {
    case BookOutcome::kUpdate:
    case BookOutcome::kUnknownBook:
      return;
    case BookOutcome::kSnapshot:
      if (auto pair = pair_for_symbol(book_parser_->last_inst_id())) mark_book_synced(*pair);
      return;
    case BookOutcome::kSeqGap:
    case BookOutcome::kChecksumMismatch:
      if (auto pair = pair_for_symbol(book_parser_->last_inst_id()))
        request_book_resync(*pair, book_parser_->last_error());
      return;
    case BookOutcome::kMalformed:
      throw std::runtime_error("malformed books message: " + book_parser_->last_error());
    case BookOutcome::kNotBooks:
      handle_public_json(message);
      return;
  }
}

void BitgetExchange::handle_public_json(std::string_view message) {
  boost::system::error_code ec;
  json::value doc = json::parse(message, ec);
  if (ec || !doc.is_object()) throw std::runtime_error("not JSON");
  const auto& m = doc.get_object();
  if (auto event = str_or(m, "event"); !event.empty()) {
    if (event == "error") {
      spdlog::error("{}: public stream error: {}", name(), ws_error(code_of(m), str_or(m, "msg")).what());
    }
    return;
  }
  auto arg = m.find("arg");
  auto data = m.find("data");
  if (arg == m.end() || !arg->value().is_object() || data == m.end() || !data->value().is_array()) return;
  const auto& a = arg->value().get_object();
  if (str_or(a, "channel") != "trade") return;
  auto pair = pair_for_symbol(str_or(a, "instId"));
  if (!pair) return;
  // The newest trade has the largest ts (the first push lists recent trades).
  int64_t newest = -1;
  std::optional<Decimal> price;
  for (const auto& v : data->value().get_array()) {
    if (!v.is_object()) continue;
    const int64_t ts = int_of(v.get_object(), "ts");
    if (ts >= newest) {
      if (auto p = dec(v.get_object(), "price")) {
        newest = ts;
        price = p;
      }
    }
  }
  if (price) record_public_trade(*pair, *price);
}

// ---------------------------------------------------------------------------------------------------------------
// Private stream

asio::awaitable<void> BitgetExchange::open_private_stream(net::ManagedWebSocket& ws) {
  const std::string ts = std::to_string(now_ms() / 1000);
  co_await ws.send(
      ws_login_message(credential("api_key"), credential("secret_key"), credential("passphrase"), ts));
  for (;;) {
    std::string_view reply = co_await ws.read_direct(10s);
    if (reply == "pong") continue;
    boost::system::error_code ec;
    json::value doc = json::parse(reply, ec);
    if (ec || !doc.is_object()) continue;
    const auto& m = doc.get_object();
    const std::string_view event = str_or(m, "event");
    const std::string code = code_of(m);
    if (event == "login") {
      if (code.empty() || code == "0") break;
      throw ws_error(code, str_or(m, "msg"));
    }
    if (event == "error") {
      const ExchangeError e = ws_error(code, str_or(m, "msg"));
      if (e.kind() == ErrorKind::kTimestamp) request_clock_sync();
      throw e;
    }
  }
  // Built outside the co_await: g++ 12 miscompiles initializer lists of temporaries inside one.
  std::vector<std::string> args;
  args.push_back(arg_json("account", "coin", "default"));
  args.push_back(arg_json("orders", "instId", "default"));
  args.push_back(arg_json("fill", "instId", "default"));
  std::string subscribe = op_message("subscribe", args);
  co_await ws.send(std::move(subscribe));
}

void BitgetExchange::on_private_message(std::string_view message) {
  if (message == "pong") return;
  boost::system::error_code ec;
  json::value doc = json::parse(message, ec);
  if (ec || !doc.is_object()) throw std::runtime_error("not JSON");
  const auto& m = doc.get_object();
  if (auto event = str_or(m, "event"); !event.empty()) {
    if (event == "error") {
      spdlog::error("{}: private stream error: {}", name(), ws_error(code_of(m), str_or(m, "msg")).what());
    }
    return;
  }
  auto arg = m.find("arg");
  auto data = m.find("data");
  if (arg == m.end() || !arg->value().is_object() || data == m.end() || !data->value().is_array()) return;
  const std::string_view channel = str_or(arg->value().get_object(), "channel");
  for (const auto& v : data->value().get_array()) {
    if (!v.is_object()) continue;
    if (channel == "orders")
      handle_order_push(v.get_object());
    else if (channel == "fill")
      handle_fill_push(v.get_object());
    else if (channel == "account")
      handle_account_push(v.get_object());
  }
  if (channel == "orders") retry_pending_fills();
}

void BitgetExchange::handle_order_push(const json::object& o) {
  const std::string client_id(str_or(o, "clientOid"));
  const std::string exchange_id(str_or(o, "orderId"));
  InFlightOrder* order = client_id.empty() ? nullptr : tracker().find(client_id);
  if (!order && !exchange_id.empty()) order = tracker().find_by_exchange_id(exchange_id);
  if (!order) return;  // not placed by this connector
  const std::string id = order->client_order_id();
  const TradingPair pair = order->pair();

  // The latest fill rides along; the `fill` channel reports the same trade id, applied once.
  if (auto trade_id = str_or(o, "tradeId"); !trade_id.empty()) {
    TradeUpdate t;
    t.trade_id = std::string(trade_id);
    t.client_order_id = id;
    t.exchange_order_id = exchange_id;
    t.pair = pair;
    t.fill_price = dec_or_zero(o, "fillPrice");
    t.fill_base_amount = dec_or_zero(o, "baseVolume");
    t.fill_quote_amount = t.fill_price.mul(t.fill_base_amount);
    t.fee = fee_of(str_or(o, "fillFeeCoin"), dec_or_zero(o, "fillFee"));
    t.fill_timestamp_ms = int_of(o, "fillTime");
    const std::string_view scope = str_or(o, "tradeScope");
    t.is_maker = scope == "M" || scope == "maker";
    if (t.fill_base_amount.is_positive()) apply_trade_update(t);
  }

  OrderUpdate u;
  u.client_order_id = id;
  u.exchange_order_id = exchange_id;
  u.pair = pair;
  u.new_state = state_of(str_or(o, "status"));
  u.update_timestamp_ms = int_of(o, "uTime");
  u.executed_base = dec(o, "accBaseVolume");
  order = tracker().find(id);
  if (order && u.new_state == OrderState::kCanceled && order->order_type() == OrderType::kLimitMaker &&
      order->state() != OrderState::kPendingCancel && (!u.executed_base || u.executed_base->is_zero())) {
    u.new_state = OrderState::kFailed;
    u.reason =
        "post-only order would have taken liquidity (its price crosses the book), so Bitget cancelled it";
  }
  apply_order_update(u);
}

void BitgetExchange::handle_fill_push(const json::object& f) {
  TradeUpdate t;
  t.trade_id = std::string(str_or(f, "tradeId"));
  t.exchange_order_id = std::string(str_or(f, "orderId"));
  if (t.trade_id.empty() || t.exchange_order_id.empty()) return;
  t.fill_price = dec_or_zero(f, "priceAvg");
  t.fill_base_amount = dec_or_zero(f, "size");
  t.fill_quote_amount = dec(f, "amount").value_or(t.fill_price.mul(t.fill_base_amount));
  auto fd = f.find("feeDetail");
  t.fee = fill_fee(fd == f.end() ? nullptr : &fd->value());
  t.fill_timestamp_ms = int_of(f, "cTime");
  t.is_maker = str_or(f, "tradeScope") == "maker";
  if (const InFlightOrder* order = tracker().find_by_exchange_id(t.exchange_order_id)) {
    t.client_order_id = order->client_order_id();
    t.pair = order->pair();
    apply_trade_update(t);
    return;
  }
  // The fill can beat the place answer that tells us the exchange id: keep it until the order is known.
  if (auto pair = pair_for_symbol(str_or(f, "symbol"))) t.pair = *pair;
  if (pending_fills_.size() >= kMaxPendingFills) pending_fills_.pop_front();
  pending_fills_.push_back(std::move(t));
}

void BitgetExchange::retry_pending_fills() {
  const int64_t now = now_ms();
  for (auto it = pending_fills_.begin(); it != pending_fills_.end();) {
    if (const InFlightOrder* order = tracker().find_by_exchange_id(it->exchange_order_id)) {
      it->client_order_id = order->client_order_id();
      it->pair = order->pair();
      apply_trade_update(*it);
      it = pending_fills_.erase(it);
    } else if (now - it->fill_timestamp_ms > kPendingFillTtlMs) {
      it = pending_fills_.erase(it);  // another client's order on the same account
    } else {
      ++it;
    }
  }
}

void BitgetExchange::handle_account_push(const json::object& a) {
  const std::string coin(str_or(a, "coin"));
  if (coin.empty()) return;
  const Decimal available = dec_or_zero(a, "available");
  set_balance(coin, available + dec_or_zero(a, "frozen") + dec_or_zero(a, "locked"), available);
}

// ---------------------------------------------------------------------------------------------------------------
// Registry

ConnectorInfo spot_connector_info() {
  ConnectorInfo info;
  info.id = "bitget";
  info.perpetual = false;
  info.credentials = {{"api_key", "Enter your Bitget API key"},
                      {"secret_key", "Enter your Bitget secret key"},
                      {"passphrase", "Enter your Bitget passphrase"}};
  info.environments[Environment::kProduction] = {"https://api.bitget.com", "wss://ws.bitget.com/v2/ws/public",
                                                 "wss://ws.bitget.com/v2/ws/private"};
  // Demo trading: same REST host plus the `paptrading: 1` header (added when environment is demo).
  info.environments[Environment::kDemo] = {"https://api.bitget.com", "wss://wspap.bitget.com/v2/ws/public",
                                           "wss://wspap.bitget.com/v2/ws/private"};
  info.factory = [environments = info.environments](
                     asio::any_io_executor ex, const ConnectorConfig& config) -> std::unique_ptr<Connector> {
    Endpoints endpoints;
    if (config.endpoint_override) {
      endpoints = *config.endpoint_override;
    } else if (auto it = environments.find(config.environment); it != environments.end()) {
      endpoints = it->second;
    } else {
      throw std::invalid_argument("bitget has no " + std::string(to_string(config.environment)) +
                                  " environment: give its URLs explicitly");
    }
    return std::make_unique<BitgetExchange>(ex, config, std::move(endpoints));
  };
  return info;
}

void register_connectors(ConnectorRegistry& registry) {
  registry.add(spot_connector_info());
}

}  // namespace nectar::bitget
