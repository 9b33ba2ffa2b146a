#include "nectar/paper/paper_trade.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "nectar/connectors/exchange_base.hpp"
#include "nectar/core/clock.hpp"
#include "nectar/core/contract.hpp"

namespace nectar::paper {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr int64_t kThroughWindowMs = 1500;  // a new trade and the book change it caused may arrive apart
constexpr int64_t kDecreaseKeepMs = 3000;
constexpr int64_t kTradeKeepMs = 3000;  // public trades are weighed at the next match pass; keep a margin
// What the live market's stand-in account holds of every asset: it only ever stands for visible liquidity.
const Decimal kMarketDepth = Decimal::from_int(1'000'000'000'000);

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::map<Decimal, Decimal> snapshot(const OrderBook& book, OrderBook::Side side) {
  std::map<Decimal, Decimal> out;
  book.for_each_top(side, book.count(side), [&](const BookLevel& l) { out[l.price] = l.size; });
  return out;
}

/// Size of the live level at `price` on one side (zero when there is none).
Decimal live_size_at(const OrderBook& book, OrderBook::Side side, Decimal price) {
  for (std::size_t i = 0; i < book.count(side); ++i) {
    const BookLevel& l = book.level(side, i);
    if (l.price == price) return l.size;
    if (side == OrderBook::Side::kBid ? l.price < price : l.price > price) break;
  }
  return Decimal{};
}

std::string exchange_id(sim::OrderId id) {
  return "paper-" + sim::order_id_string(id);
}

sim::EngineConfig engine_config() {
  sim::EngineConfig c;
  c.fee_account = PaperTradeConnector::kFeeAccount;
  c.recent_orders_per_account = 1000;
  c.recent_fills_per_account = 1000;
  c.recent_trades_per_symbol = 100;
  c.clock = [] { return wall_clock_ms(); };
  return c;
}

/// Restores a string member when a scope ends (cancel reasons around engine calls).
class ScopedContext {
 public:
  ScopedContext(std::string& slot, std::string value) : slot_(slot), saved_(std::move(slot)) {
    slot_ = std::move(value);
  }
  ~ScopedContext() { slot_ = std::move(saved_); }
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;

 private:
  std::string& slot_;
  std::string saved_;
};

}  // namespace

std::map<std::string, Decimal> parse_paper_balances(std::string_view text) {
  std::map<std::string, Decimal> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string_view entry = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (entry.empty()) continue;
    const auto colon = entry.find(':');
    if (colon == std::string_view::npos) {
      throw std::invalid_argument("paper balance '" + std::string(entry) + "' is not ASSET:AMOUNT");
    }
    const std::string asset(trim(entry.substr(0, colon)));
    const auto amount = Decimal::try_parse(trim(entry.substr(colon + 1)));
    if (asset.empty() || !amount || amount->is_negative()) {
      throw std::invalid_argument("paper balance '" + std::string(entry) +
                                  "' needs an asset and a non-negative amount");
    }
    out[asset] = *amount;
  }
  return out;
}

std::map<std::string, Decimal> in_exchange_asset_names(
    std::map<std::string, Decimal> balances,
    const std::map<std::string, std::string, std::less<>>& asset_names) {
  for (const auto& [common, own] : asset_names) {
    auto it = balances.find(common);
    if (it == balances.end() || common == own) continue;
    if (balances.count(own)) {
      spdlog::warn("paper balances name both {} and {}: the exchange calls it {}, {} is ignored", common, own,
                   own, common);
    } else {
      balances[own] = it->second;
    }
    balances.erase(it);
  }
  return balances;
}

PaperTradeOptions PaperTradeOptions::from_config(const ConnectorConfig& config) {
  PaperTradeOptions o;
  auto it = config.options.find("paper_balances");
  o.initial_balances = parse_paper_balances(it == config.options.end() ? kDefaultPaperBalances : it->second);
  if (auto m = config.options.find("paper_match_interval_ms"); m != config.options.end()) {
    const int ms = std::stoi(m->second);
    if (ms <= 0) throw std::invalid_argument("paper_match_interval_ms must be positive");
    o.match_interval = std::chrono::milliseconds(ms);
  }
  if (auto t = config.options.find("paper_public_trades"); t != config.options.end()) {
    if (t->second != "true" && t->second != "false")
      throw std::invalid_argument("paper_public_trades must be true or false, not '" + t->second + "'");
    o.public_trades = t->second == "true";
  }
  return o;
}

