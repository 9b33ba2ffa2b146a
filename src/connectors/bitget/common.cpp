#include "nectar/connectors/bitget/common.hpp"

#include <spdlog/spdlog.h>
#include <chrono>

#include "json_util.hpp"
#include "nectar/connectors/bitget/auth.hpp"
#include "nectar/connectors/bitget/book_parser.hpp"
#include "nectar/connectors/order_lifecycle.hpp"
#include "nectar/connectors/perpetual_base.hpp"
#include "nectar/net/managed_websocket.hpp"

namespace nectar::bitget {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr int kMaxRateLimitRetries = 8;

/// A data push of a stream: {"action", "arg":{"channel","instId"}, "data":[...]}.
struct Push {
  std::string_view channel;
  std::string_view inst_id;
  std::string_view action;
  const json::array* data = nullptr;
};

/// Parses a frame into `doc`; events (subscribe acks, errors, which are logged) and frames without arg/data
/// give nullopt. Throws std::runtime_error when the frame is not JSON.
std::optional<Push> read_push(std::string_view message, json::value& doc, const std::string& connector,
                              std::string_view stream) {
  boost::system::error_code ec;
  doc = nectar::json::parse_exact(message, ec);
  if (ec || !doc.is_object()) throw std::runtime_error("not JSON");
  const auto& m = doc.get_object();
  if (auto event = str_or(m, "event"); !event.empty()) {
    if (event == "error")
      spdlog::error("{}: {} stream error: {}", connector, stream,
                    ws_error(code_of(m), str_or(m, "msg")).what());
    return std::nullopt;
  }
  auto arg = m.find("arg");
  auto data = m.find("data");
  if (arg == m.end() || !arg->value().is_object() || data == m.end() || !data->value().is_array())
    return std::nullopt;
  const auto& a = arg->value().get_object();
  return Push{str_or(a, "channel"), str_or(a, "instId"), str_or(m, "action"), &data->value().get_array()};
}

}  // namespace

std::vector<net::RateLimit> rate_limits() {
  using limits::kAssets, limits::kCancel, limits::kFills, limits::kOrderInfo, limits::kPlace, limits::kPublic,
      limits::kSettings;
  return {
      {std::string(kPublic), 20, 1000ms, 1, {}},    {std::string(kPlace), 10, 1000ms, 1, {}},
      {std::string(kCancel), 10, 1000ms, 1, {}},    {std::string(kAssets), 10, 1000ms, 1, {}},
      {std::string(kOrderInfo), 20, 1000ms, 1, {}}, {std::string(kFills), 10, 1000ms, 1, {}},
      {std::string(kSettings), 5, 1000ms, 1, {}},
  };
}

ConnectorInfo connector_info(std::string id, bool perpetual, const std::string& product) {
  ConnectorInfo info;
  info.id = std::move(id);
  info.perpetual = perpetual;
  info.credentials = {{"api_key", "Enter your " + product + " API key"},
                      {"secret_key", "Enter your " + product + " secret key"},
                      {"passphrase", "Enter your " + product + " passphrase"}};
  info.environments[Environment::kProduction] = {"https://api.bitget.com", "wss://ws.bitget.com/v2/ws/public",
                                                 "wss://ws.bitget.com/v2/ws/private"};
  // Demo trading: same REST host plus the `paptrading: 1` header (added when environment is demo).
  info.environments[Environment::kDemo] = {"https://api.bitget.com", "wss://wspap.bitget.com/v2/ws/public",
                                           "wss://wspap.bitget.com/v2/ws/private"};
  return info;
}

template <class Base>
struct BitgetCommon<Base>::Books final : BookResolver {
  explicit Books(BitgetCommon& exchange) : self(exchange) {}
  OrderBook* book(std::string_view inst_id) override { return self.book_for_symbol(inst_id); }
  BitgetCommon& self;
};

template <class Base>
BitgetCommon<Base>::BitgetCommon(asio::any_io_executor ex, ConnectorConfig config, Endpoints endpoints,
                                 std::string inst_type)
    : Base(ex, std::move(config), std::move(endpoints), rate_limits()),
      inst_type_(std::move(inst_type)),
      demo_(this->config().environment == Environment::kDemo),
      book_parser_(std::make_unique<BookParser>()),
      books_resolver_(std::make_unique<Books>(*this)) {}

template <class Base>
BitgetCommon<Base>::~BitgetCommon() = default;

template <class Base>
ClientOrderIdRules BitgetCommon<Base>::client_order_id_rules() const {
  // Bitget documents no limit; 40 plain characters stay well inside what is known to work (50+).
  return ClientOrderIdRules{"nct", 40, ""};
}

