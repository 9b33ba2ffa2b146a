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

#include "nectar/core/clock.hpp"

namespace nectar::paper {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr sim::AccountId kFeeAccount = 1;     // exchange revenue
constexpr sim::AccountId kPaperAccount = 2;   // the user's paper funds
constexpr sim::AccountId kMarketAccount = 3;  // the live market as counterparty (receives what we pay)
constexpr int64_t kThroughWindowMs = 1500;    // a new trade and the book change it caused may arrive apart
constexpr int64_t kDecreaseKeepMs = 3000;

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

PaperTradeOptions PaperTradeOptions::from_config(const ConnectorConfig& config) {
  PaperTradeOptions o;
  auto it = config.options.find("paper_balances");
  o.initial_balances = parse_paper_balances(it == config.options.end() ? kDefaultPaperBalances : it->second);
  if (auto m = config.options.find("paper_match_interval_ms"); m != config.options.end()) {
    const int ms = std::stoi(m->second);
    if (ms <= 0) throw std::invalid_argument("paper_match_interval_ms must be positive");
    o.match_interval = std::chrono::milliseconds(ms);
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
      tracker_(events_, [] { return wall_clock_ms(); }),
      ids_(ClientOrderIdRules{"ppr", 32, ""}) {
  for (const auto& [asset, amount] : options_.initial_balances) ledger_.deposit(kPaperAccount, asset, amount);
  ledger_.set_listener([this](const sim::BalanceChange& c) {
    if (c.account != kPaperAccount) return;
    events_.publish(BalanceUpdateEvent{now_ms(), c.asset, c.total(), c.available});
  });
}

PaperTradeConnector::~PaperTradeConnector() {
  *alive_ = false;
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
  return ledger_.balance(kPaperAccount, asset).total();
}

Decimal PaperTradeConnector::available_balance(const std::string& asset) const {
  return ledger_.balance(kPaperAccount, asset).available;
}

std::vector<Balance> PaperTradeConnector::balances() const {
  std::vector<Balance> out;
  if (const sim::Account* a = ledger_.account(kPaperAccount)) {
    for (const auto& [asset, b] : a->balances) out.push_back(Balance{asset, b.total(), b.available});
  }
  return out;
}

bool PaperTradeConnector::adjust_balance(const std::string& asset, Decimal delta) {
  if (delta.is_negative()) return ledger_.withdraw(kPaperAccount, asset, delta.abs()).ok();
  return ledger_.deposit(kPaperAccount, asset, delta).ok();
}

// ---------------------------------------------------------------------------------------------------------------
// Orders

std::string PaperTradeConnector::buy(const TradingPair& pair, Decimal amount, OrderType type, Decimal price,
                                     PositionAction) {
  return place(TradeType::kBuy, pair, amount, type, price);
}

std::string PaperTradeConnector::sell(const TradingPair& pair, Decimal amount, OrderType type, Decimal price,
                                      PositionAction) {
  return place(TradeType::kSell, pair, amount, type, price);
}

std::string PaperTradeConnector::place(TradeType side, const TradingPair& pair, Decimal amount,
                                       OrderType type, Decimal price) {
  const std::string id = ids_.next(side, pair, wall_clock_us());
  const Decimal q_amount = quantize_order_amount(pair, amount);
  const Decimal q_price = type == OrderType::kMarket ? Decimal{} : quantize_order_price(pair, price);
  const InFlightOrder& order =
      tracker_.start_tracking(InFlightOrder(id, pair, type, side, q_amount, q_price, now_ms()));
  events_.publish(OrderSubmittedEvent{order.creation_timestamp_ms(), id, pair, type, side, q_amount, q_price,
                                      PositionAction::kNil, 1});
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

std::vector<PaperTradeConnector::LevelFill> PaperTradeConnector::take(const TradingPair& pair, TradeType side,
                                                                      Decimal amount,
                                                                      std::optional<Decimal> limit) {
  std::vector<LevelFill> out;
  const OrderBook* book = market_->order_book(pair);
  if (!book) return out;
  PairState& st = pairs_[pair];
  const bool buy = side == TradeType::kBuy;
  auto& used = buy ? st.used_asks : st.used_bids;
  const OrderBook::Side book_side = buy ? OrderBook::Side::kAsk : OrderBook::Side::kBid;
  Decimal remaining = amount;
  // Copy the levels first: consume() only touches our overlay, but keep the walk independent of it.
  std::vector<std::pair<Decimal, Decimal>> levels;
  book->for_each_top(book_side, book->count(book_side),
                     [&](const BookLevel& l) { levels.emplace_back(l.price, l.size); });
  for (const auto& [price, size] : levels) {
    if (!remaining.is_positive()) break;
    if (limit && (buy ? price > *limit : price < *limit)) break;
    const Decimal avail = unused(used, price, size);
    if (!avail.is_positive()) continue;
    const Decimal q = Decimal::min(avail, remaining);
    consume(used, price, size, q);
    out.push_back({price, q});
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

void PaperTradeConnector::release(const std::string& asset, Decimal& frozen) {
  if (frozen.is_positive()) {
    auto r = ledger_.unfreeze(kPaperAccount, asset, frozen);
    if (!r) spdlog::error("{}: paper ledger: {}", name_, r.message);
  }
  frozen = Decimal{};
}

void PaperTradeConnector::settle_fill(const InFlightOrder& order_ref, const std::string& exchange_order_id,
                                      Decimal price, Decimal amount, bool is_maker, Decimal& frozen) {
  // Copy what we need: the tracker may move the order to its done cache when the fill completes it.
  const std::string client_id = order_ref.client_order_id();
  const TradingPair pair = order_ref.pair();
  const TradeType side = order_ref.trade_type();
  const OrderType type = order_ref.order_type();
  const Decimal limit = order_ref.price();

  const Decimal quote = price.mul(amount);
  TradeFee fee = market_->estimate_fee(pair, type, side, amount, price, is_maker);
  fee.percent_token = side == TradeType::kBuy ? pair.base : pair.quote;  // spot: fee in the received asset
  const Decimal fee_amount = fee.fee_amount_in(fee.percent_token, pair, price, amount);

  auto check = [this](const sim::LedgerResult& r) {
    if (!r) throw std::logic_error("paper ledger: " + r.message);
  };
  if (side == TradeType::kBuy) {
    check(ledger_.transfer_frozen(kPaperAccount, kMarketAccount, pair.quote, quote));
    frozen -= quote;
    if (type != OrderType::kMarket && limit > price) {  // taker buy below its limit: release the difference
      Decimal extra = Decimal::min((limit - price).mul(amount), frozen);
      check(ledger_.unfreeze(kPaperAccount, pair.quote, extra));
      frozen -= extra;
    }
    check(ledger_.deposit(kPaperAccount, pair.base, amount));
    check(ledger_.charge_fee(kPaperAccount, pair.base, fee_amount, kFeeAccount));
  } else {
    check(ledger_.transfer_frozen(kPaperAccount, kMarketAccount, pair.base, amount));
    frozen -= amount;
    check(ledger_.deposit(kPaperAccount, pair.quote, quote));
    check(ledger_.charge_fee(kPaperAccount, pair.quote, fee_amount, kFeeAccount));
  }

  TradeUpdate t;
  t.trade_id = "paper-t" + std::to_string(next_trade_id_++);
  t.client_order_id = client_id;
  t.exchange_order_id = exchange_order_id;
  t.pair = pair;
  t.fill_price = price;
  t.fill_base_amount = amount;
  t.fill_quote_amount = quote;
  t.fee = fee;
  t.fill_timestamp_ms = now_ms();
  t.is_maker = is_maker;
  tracker_.process_trade_update(t);
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

void PaperTradeConnector::process_new_order(const std::string& id) {
  InFlightOrder* order = tracker_.find(id);
  if (!order || order->is_done()) return;
  if (std::string reason = validate(*order); !reason.empty()) {
    tracker_.process_order_failed(id, reason);
    return;
  }
  const TradingPair pair = order->pair();
  const TradeType side = order->trade_type();
  const OrderType type = order->order_type();
  const Decimal amount = order->amount();
  const Decimal price = order->price();
  const bool buy = side == TradeType::kBuy;
  const std::string& asset = frozen_asset(pair, side);
  const OrderBook* book = market_->order_book(pair);
  PairState& st = pairs_[pair];
  auto& used = buy ? st.used_asks : st.used_bids;

  // Best opposite price after what paper fills already took.
  std::optional<Decimal> best_opposite;
  {
    const OrderBook::Side bs = buy ? OrderBook::Side::kAsk : OrderBook::Side::kBid;
    for (std::size_t i = 0; i < book->count(bs) && !best_opposite; ++i) {
      const BookLevel& l = book->level(bs, i);
      if (unused(used, l.price, l.size).is_positive()) best_opposite = l.price;
    }
  }

  auto insufficient = [&](Decimal need) {
    return "insufficient balance: the order needs " + need.to_string() + " " + asset + ", available " +
           available_balance(asset).to_string() + " " + asset;
  };

  Decimal frozen;
  if (type == OrderType::kMarket) {
    if (!best_opposite) {
      tracker_.process_order_failed(id, "no liquidity: the " + pair.str() + (buy ? " ask" : " bid") +
                                            " side of the order book is empty");
      return;
    }
    // Dry run on the live book (with our overlay) for the exact cost of the sweep.
    Decimal need = amount;
    if (buy) {
      Decimal cost;
      Decimal remaining = amount;
      book->for_each_top(OrderBook::Side::kAsk, book->ask_count(), [&](const BookLevel& l) {
        if (!remaining.is_positive()) return;
        const Decimal q = Decimal::min(unused(used, l.price, l.size), remaining);
        cost += l.price.mul(q);
        remaining -= q;
      });
      need = cost;
    }
    if (available_balance(asset) < need) {
      tracker_.process_order_failed(id, insufficient(need));
      return;
    }
    if (auto r = ledger_.freeze(kPaperAccount, asset, need); !r) {
      tracker_.process_order_failed(id, insufficient(need));
      return;
    }
    frozen = need;
  } else {
    const bool crosses = best_opposite && (buy ? *best_opposite <= price : *best_opposite >= price);
    if (type == OrderType::kLimitMaker && crosses) {
      tracker_.process_order_failed(id, "post-only order rejected: it would take liquidity (best " +
                                            std::string(buy ? "ask " : "bid ") + best_opposite->to_string() +
                                            (buy ? " is at or below " : " is at or above ") + "the price " +
                                            price.to_string() + ")");
      return;
    }
    const Decimal need = buy ? price.mul(amount) : amount;
    if (auto r = ledger_.freeze(kPaperAccount, asset, need); !r) {
      tracker_.process_order_failed(id, insufficient(need));
      return;
    }
    frozen = need;
  }

  const std::string exchange_id = "paper-" + std::to_string(next_order_id_++);
  tracker_.process_order_created(id, exchange_id, now_ms());

  std::optional<Decimal> limit;
  if (type != OrderType::kMarket) limit = price;
  const auto fills = take(pair, side, amount, limit);
  Decimal filled;
  for (const auto& f : fills) {
    const InFlightOrder* o = tracker_.find(id);
    settle_fill(*o, exchange_id, f.price, f.amount, false, frozen);
    filled += f.amount;
  }
  if (filled >= amount) {
    release(asset, frozen);  // nothing should be left; exactness guard
    return;
  }
  if (type == OrderType::kMarket) {
    release(asset, frozen);
    finish_cancelled(id, "the order book was too thin: filled " + filled.to_string() + " of " +
                             amount.to_string() + " " + pair.base + ", the rest is cancelled");
    return;
  }
  resting_[id] = Resting{id, exchange_id, pair, side, price, frozen};
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
  release(frozen_asset(it->second.pair, it->second.side), it->second.frozen);
  resting_.erase(it);
  finish_cancelled(client_order_id, "cancelled");
}

asio::awaitable<std::vector<CancellationResult>> PaperTradeConnector::cancel_all(
    std::chrono::milliseconds timeout) {
  std::vector<std::string> ids;
  for (const auto* o : tracker_.active_orders()) {
    ids.push_back(o->client_order_id());
    cancel(o->pair(), o->client_order_id());
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  asio::steady_timer timer(ex_);
  auto all_done = [&] {
    for (const auto& id : ids) {
      const auto* o = tracker_.find(id);
      if (o && !o->is_done()) return false;
    }
    return true;
  };
  while (!all_done() && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(10ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
  std::vector<CancellationResult> out;
  for (const auto& id : ids) {
    const auto* o = tracker_.find(id);
    out.push_back({id, o && o->is_cancelled()});
  }
  co_return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Resting orders against the live market

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

void PaperTradeConnector::match_resting_orders() {
  const int64_t now = now_ms();
  for (const auto& pair : trading_pairs()) observe_market(pair, pairs_[pair], now);
  if (resting_.empty()) return;

  // Best-priced orders first: they are ahead in the queue for the same flow.
  std::vector<std::string> order_ids;
  for (const auto& [id, r] : resting_) order_ids.push_back(id);
  std::sort(order_ids.begin(), order_ids.end(), [&](const std::string& a, const std::string& b) {
    const Resting& x = resting_.at(a);
    const Resting& y = resting_.at(b);
    if (x.side != y.side) return x.side < y.side;
    return x.side == TradeType::kBuy ? x.price > y.price : x.price < y.price;
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
    if (o->state() == OrderState::kPendingCancel) continue;
    const bool buy = r.side == TradeType::kBuy;
    PairState& st = pairs_[r.pair];
    Decimal remaining = o->remaining_base();

    // (a) The opposite side moved through the price: the incoming orders meet ours at our price (maker).
    Decimal from_book;
    for (const auto& f : take(r.pair, r.side, remaining, r.price)) from_book += f.amount;
    // (b) The market traded through the price: the volume swept beyond our price would have hit us first.
    Decimal from_trades;
    if (st.through && (buy ? *st.through < r.price : *st.through > r.price)) {
      for (auto& d : st.decreases) {
        if (from_book + from_trades >= remaining) break;
        if (d.bid != buy || !d.amount.is_positive()) continue;
        // Levels strictly beyond our price (levels at it were ahead of us in the queue). The trade's own
        // price does not bound the range: one push may carry several trades and only one price is kept.
        const bool in_range = buy ? d.price < r.price : d.price > r.price;
        if (!in_range) continue;
        const Decimal q = Decimal::min(d.amount, remaining - from_book - from_trades);
        d.amount -= q;
        from_trades += q;
      }
    }
    const Decimal fill = from_book + from_trades;
    if (!fill.is_positive()) continue;
    const std::string asset = frozen_asset(r.pair, r.side);
    Decimal frozen = r.frozen;
    const std::string exchange_id = r.exchange_order_id;
    settle_fill(*o, exchange_id, r.price, fill, true, frozen);
    const InFlightOrder* after = tracker_.find(id);
    if (!after || after->is_done()) {
      release(asset, frozen);
      resting_.erase(id);
    } else {
      resting_[id].frozen = frozen;
    }
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
    info.perpetual = false;  // spot-style simulation only (perpetual paper trading: docs/paper-trade.md)
    info.environments = real->environments;
    auto real_factory = real->factory;
    info.factory = [real_id = id, paper_id = info.id, real_factory](asio::any_io_executor ex,
                                                                    const ConnectorConfig& config) {
      ConnectorConfig market_config = config;
      market_config.id = real_id;
      market_config.track_user_stream = false;
      market_config.credentials.clear();
      auto options = PaperTradeOptions::from_config(config);
      auto market = real_factory(ex, market_config);
      return std::unique_ptr<Connector>(
          std::make_unique<PaperTradeConnector>(ex, paper_id, std::move(market), std::move(options)));
    };
    registry.add(std::move(info));
  }
}

}  // namespace nectar::paper