// ---------------------------------------------------------------------------------------------------------------

PaperTradeConnector::PaperTradeConnector(asio::any_io_executor ex, std::string name,
                                         std::unique_ptr<Connector> market, PaperTradeOptions options)
    : ex_(std::move(ex)),
      name_(std::move(name)),
      market_(std::move(market)),
      options_(std::move(options)),
      engine_(engine_config()),
      tracker_(events_, [] { return wall_clock_ms(); }),
      ids_(ClientOrderIdRules{"ppr", 32, ""}) {
  for (const auto& [asset, amount] : options_.initial_balances)
    engine_.ledger().deposit(kPaperAccount, asset, amount);
  engine_.add_listener(this);
  if (options_.public_trades) {
    if (auto* source = dynamic_cast<ExchangeBase*>(market_.get())) {
      trade_source_ = source;
      trade_listener_id_ =
          source->add_public_trade_listener([this](const PublicTrade& t) { on_market_trade(t); });
    }
  }
}

PaperTradeConnector::~PaperTradeConnector() {
  *alive_ = false;
  if (trade_source_) trade_source_->remove_public_trade_listener(trade_listener_id_);
  engine_.remove_listener(this);
}

int64_t PaperTradeConnector::now_ms() const {
  return wall_clock_ms();
}

void PaperTradeConnector::start() {
  if (started_) return;
  started_ = true;
  stopping_ = false;
  market_->start();
  loop_running_ = true;
  asio::co_spawn(ex_, match_loop(), [alive = std::weak_ptr<bool>(alive_), this](std::exception_ptr e) {
    auto a = alive.lock();
    if (!a || !*a) return;
    loop_running_ = false;
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        spdlog::error("{}: paper matching stopped: {}", name_, x.what());
      }
    }
  });
}