// ---------------------------------------------------------------------------------------------------------------
// REST plumbing

template <class Base>
void BitgetCommon<Base>::authorize_request(net::HttpRequest& req, const RestCall& call) const {
  if (call.auth == RestAuth::kPublic) {
    req.headers = {{"locale", "en-US"}};
    // Demo trading: every call but the server time carries `paptrading: 1`.
    if (demo_ && call.path != "/api/v2/public/time") req.headers.emplace_back("paptrading", "1");
    return;
  }
  req.headers = auth_headers(this->credential("api_key"), this->credential("secret_key"),
                             this->credential("passphrase"), std::to_string(this->now_ms()), call.method,
                             call.path, call.query, call.body, demo_);
}

template <class Base>
asio::awaitable<json::value> BitgetCommon<Base>::call(RestCall call, std::string_view context) {
  json::value data;
  ExchangeBase::ResponseCheck check = [this, context, &data](const net::HttpResponse& resp) {
    try {
      data = unwrap(resp, context);
    } catch (const ExchangeError& e) {
      if (e.kind() == ErrorKind::kTimestamp) this->request_clock_sync();
      throw;
    }
  };
  (void)co_await this->rest(std::move(call), std::move(check));
  co_return data;
}

template <class Base>
asio::awaitable<json::value> BitgetCommon<Base>::public_get(std::string path, std::string query,
                                                            std::string_view limit,
                                                            std::string_view context) {
  RestCall c;
  c.path = std::move(path);
  c.query = std::move(query);
  c.limit = limit;
  co_return co_await call(std::move(c), context);
}

template <class Base>
asio::awaitable<json::value> BitgetCommon<Base>::private_request(std::string method, std::string path,
                                                                 std::string query, std::string body,
                                                                 std::string_view limit,
                                                                 std::string_view context) {
  RestCall c;
  c.method = std::move(method);
  c.path = std::move(path);
  c.query = std::move(query);
  c.body = std::move(body);
  c.auth = RestAuth::kSigned;
  c.limit = limit;
  c.max_rate_limit_retries = kMaxRateLimitRetries;
  co_return co_await call(std::move(c), context);
}

template <class Base>
asio::awaitable<std::optional<int64_t>> BitgetCommon<Base>::fetch_server_time_ms() {
  json::value data = co_await public_get("/api/v2/public/time", "", limits::kPublic, "server time");
  const int64_t t = int_of(as_object(data, "server time"), "serverTime");
  if (t <= 0) throw ExchangeError(ErrorKind::kBadResponse, "", "bitget: server time missing");
  co_return t;
}

// ---------------------------------------------------------------------------------------------------------------
// Public stream

template <class Base>
std::vector<std::string> BitgetCommon<Base>::public_subscriptions(const std::vector<TradingPair>& pairs) {
  std::vector<std::string> channels = {"books", "trade"};
  for (auto& c : extra_public_channels()) channels.push_back(std::move(c));
  std::vector<std::string> args;
  for (const auto& pair : pairs) {
    const std::string symbol = this->symbol_for_pair(pair);
    if (symbol.empty()) continue;  // rules_loop reports pairs the exchange does not list
    for (const auto& c : channels) args.push_back(arg_json(inst_type_, c, "instId", symbol));
  }
  // One frame's args must stay under 4096 bytes: 30 args of ~70 bytes each.
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); i += 30) {
    const auto first = args.begin() + static_cast<std::ptrdiff_t>(i);
    const auto last = args.begin() + static_cast<std::ptrdiff_t>(std::min(i + 30, args.size()));
    out.push_back(op_message("subscribe", std::vector<std::string>(first, last)));
  }
  return out;
}

template <class Base>
std::vector<std::string> BitgetCommon<Base>::book_resync_messages(const TradingPair& pair) {
  const std::string arg = arg_json(inst_type_, "books", "instId", this->symbol_for_pair(pair));
  return {op_message("unsubscribe", {arg}), op_message("subscribe", {arg})};
}

template <class Base>
void BitgetCommon<Base>::on_public_message(std::string_view message) {
  if (message == "pong") return;
  // Frames from the stream carry simdjson padding (net::kReadPadding).
  const BookOutcome outcome = book_parser_->apply(message, true, *books_resolver_);
  switch (outcome) {
    case BookOutcome::kUpdate:
    case BookOutcome::kUnknownBook:
      return;
    case BookOutcome::kSnapshot:
      if (auto pair = this->pair_for_symbol(book_parser_->last_inst_id())) this->mark_book_synced(*pair);
      return;
    case BookOutcome::kSeqGap:
    case BookOutcome::kChecksumMismatch:
      if (auto pair = this->pair_for_symbol(book_parser_->last_inst_id()))
        this->request_book_resync(*pair, book_parser_->last_error());
      return;
    case BookOutcome::kMalformed:
      throw std::runtime_error("malformed books message: " + book_parser_->last_error());
    case BookOutcome::kNotBooks:
      break;
  }
  json::value doc;
  const auto push = read_push(message, doc, this->name(), "public");
  if (!push) return;
  const auto& [channel, inst_id, action, data] = *push;
  if (channel != "trade") {
    on_channel_push(channel, inst_id, action, *data);
    return;
  }
  auto pair = this->pair_for_symbol(inst_id);
  if (!pair) return;
  // The push after subscribing ("snapshot") lists recent trades: history for the last price, not news for
  // the trade listeners.
  std::vector<PublicTrade> trades;
  for (const auto& v : *data)
    if (v.is_object())
      if (auto t = public_trade_of(v.get_object(), *pair)) trades.push_back(std::move(*t));
  this->report_public_trades(*pair, std::move(trades), action == "snapshot");
}

// ---------------------------------------------------------------------------------------------------------------
// Private stream

template <class Base>
asio::awaitable<void> BitgetCommon<Base>::open_private_stream(net::ManagedWebSocket& ws) {
  const std::string ts = std::to_string(this->now_ms() / 1000);
  std::string login = ws_login_message(this->credential("api_key"), this->credential("secret_key"),
                                       this->credential("passphrase"), ts);
  co_await ws.send(std::move(login));
  for (;;) {
    std::string_view reply = co_await ws.read_direct(10s);
    if (reply == "pong") continue;
    boost::system::error_code ec;
    json::value doc = nectar::json::parse_exact(reply, ec);
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
      if (e.kind() == ErrorKind::kTimestamp) this->request_clock_sync();
      throw e;
    }
  }
  // Account-wide channels: `coin` for account, `instId` for the rest (both accepted by Bitget).
  std::vector<std::string> args;
  args.push_back(arg_json(inst_type_, "orders", "instId", "default"));
  args.push_back(arg_json(inst_type_, "fill", "instId", "default"));
  for (const auto& c : extra_private_channels())
    args.push_back(arg_json(inst_type_, c, c == "account" ? "coin" : "instId", "default"));
  std::string subscribe = op_message("subscribe", args);
  co_await ws.send(std::move(subscribe));
}

template <class Base>
void BitgetCommon<Base>::on_private_message(std::string_view message) {
  if (message == "pong") return;
  json::value doc;
  const auto push = read_push(message, doc, this->name(), "private");
  if (!push) return;
  const auto& [channel, inst_id, action, data] = *push;
  if (channel == "orders" || channel == "fill") {
    for (const auto& v : *data) {
      if (!v.is_object()) continue;
      if (channel == "orders") {
        handle_order_push(v.get_object());
      } else {
        handle_fill_push(v.get_object());
      }
    }
    return;
  }
  on_channel_push(channel, inst_id, action, *data);
}

template <class Base>
void BitgetCommon<Base>::handle_order_push(const json::object& o) {
  const std::string client_id(str_or(o, "clientOid"));
  const std::string exchange_id(str_or(o, "orderId"));
  InFlightOrder* order = this->find_order_for_push(client_id, exchange_id);
  if (!order) {
    on_foreign_order_push(o);
    return;
  }
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
    if (t.fill_base_amount.is_positive()) this->apply_trade_update(t);
  }

  OrderUpdate u;
  u.client_order_id = id;
  u.exchange_order_id = exchange_id;
  u.pair = pair;
  u.new_state = state_of(str_or(o, "status"));
  u.update_timestamp_ms = int_of(o, "uTime");
  u.executed_base = dec(o, "accBaseVolume");
  if ((order = this->tracker().find(id))) fail_crossed_post_only(*order, u, "Bitget");
  this->apply_order_update(u);
  after_order_push(o);
}

template <class Base>
void BitgetCommon<Base>::handle_fill_push(const json::object& f) {
  TradeUpdate t = trade_of(f);
  if (t.trade_id.empty() || t.exchange_order_id.empty()) return;
  if (auto pair = this->pair_for_symbol(str_or(f, "symbol"))) t.pair = *pair;
  this->deliver_fill(std::move(t));
}

template class BitgetCommon<ExchangeBase>;
template class BitgetCommon<PerpetualExchangeBase>;

}  // namespace nectar::bitget