asio::awaitable<void> PaperTradeConnector::stop() {
  if (!started_) co_return;
  stopping_ = true;
  asio::steady_timer timer(ex_);
  for (int i = 0; i < 200 && loop_running_; ++i) {
    timer.expires_after(10ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
  co_await market_->stop();
  started_ = false;
}

ConnectorStatus PaperTradeConnector::status() const {
  const ConnectorStatus m = market_->status();
  ConnectorStatus s;
  s.trading_rules = m.trading_rules;
  s.order_books = m.order_books;
  s.balances = true;
  s.user_stream = true;  // nothing private to stream: fills are local
  s.orders_reconciled = true;
  return s;
}

asio::awaitable<void> PaperTradeConnector::match_loop() {
  asio::steady_timer timer(ex_);
  while (!stopping_) {
    try {
      match_resting_orders();
    } catch (const std::exception& e) {
      spdlog::warn("{}: paper matching failed: {}", name_, e.what());
    }
    timer.expires_after(options_.match_interval);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Balances

Decimal PaperTradeConnector::balance(const std::string& asset) const {
  return engine_.ledger().balance(kPaperAccount, asset).total();
}

Decimal PaperTradeConnector::available_balance(const std::string& asset) const {
  return engine_.ledger().balance(kPaperAccount, asset).available;
}

std::vector<Balance> PaperTradeConnector::balances() const {
  std::vector<Balance> out;
  if (const sim::Account* a = engine_.ledger().account(kPaperAccount)) {
    for (const auto& [asset, b] : a->balances)
      out.push_back(Balance{asset, balance(asset), available_balance(asset)});
  }
  return out;
}

bool PaperTradeConnector::adjust_balance(const std::string& asset, Decimal delta) {
  if (delta.is_negative()) return engine_.ledger().withdraw(kPaperAccount, asset, -delta).ok();
  return engine_.ledger().deposit(kPaperAccount, asset, delta).ok();
}

// ---------------------------------------------------------------------------------------------------------------
// Instruments

sim::Instrument PaperTradeConnector::make_instrument(const TradingRule& rule) const {
  sim::Instrument in;
  in.symbol = rule.exchange_symbol.empty() ? rule.pair.str() : rule.exchange_symbol;
  in.base = rule.pair.base;
  in.quote = rule.pair.quote;
  // Only tick and lot: every counterparty order stands for a live level, which the exchange's own size and
  // notional minimums do not bind; the paper order itself was checked against the whole rule already.
  in.tick = rule.min_price_increment.is_positive() ? rule.min_price_increment : Decimal::from_scaled(1, 8);
  in.lot = rule.min_base_amount_increment.is_positive() ? rule.min_base_amount_increment
                                                        : Decimal::from_scaled(1, 8);
  return in;
}

Decimal engine_qty(const sim::Instrument& in, Decimal base, Decimal price) {
  if (!in.is_perpetual()) return base;
  return contract::to_contracts(in.contract(), base, price, in.lot, Rounding::kDown);
}

Decimal base_qty(const sim::Instrument& in, Decimal qty, Decimal price) {
  if (!in.is_perpetual()) return qty;
  return contract::to_base(in.contract(), qty, price);
}

std::string PaperTradeConnector::prepare_request(const InFlightOrder&, sim::OrderRequest&) const {
  return {};
}

void PaperTradeConnector::on_match_pass(int64_t) {}

int PaperTradeConnector::order_leverage(const TradingPair&) const {
  return 1;
}

const std::string* PaperTradeConnector::symbol_of(const TradingPair& pair) const {
  auto it = symbols_.find(pair);
  return it == symbols_.end() ? nullptr : &it->second;
}

std::optional<TradingPair> PaperTradeConnector::pair_of(std::string_view symbol) const {
  auto it = pairs_by_symbol_.find(symbol);
  if (it == pairs_by_symbol_.end()) return std::nullopt;
  return it->second;
}

const std::string& PaperTradeConnector::ensure_instrument(const TradingPair& pair) {
  if (const std::string* s = symbol_of(pair)) return *s;
  const TradingRule* rule = market_->trading_rule(pair);
  if (!rule) throw std::runtime_error("no trading rule for " + pair.str() + " yet");
  const sim::Instrument in = make_instrument(*rule);
  try {
    engine_.add_instrument(in);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error("paper trading cannot simulate " + pair.str() + ": " + e.what());
  }
  symbols_[pair] = in.symbol;
  pairs_by_symbol_[in.symbol] = pair;
  // The stand-ins of the live market can always deliver what the live book shows.
  for (const auto& asset : {in.base, in.quote, in.settle_asset()}) {
    if (engine_.ledger().balance(kMarketAccount, asset).available < kMarketDepth)
      engine_.ledger().deposit(kMarketAccount, asset, kMarketDepth);
  }
  if (in.is_perpetual() && engine_.ledger().balance(kFeeAccount, in.settle_asset()).available < kMarketDepth)
    engine_.ledger().deposit(kFeeAccount, in.settle_asset(), kMarketDepth);  // insurance fund
  refresh_fee_rates(pair, in.symbol);
  return symbols_[pair];
}

void PaperTradeConnector::refresh_fee_rates(const TradingPair& pair, const std::string& symbol) {
  // The exchange's schedule as the market connector knows it. The engine takes no rebates: clamp at zero.
  auto rate = [&](bool maker) {
    const Decimal r =
        market_->estimate_fee(pair, OrderType::kLimit, TradeType::kBuy, Decimal::one(), Decimal::one(), maker)
            .percent;
    return r.is_negative() ? Decimal{} : r;
  };
  engine_.set_fee_rates(symbol, rate(true), rate(false));
}

// ---------------------------------------------------------------------------------------------------------------
// Orders

std::string PaperTradeConnector::buy(const TradingPair& pair, Decimal amount, OrderType type, Decimal price,
                                     PositionAction action) {
  return place(TradeType::kBuy, pair, amount, type, price, action);
}

std::string PaperTradeConnector::sell(const TradingPair& pair, Decimal amount, OrderType type, Decimal price,
                                      PositionAction action) {
  return place(TradeType::kSell, pair, amount, type, price, action);
}

std::string PaperTradeConnector::place(TradeType side, const TradingPair& pair, Decimal amount,
                                       OrderType type, Decimal price, PositionAction action) {
  std::string id =
      submit_order(*this, ids_, tracker_,
                   OrderIntent{side, pair, amount, type, price, action, order_leverage(pair)}, now_ms())
          .client_order_id();
  // Like a real connector, the outcome arrives after buy()/sell() returned the id.
  asio::post(ex_, [this, id, alive = std::weak_ptr<bool>(alive_)] {
    auto a = alive.lock();
    if (!a || !*a) return;
    try {
      process_new_order(id);
    } catch (const std::exception& e) {
      spdlog::error("{}: paper order {} failed: {}", name_, id, e.what());
      tracker_.process_order_failed(id, std::string("paper trading error: ") + e.what());
    }
  });
  return id;
}

std::string PaperTradeConnector::validate(const InFlightOrder& order) const {
  if (std::string why = check_order_against_rule(order, trading_rule(order.pair()), name_); !why.empty())
    return why;
  if (!market_->order_book(order.pair())) return "no order book for " + order.pair().str() + " yet";
  return {};
}

std::string PaperTradeConnector::refusal(const sim::PlaceResult& r, const InFlightOrder& order,
                                         const std::vector<LevelFill>& levels) const {
  const TradingPair& pair = order.pair();
  const bool buy = order.trade_type() == TradeType::kBuy;
  switch (r.reason) {
    case sim::RejectReason::kInsufficientBalance: {
      // What the engine freezes for a spot order: the quote it can spend (a market buy: the sweep of the
      // live levels it met), or the base it sells.
      const std::string& asset = buy ? pair.quote : pair.base;
      Decimal need = order.amount();
      if (buy && order.order_type() == OrderType::kMarket) {
        need = Decimal{};
        for (const auto& l : levels) need += l.price.mul(l.amount);
      } else if (buy) {
        need = order.price().mul(order.amount());
      }
      return "insufficient balance: the order needs " + need.to_string() + " " + asset + ", available " +
             available_balance(asset).to_string() + " " + asset;
    }
    case sim::RejectReason::kPostOnlyWouldCross:
      return "post-only order rejected: it would match your own resting paper order on the other side (" +
             r.message + ")";
    default:
      return r.message;
  }
}

void PaperTradeConnector::process_new_order(const std::string& id) {
  const InFlightOrder* order = tracker_.find(id);
  if (!order || order->is_done()) return;
  if (std::string reason = validate(*order); !reason.empty()) {
    tracker_.process_order_failed(id, reason);
    return;
  }
  const TradingPair pair = order->pair();
  const std::string symbol = ensure_instrument(pair);
  refresh_fee_rates(pair, symbol);
  // Resting paper orders were there first: they meet the live market before this one does.
  match_resting_orders();
  order = tracker_.find(id);
  if (!order || order->is_done()) return;

  const TradeType side = order->trade_type();
  const OrderType type = order->order_type();
  const Decimal amount = order->amount();
  const Decimal price = order->price();
  const bool buy = side == TradeType::kBuy;

  std::vector<LevelFill> levels;
  if (type == OrderType::kLimitMaker) {
    const auto best = liquidity(pair, side, amount, std::nullopt);
    if (!best.empty() && (buy ? best.front().price <= price : best.front().price >= price)) {
      tracker_.process_order_failed(
          id, "post-only order rejected: it would take liquidity (best " +
                  std::string(buy ? "ask " : "bid ") + best.front().price.to_string() +
                  (buy ? " is at or below " : " is at or above ") + "the price " + price.to_string() + ")");
      return;
    }
  } else {
    std::optional<Decimal> limit;
    if (type != OrderType::kMarket) limit = price;
    levels = liquidity(pair, side, amount, limit);
    if (type == OrderType::kMarket && levels.empty()) {
      tracker_.process_order_failed(id, "no liquidity: the " + pair.str() + (buy ? " ask" : " bid") +
                                            " side of the order book is empty");
      return;
    }
  }

  const sim::Instrument& in = *engine_.instrument(symbol);
  // An inverse contract's count depends on the price: a market order's is the first live level it meets.
  const Decimal qty = engine_qty(in, amount, type == OrderType::kMarket ? levels.front().price : price);
  if (!qty.is_positive()) {
    tracker_.process_order_failed(id, "the amount " + amount.to_string() + " " + pair.base +
                                          " is less than one lot of contracts (contract size " +
                                          in.contract_size.to_string() + ")");
    return;
  }
  sim::OrderRequest rq;
  switch (type) {
    case OrderType::kMarket:
      rq = sim::OrderRequest::market(kPaperAccount, symbol, side, qty, id);
      break;
    case OrderType::kLimitMaker:
      rq = sim::OrderRequest::post_only(kPaperAccount, symbol, side, price, qty, id);
      break;
    default:
      rq = sim::OrderRequest::limit(kPaperAccount, symbol, side, price, qty, sim::TimeInForce::kGtc, id);
      break;
  }
  if (std::string why = prepare_request(*order, rq); !why.empty()) {
    tracker_.process_order_failed(id, why);
    return;
  }

  // The live levels this order meets become counterparty orders for the time of this placement, so that the
  // engine's own matching (and its margin check of what the order would take) sees exactly them.
  post_liquidity(symbol, pair, side, levels);
  const sim::PlaceResult r = engine_.place(rq);
  engine_.cancel_all(kMarketAccount, symbol);
  posted_.clear();
  if (!r.ok()) {
    order = tracker_.find(id);
    if (order) tracker_.process_order_failed(id, refusal(r, *order, levels));
    return;
  }
  if (r.status == sim::OrderStatus::kNew || r.status == sim::OrderStatus::kPartiallyFilled) {
    Resting rest{id, r.order_id, pair, side, price, Decimal{}, trade_seq_};
    if (const OrderBook* book = market_->order_book(pair))
      rest.queue_ahead = live_size_at(*book, buy ? OrderBook::Side::kBid : OrderBook::Side::kAsk, price);
    resting_[id] = std::move(rest);
  }
}

void PaperTradeConnector::post_liquidity(const std::string& symbol, const TradingPair& pair,
                                         TradeType taker_side, const std::vector<LevelFill>& levels) {
  const sim::Instrument* in = engine_.instrument(symbol);
  for (const auto& l : levels) {
    const Decimal qty = engine_qty(*in, l.amount, l.price).quantize(in->lot, Rounding::kDown);
    if (!qty.is_positive()) continue;
    posting_ = Posted{pair, taker_side == TradeType::kBuy, l.price, l.live_size};
    const auto r =
        engine_.place(sim::OrderRequest::limit(kMarketAccount, symbol, opposite(taker_side), l.price, qty));
    posting_.reset();
    if (!r.ok())
      spdlog::debug("{}: live level {} {} not simulated: {}", name_, l.price.to_string(), qty.to_string(),
                    r.message);
  }
}

void PaperTradeConnector::fill_resting(const Resting& r, Decimal amount) {
  const std::string* symbol = symbol_of(r.pair);
  if (!symbol) return;
  const sim::Instrument& in = *engine_.instrument(*symbol);
  const Decimal qty = engine_qty(in, amount, r.price).quantize(in.lot, Rounding::kDown);
  if (!qty.is_positive()) return;
  ScopedContext why(cancel_context_, "cancelled: nothing is left to close (the position is gone)");
  const auto res = engine_.place(sim::OrderRequest::limit(kMarketAccount, *symbol, opposite(r.side), r.price,
                                                          qty, sim::TimeInForce::kIoc));
  if (!res.ok()) spdlog::warn("{}: paper fill of {} failed: {}", name_, r.client_order_id, res.message);
}

void PaperTradeConnector::finish_cancelled(const std::string& client_order_id, const std::string& reason) {
  const InFlightOrder* o = tracker_.find(client_order_id);
  if (!o || o->is_done()) return;
  OrderUpdate u;
  u.client_order_id = client_order_id;
  u.exchange_order_id = o->exchange_order_id();
  u.pair = o->pair();
  u.new_state = OrderState::kCanceled;
  u.update_timestamp_ms = now_ms();
  u.reason = reason;
  tracker_.process_order_update(u);
}

void PaperTradeConnector::cancel(const TradingPair& pair, const std::string& client_order_id) {
  const InFlightOrder* o = tracker_.find(client_order_id);
  if (!o || o->is_done() || o->pair() != pair) return;
  auto it = resting_.find(client_order_id);
  if (it == resting_.end()) {
    // Still being placed (the post is queued): cancel once it rests.
    asio::post(ex_, [this, pair, client_order_id, alive = std::weak_ptr<bool>(alive_)] {
      auto a = alive.lock();
      if (a && *a && resting_.count(client_order_id)) cancel(pair, client_order_id);
    });
    return;
  }
  ScopedContext why(cancel_context_, "cancelled");
  const auto r = engine_.cancel(kPaperAccount, it->second.engine_id);
  if (!r.ok()) spdlog::warn("{}: paper cancel of {} failed: {}", name_, client_order_id, r.message);
}

asio::awaitable<std::vector<CancellationResult>> PaperTradeConnector::cancel_all(
    std::chrono::milliseconds timeout) {
  co_return co_await cancel_all_tracked(*this, tracker_, timeout, 10ms);
}

// ---------------------------------------------------------------------------------------------------------------
// Engine events: the paper account's orders, fills and balances become connector events.

void PaperTradeConnector::on_order_accepted(const sim::Order& o) {
  if (o.account == kMarketAccount && posting_) {
    posted_[o.id] = *posting_;
    return;
  }
  if (o.account != kPaperAccount) return;
  tracker_.process_order_created(o.client_id, exchange_id(o.id), now_ms());
}

void PaperTradeConnector::on_fill(const sim::Fill& f, const sim::Order& maker, const sim::Order& taker) {
  const auto pair = pair_of(f.symbol);
  if (!pair) return;
  const sim::Instrument* in = engine_.instrument(f.symbol);
  const Decimal base = base_qty(*in, f.qty, f.price);
  // Live liquidity a paper order used is remembered until its level changes.
  for (const sim::Order* o : {&maker, &taker}) {
    if (o->account != kMarketAccount) continue;
    if (auto it = posted_.find(o->id); it != posted_.end()) {
      PairState& st = pairs_[*pair];
      consume(it->second.ask ? st.used_asks : st.used_bids, it->second.price, it->second.live_size, base);
    }
  }
  const bool self_trade = maker.account == kPaperAccount && taker.account == kPaperAccount;
  for (const sim::Order* o : {&maker, &taker}) {
    if (o->account != kPaperAccount) continue;
    const bool is_maker = o == &maker;
    TradeUpdate t;
    // A self-trade fills two paper orders with one engine trade: the maker side gets its own id.
    t.trade_id = "paper-t" + std::to_string(f.trade_id) + (self_trade && is_maker ? "m" : "");
    t.client_order_id = o->client_id;
    t.exchange_order_id = exchange_id(o->id);
    t.pair = *pair;
    t.fill_price = f.price;
    t.fill_base_amount = base;
    t.fill_quote_amount = in->is_perpetual() ? base.mul(f.price) : f.quote_qty;
    t.fee.percent = is_maker ? in->maker_fee_rate : in->taker_fee_rate;
    t.fee.percent_token = is_maker ? f.maker_fee_asset : f.taker_fee_asset;
    t.fill_timestamp_ms = f.ts_ms;
    t.is_maker = is_maker;
    tracker_.process_trade_update(t);
  }
}

void PaperTradeConnector::on_order_done(const sim::Order& o) {
  if (o.account == kMarketAccount) {
    posted_.erase(o.id);
    return;
  }
  if (o.account != kPaperAccount) return;
  resting_.erase(o.client_id);
  if (o.status != sim::OrderStatus::kCancelled && o.status != sim::OrderStatus::kExpired) return;
  std::string reason;
  if (o.kind == sim::OrderKind::kMarket) {
    const auto pair = pair_of(o.symbol);
    const sim::Instrument* in = engine_.instrument(o.symbol);
    const bool in_contracts =
        in && in->is_perpetual() && (in->is_inverse() || in->contract_size != Decimal::one());
    reason = "the order book was too thin: filled " + o.filled_qty.to_string() + " of " +
             o.quantity.to_string() + " " +
             (in_contracts ? std::string("contracts")
              : pair       ? pair->base
                           : o.symbol) +
             ", the rest is cancelled";
  } else if (!cancel_context_.empty()) {
    reason = cancel_context_;
  } else {
    reason = "cancelled by the paper exchange";
  }
  finish_cancelled(o.client_id, reason);
}

void PaperTradeConnector::on_balance(const sim::BalanceChange& c) {
  if (c.account != kPaperAccount) return;
  events_.publish(BalanceUpdateEvent{now_ms(), c.asset, balance(c.asset), available_balance(c.asset)});
}

// ---------------------------------------------------------------------------------------------------------------
// Live liquidity and what paper fills used of it

Decimal PaperTradeConnector::unused(std::map<Decimal, Used>& used, Decimal price, Decimal size) const {
  auto it = used.find(price);
  if (it == used.end()) return size;
  if (it->second.seen_size != size) {  // the live level changed: the exchange's book moved on
    used.erase(it);
    return size;
  }
  return size > it->second.used ? size - it->second.used : Decimal{};
}

void PaperTradeConnector::consume(std::map<Decimal, Used>& used, Decimal price, Decimal size,
                                  Decimal amount) {
  Used& u = used[price];
  if (u.seen_size != size) u = Used{size, Decimal{}};
  u.used += amount;
}

std::vector<PaperTradeConnector::LevelFill> PaperTradeConnector::liquidity(const TradingPair& pair,
                                                                           TradeType side, Decimal amount,
                                                                           std::optional<Decimal> limit) {
  std::vector<LevelFill> out;
  const OrderBook* book = market_->order_book(pair);
  if (!book) return out;
  PairState& st = pairs_[pair];
  const bool buy = side == TradeType::kBuy;
  auto& used = buy ? st.used_asks : st.used_bids;
  const OrderBook::Side book_side = buy ? OrderBook::Side::kAsk : OrderBook::Side::kBid;
  std::vector<std::pair<Decimal, Decimal>> levels;
  book->for_each_top(book_side, book->count(book_side),
                     [&](const BookLevel& l) { levels.emplace_back(l.price, l.size); });
  Decimal remaining = amount;
  for (const auto& [price, size] : levels) {
    if (!remaining.is_positive()) break;
    if (limit && (buy ? price > *limit : price < *limit)) break;
    const Decimal avail = unused(used, price, size);
    if (!avail.is_positive()) continue;
    const Decimal q = Decimal::min(avail, remaining);
    out.push_back({price, q, size});
    remaining -= q;
  }
  // Leave stale entries of vanished levels out of the overlay.
  if (used.size() > 4 * levels.size() + 64) {
    for (auto it = used.begin(); it != used.end();) {
      const bool live =
          std::any_of(levels.begin(), levels.end(), [&](const auto& l) { return l.first == it->first; });
      it = live ? std::next(it) : used.erase(it);
    }
  }
  return out;
}

std::vector<PaperTradeConnector::LevelFill> PaperTradeConnector::take(const TradingPair& pair, TradeType side,
                                                                      Decimal amount,
                                                                      std::optional<Decimal> limit) {
  auto out = liquidity(pair, side, amount, limit);
  PairState& st = pairs_[pair];
  auto& used = side == TradeType::kBuy ? st.used_asks : st.used_bids;
  for (const auto& l : out) consume(used, l.price, l.live_size, l.amount);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Resting orders against the live market

void PaperTradeConnector::on_market_trade(const PublicTrade& t) {
  if (!t.amount.is_positive()) return;
  PairState& st = pairs_[t.pair];
  st.trades.push_back(SeenTrade{++trade_seq_, now_ms(), t.price, t.amount, t.amount, t.taker_side});
}

void PaperTradeConnector::observe_market(const TradingPair& pair, PairState& st, int64_t now) {
  const OrderBook* book = market_->order_book(pair);
  if (!book) return;
  const bool first = !st.have_last_book;
  auto bids = snapshot(*book, OrderBook::Side::kBid);
  auto asks = snapshot(*book, OrderBook::Side::kAsk);
  if (st.have_last_book) {
    auto diff = [&](const std::map<Decimal, Decimal>& before, const std::map<Decimal, Decimal>& after,
                    bool bid) {
      for (const auto& [price, size] : before) {
        auto it = after.find(price);
        const Decimal now_size = it == after.end() ? Decimal{} : it->second;
        if (now_size < size) st.decreases.push_back(Decrease{now, bid, price, size - now_size});
      }
    };
    diff(st.last_bids, bids, true);
    diff(st.last_asks, asks, false);
  }
  st.last_bids = std::move(bids);
  st.last_asks = std::move(asks);
  st.have_last_book = true;
  std::erase_if(st.decreases, [&](const Decrease& d) {
    return now - d.ts_ms > kDecreaseKeepMs || !d.amount.is_positive();
  });

  const auto trade = market_->last_trade_price(pair);
  if (trade && !first && trade != st.last_trade) {
    st.through = trade;
    st.through_until_ms = now + kThroughWindowMs;
  }
  st.last_trade = trade;
  if (st.through && now > st.through_until_ms) st.through.reset();
}

Decimal PaperTradeConnector::traded_through(Resting& r, PairState& st, Decimal want) {
  const bool buy = r.side == TradeType::kBuy;
  Decimal got;
  for (auto& t : st.trades) {
    if (got >= want) break;
    if (t.seq <= r.trades_seen) continue;
    r.trades_seen = t.seq;
    // A resting buy meets sellers (taker sell trades), a resting sell meets buyers.
    if (t.taker_side == r.side) continue;
    Decimal avail;
    if (buy ? t.price < r.price : t.price > r.price) {
      // Beyond our price: the taker went through our level, so this volume would have met us first.
      avail = t.left;
    } else if (t.price == r.price) {
      // At our price: the live volume that was there before us trades first.
      const Decimal ahead = Decimal::min(t.size, r.queue_ahead);
      r.queue_ahead -= ahead;
      avail = Decimal::min(t.size - ahead, t.left);
    }
    const Decimal q = Decimal::min(avail, want - got);
    t.left -= q;
    got += q;
  }
  return got;
}

Decimal PaperTradeConnector::swept_through(const Resting& r, PairState& st, Decimal want) {
  const bool buy = r.side == TradeType::kBuy;
  Decimal got;
  if (!st.through || (buy ? *st.through >= r.price : *st.through <= r.price)) return got;
  for (auto& d : st.decreases) {
    if (got >= want) break;
    if (d.bid != buy || !d.amount.is_positive()) continue;
    // Levels strictly beyond our price (levels at it were ahead of us in the queue). The trade's own price
    // does not bound the range: one push may carry several trades and only one price is kept.
    if (buy ? d.price >= r.price : d.price <= r.price) continue;
    const Decimal q = Decimal::min(d.amount, want - got);
    d.amount -= q;
    got += q;
  }
  return got;
}

void PaperTradeConnector::match_resting_orders() {
  const int64_t now = now_ms();
  on_match_pass(now);
  for (const auto& pair : trading_pairs()) {
    PairState& st = pairs_[pair];
    if (!trade_source_) observe_market(pair, st, now);
    while (!st.trades.empty() && now - st.trades.front().received_ms > kTradeKeepMs) st.trades.pop_front();
  }
  if (resting_.empty()) return;

  // Best-priced orders first (then the oldest): they are ahead in the queue for the same flow, and it is the
  // order in which the engine matches the counterparty's IOC orders.
  std::vector<std::string> order_ids;
  for (const auto& [id, r] : resting_) order_ids.push_back(id);
  std::sort(order_ids.begin(), order_ids.end(), [&](const std::string& a, const std::string& b) {
    const Resting& x = resting_.at(a);
    const Resting& y = resting_.at(b);
    if (x.side != y.side) return x.side < y.side;
    if (x.price != y.price) return x.side == TradeType::kBuy ? x.price > y.price : x.price < y.price;
    return x.engine_id < y.engine_id;
  });

  for (const auto& id : order_ids) {
    auto it = resting_.find(id);
    if (it == resting_.end()) continue;
    Resting& r = it->second;
    const InFlightOrder* o = tracker_.find(id);
    if (!o || o->is_done()) {
      resting_.erase(it);
      continue;
    }
    PairState& st = pairs_[r.pair];
    const Decimal remaining = o->remaining_base();

    // (a) The opposite side moved through the price: the incoming orders meet ours at our price (maker).
    Decimal from_book;
    for (const auto& f : take(r.pair, r.side, remaining, r.price)) from_book += f.amount;
    // (b) The market traded through the price.
    const Decimal want = remaining - from_book;
    Decimal from_trades;
    if (want.is_positive())
      from_trades = trade_source_ ? traded_through(r, st, want) : swept_through(r, st, want);
    const Decimal fill = from_book + from_trades;
    if (!fill.is_positive()) continue;
    const Resting copy = r;  // the fill may finish the order and erase its entry
    fill_resting(copy, fill);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Registry

void register_paper_connectors(ConnectorRegistry& registry) {
  for (const auto& id : registry.ids()) {
    if (id.ends_with(kPaperSuffix)) continue;
    const ConnectorInfo* real = registry.find(id);
    if (!real) continue;
    ConnectorInfo info;
    info.id = id + std::string(kPaperSuffix);
    info.perpetual = real->perpetual;
    info.environments = real->environments;
    info.asset_names = real->asset_names;
    auto real_factory = real->factory;
    info.factory = [real_id = id, paper_id = info.id, real_factory, asset_names = real->asset_names](
                       asio::any_io_executor ex, const ConnectorConfig& config) {
      ConnectorConfig market_config = config;
      market_config.id = real_id;
      market_config.track_user_stream = false;
      market_config.credentials.clear();
      auto options = PaperTradeOptions::from_config(config);
      options.initial_balances = in_exchange_asset_names(std::move(options.initial_balances), asset_names);
      auto market = real_factory(ex, market_config);
      if (dynamic_cast<PerpetualConnector*>(market.get())) {
        return std::unique_ptr<Connector>(std::make_unique<PerpetualPaperTradeConnector>(
            ex, paper_id, std::move(market), std::move(options)));
      }
      return std::unique_ptr<Connector>(
          std::make_unique<PaperTradeConnector>(ex, paper_id, std::move(market), std::move(options)));
    };
    registry.add(std::move(info));
  }
}

}  // namespace nectar::paper
