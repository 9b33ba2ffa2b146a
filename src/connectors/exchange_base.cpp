#include "nectar/connectors/exchange_base.hpp"

#include "nectar/connectors/failure_log.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "nectar/core/clock.hpp"
#include "nectar/net/error.hpp"
#include "nectar/net/managed_websocket.hpp"
#include "nectar/net/rate_limit_headers.hpp"

namespace nectar {

namespace asio = boost::asio;
using namespace std::chrono_literals;

ExchangeBase::ExchangeBase(asio::any_io_executor ex, ConnectorConfig config, Endpoints endpoints,
                           std::vector<net::RateLimit> rate_limits)
    : ex_(ex),
      config_(std::move(config)),
      endpoints_(std::move(endpoints)),
      http_(std::make_unique<net::HttpClient>(ex)),
      limiter_(std::move(rate_limits)),
      tracker_(events_, [this] { return now_ms(); }) {}

ExchangeBase::~ExchangeBase() {
  *alive_ = false;
}

const std::string& ExchangeBase::credential(std::string_view name) const {
  static const std::string kEmpty;
  auto it = config_.credentials.find(std::string(name));
  return it == config_.credentials.end() ? kEmpty : it->second.reveal();
}

void ExchangeBase::spawn(asio::awaitable<void> task, const char* what) {
  ++running_tasks_;
  asio::co_spawn(ex_, std::move(task), [this, what, alive = alive_](std::exception_ptr e) {
    if (!*alive) return;
    --running_tasks_;
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("{}: {} stopped: {}", config_.id, what, ex.what());
    }
  });
}

asio::awaitable<void> ExchangeBase::sleep(std::chrono::milliseconds d) {
  // Short slices so that stop() never waits for a long timer.
  asio::steady_timer timer(ex_);
  const auto until = std::chrono::steady_clock::now() + d;
  while (!stopping_ && std::chrono::steady_clock::now() < until) {
    timer.expires_after(
        std::min<std::chrono::steady_clock::duration>(until - std::chrono::steady_clock::now(), 100ms));
    co_await timer.async_wait(asio::use_awaitable);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Lifecycle

void ExchangeBase::start() {
  if (started_) return;
  started_ = true;
  stopping_ = false;
  ids_ = std::make_unique<ClientOrderIdGenerator>(client_order_id_rules());
  for (const auto& pair : config_.trading_pairs) books_[pair].pair = pair;

  spawn(clock_loop(), "clock sync");
  spawn(rules_loop(), "trading rules");

  net::ManagedWebSocketConfig pub;
  pub.url = endpoints_.ws_public;
  pub.name = config_.id + " public";
  pub.read_timeout = timings_.ws_read_timeout;
  pub.keepalive_interval = ping_interval();
  pub.ping_message = [this] { return ping_text(); };
  public_ws_ = std::make_unique<net::ManagedWebSocket>(ex_, pub);
  public_ws_->on_open([this](net::ManagedWebSocket& ws) -> asio::awaitable<void> {
    public_down_since_ms_ = 0;
    for (auto& [pair, st] : books_) {
      st.synced = false;  // until the new subscription's snapshot
      st.resync_pending = true;
      ++st.resync_generation;
    }
    // Subscriptions name exchange symbols, which come with the trading rules.
    while (rules_.empty() && !stopping_) co_await sleep(100ms);
    for (auto& msg : public_subscriptions(config_.trading_pairs)) co_await ws.send(msg);
    // A snapshot that does not come is asked for again, as after a gap.
    for (auto& [pair, st] : books_)
      if (!st.synced) spawn(book_resync_watch(pair, ++st.resync_generation, false), "book snapshot watch");
  });
  public_ws_->on_message([this](std::string_view msg) {
    try {
      on_public_message(msg);
    } catch (const std::exception& e) {
      spdlog::warn("{}: bad public message ({}): {:.200}", config_.id, e.what(), msg);
    }
  });
  public_ws_->on_disconnect([this](const std::string& reason) {
    if (public_down_since_ms_ == 0) public_down_since_ms_ = wall_clock_ms();
    for (auto& [pair, st] : books_) st.synced = false;
    if (!stopping_) spdlog::warn("{}: public stream disconnected: {}", config_.id, reason);
  });
  spawn(public_ws_->run(), "public stream");
  spawn(book_fallback_loop(), "book fallback");

  if (config_.track_user_stream) {
    net::ManagedWebSocketConfig priv = pub;
    priv.url = endpoints_.ws_private;
    priv.name = config_.id + " private";
    private_ws_ = std::make_unique<net::ManagedWebSocket>(ex_, priv);
    private_ws_->on_open([this](net::ManagedWebSocket& ws) -> asio::awaitable<void> {
      try {
        co_await open_private_stream(ws);
      } catch (const ExchangeError& e) {
        last_stream_error_ = e.what();
        spdlog::error("{}: private stream login failed: {}", config_.id, e.what());
        throw;
      }
      last_stream_error_.clear();
      user_stream_ready_ = true;
      note_user_stream_activity();
      // Whatever happened while we were away is fetched now, not at the next poll.
      spawn(reconcile_orders(), "reconciliation");
      spawn(refresh_balances(), "balance refresh");
      on_private_stream_ready();
    });
    private_ws_->on_message([this](std::string_view msg) {
      note_user_stream_activity();
      try {
        on_private_message(msg);
      } catch (const std::exception& e) {
        spdlog::warn("{}: bad private message ({}): {:.200}", config_.id, e.what(), msg);
      }
    });
    private_ws_->on_disconnect([this](const std::string& reason) {
      if (!stopping_) spdlog::warn("{}: private stream disconnected: {}", config_.id, reason);
    });
    spawn(private_ws_->run(), "private stream");
    spawn(balance_loop(), "balances");
  } else {
    user_stream_ready_ = true;
    balances_ready_ = true;
    if (restored_unreconciled_) spawn(reconcile_orders(), "reconciliation");
  }
  spawn(polling_loop(), "order status polling");
}

asio::awaitable<void> ExchangeBase::stop() {
  if (!started_) co_return;
  stopping_ = true;
  if (public_ws_) public_ws_->stop();
  if (private_ws_) private_ws_->stop();
  asio::steady_timer timer(ex_);
  for (int i = 0; i < 200 && running_tasks_ > 0; ++i) {
    timer.expires_after(25ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
  if (running_tasks_ > 0) spdlog::warn("{}: {} tasks still running at stop", config_.id, running_tasks_);
  started_ = false;
}

ConnectorStatus ExchangeBase::status() const {
  ConnectorStatus s;
  s.trading_rules = !rules_.empty();
  s.order_books = !books_.empty();
  for (const auto& [pair, st] : books_) s.order_books = s.order_books && st.served();
  s.balances = balances_ready_;
  s.user_stream = user_stream_ready_;
  s.orders_reconciled = !restored_unreconciled_;
  return s;
}

uint64_t ExchangeBase::private_stream_connects() const {
  return private_ws_ ? private_ws_->connects() : 0;
}
bool ExchangeBase::private_stream_connected() const {
  return private_ws_ && private_ws_->connected();
}

uint64_t ExchangeBase::public_stream_connects() const {
  return public_ws_ ? public_ws_->connects() : 0;
}

void ExchangeBase::reconnect_streams() {
  if (public_ws_) public_ws_->force_reconnect();
  if (private_ws_) private_ws_->force_reconnect();
}

// ---------------------------------------------------------------------------------------------------------------
// REST plumbing

asio::awaitable<net::HttpResponse> ExchangeBase::send_rest(net::HttpRequest request,
                                                           std::string_view limit_id,
                                                           int max_rate_limit_retries) {
  // Named, not temporaries: g++12 destroys temporaries inside a co_await expression twice.
  RequestFactory same_request = [request = std::move(request)] { return request; };
  ResponseCheck no_check;
  co_return co_await send_rest(std::move(same_request), std::move(no_check), limit_id,
                               max_rate_limit_retries);
}

asio::awaitable<net::HttpResponse> ExchangeBase::send_rest(RequestFactory make_request, ResponseCheck check,
                                                           std::string_view limit_id,
                                                           int max_rate_limit_retries) {
  for (int attempt = 0;; ++attempt) {
    co_await limiter_.acquire(limit_id);
    net::HttpResponse resp;
    try {
      resp = co_await http_->request(make_request());
    } catch (const net::NetError& e) {
      throw ExchangeError(ErrorKind::kNetwork, "", config_.id + ": " + e.what());
    }
    // The exchange's own count of our quota, on any answer: wait before the next request when it is spent.
    if (auto pause = net::rate_limit_pause(resp, wall_clock_ms())) {
      limiter_.pause_for(*pause);
      spdlog::debug("{}: quota spent per the response headers; pausing {} ms", config_.id, pause->count());
    }
    std::optional<std::chrono::milliseconds> retry_after;
    std::string limited;  // why this attempt was rate limited, "" when it was not
    if (resp.status == 429 || resp.status == 418) {
      if (auto h = resp.header("Retry-After")) retry_after = net::RateLimiter::parse_retry_after(*h);
      limited = "HTTP " + std::to_string(resp.status);
    } else {
      if (resp.status >= 500) {
        throw ExchangeError(ErrorKind::kNetwork, std::to_string(resp.status),
                            config_.id + ": server error HTTP " + std::to_string(resp.status));
      }
      if (check) {
        try {
          check(resp);
        } catch (const ExchangeError& e) {
          // Out of retries: the exchange's own error (code and plain words) is the clearest report.
          if (e.kind() != ErrorKind::kRateLimit || attempt >= max_rate_limit_retries) throw;
          limited = std::string(e.what());
        }
      }
    }
    if (limited.empty()) {
      limiter_.on_success();
      co_return resp;
    }
    limiter_.on_rate_limited(retry_after);
    spdlog::warn("{}: rate limited on {} ({}), backing off", config_.id, limit_id, limited);
    if (attempt >= max_rate_limit_retries) {
      throw ExchangeError(
          ErrorKind::kRateLimit, std::to_string(resp.status),
          config_.id + ": rate limited (" + limited + ") after " + std::to_string(attempt + 1) + " attempts");
    }
  }
}

void ExchangeBase::request_clock_sync() {
  clock_sync_requested_ = true;
}

asio::awaitable<void> ExchangeBase::clock_loop() {
  FailureLog log(config_.id + ": clock sync");
  while (!stopping_) {
    try {
      const int64_t sent = wall_clock_ms();
      auto server = co_await fetch_server_time_ms();
      if (!server) co_return;  // the exchange has no time endpoint: use local time
      clock_.add_sample(sent, *server, wall_clock_ms());
      log.succeeded();
    } catch (const std::exception& e) {
      log.failed(e.what());
    }
    clock_sync_requested_ = false;
    for (auto waited = 0ms; !stopping_ && !clock_sync_requested_ && waited < timings_.clock_sync;
         waited += 200ms) {
      co_await sleep(200ms);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Trading rules and symbols

void ExchangeBase::set_trading_rules(std::vector<TradingRule> rules) {
  rules_.clear();
  symbol_to_pair_.clear();
  pair_to_symbol_.clear();
  for (auto& r : rules) {
    symbol_to_pair_[r.exchange_symbol] = r.pair;
    pair_to_symbol_[r.pair] = r.exchange_symbol;
    rules_[r.pair] = std::move(r);
  }
  books_by_symbol_.clear();
  for (auto& [pair, st] : books_) {
    auto it = pair_to_symbol_.find(pair);
    if (it != pair_to_symbol_.end()) books_by_symbol_[it->second] = &st;
  }
}

asio::awaitable<void> ExchangeBase::load_trading_rules() {
  set_trading_rules(co_await fetch_trading_rules());
}

asio::awaitable<void> ExchangeBase::rules_loop() {
  FailureLog log(config_.id + ": loading trading rules");
  std::chrono::milliseconds retry = 500ms;
  while (!stopping_) {
    bool ok = false;
    try {
      co_await load_trading_rules();
      ok = true;
    } catch (const std::exception& e) {
      log.failed(e.what());
    }
    if (ok) {
      log.succeeded();
      for (const auto& pair : config_.trading_pairs) {
        if (!rules_.count(pair))
          spdlog::error("{}: trading pair {} is not listed by the exchange", config_.id, pair.str());
      }
      retry = 500ms;
      co_await sleep(timings_.trading_rules_refresh);
    } else {
      co_await sleep(retry);
      retry = std::min<std::chrono::milliseconds>(retry * 2, 30s);
    }
  }
}

const TradingRule* ExchangeBase::trading_rule(const TradingPair& pair) const {
  auto it = rules_.find(pair);
  return it == rules_.end() ? nullptr : &it->second;
}

std::optional<TradingPair> ExchangeBase::pair_for_symbol(std::string_view exchange_symbol) const {
  auto it = symbol_to_pair_.find(exchange_symbol);
  if (it == symbol_to_pair_.end()) return std::nullopt;
  return it->second;
}

std::string ExchangeBase::symbol_for_pair(const TradingPair& pair) const {
  auto it = pair_to_symbol_.find(pair);
  return it == pair_to_symbol_.end() ? std::string() : it->second;
}

// ---------------------------------------------------------------------------------------------------------------
// Order books

OrderBook* ExchangeBase::book_for_symbol(std::string_view exchange_symbol) {
  auto it = books_by_symbol_.find(exchange_symbol);
  return it == books_by_symbol_.end() ? nullptr : &it->second->book;
}

const OrderBook* ExchangeBase::order_book(const TradingPair& pair) const {
  auto it = books_.find(pair);
  return it == books_.end() || !it->second.served() ? nullptr : &it->second.book;
}

void ExchangeBase::mark_book_synced(const TradingPair& pair) {
  auto it = books_.find(pair);
  if (it == books_.end()) return;
  auto& st = it->second;
  if (st.resyncing) spdlog::info("{}: order book {} back in sync", config_.id, pair.str());
  st.resyncing = false;
  st.synced = true;
  st.rest_snapshot = false;
  st.resync_pending = false;
  ++st.resync_generation;
}

void ExchangeBase::request_book_resync(const TradingPair& pair, std::string_view reason) {
  auto it = books_.find(pair);
  if (it == books_.end() || it->second.resync_pending) return;  // one resync at a time per book
  auto& st = it->second;
  // A REST snapshot stays served: the diff that did not fit it was not applied.
  st.synced = false;
  st.resync_pending = true;
  st.resyncing = true;
  ++book_resyncs_;
  spdlog::warn("{}: order book {} out of sync ({}), not served until resynced", config_.id, pair.str(),
               reason);
  spawn(book_resync_watch(pair, ++st.resync_generation, true), "book resync");
}

asio::awaitable<void> ExchangeBase::book_resync_watch(TradingPair pair, uint64_t generation, bool ask_first) {
  auto moot = [this, &pair, generation] {
    auto it = books_.find(pair);
    return stopping_ || it == books_.end() || it->second.resync_generation != generation;
  };
  std::chrono::milliseconds wait = timings_.book_resync_timeout;
  for (int attempt = 1;; ++attempt) {
    if (ask_first || attempt > 1) {
      try {
        co_await send_public(book_resync_messages(pair));
      } catch (const std::exception& e) {
        spdlog::warn("{}: asking for a fresh {} order book failed: {}", config_.id, pair.str(), e.what());
      }
    }
    co_await sleep(wait);
    if (moot()) co_return;
    spdlog::warn(
        "{}: no {} order book snapshot {} ms after asking (attempt {}): serving one from REST and "
        "asking again",
        config_.id, pair.str(), wait.count(), attempt);
    co_await install_rest_snapshot(pair);
    if (moot()) co_return;
    wait = std::min(wait * 2, timings_.book_resync_backoff_max);
  }
}

asio::awaitable<void> ExchangeBase::install_rest_snapshot(TradingPair pair) {
  try {
    OrderBook fresh;
    co_await fetch_order_book_snapshot(pair, fresh);
    auto it = books_.find(pair);
    if (it == books_.end() || it->second.synced) co_return;  // the stream was quicker
    it->second.book = std::move(fresh);
    it->second.rest_snapshot = true;
  } catch (const std::exception& e) {
    spdlog::warn("{}: REST order book for {} failed: {}", config_.id, pair.str(), e.what());
  }
}

asio::awaitable<void> ExchangeBase::send_public(std::vector<std::string> messages) {
  // A member coroutine with by-value parameters: a capturing lambda coroutine would outlive its captures.
  for (auto& m : messages) co_await public_ws_->send(std::move(m));
}

void ExchangeBase::record_public_trade(const TradingPair& pair, Decimal price) {
  last_prices_[pair] = price;
}

uint64_t ExchangeBase::add_public_trade_listener(PublicTradeListener listener) {
  const uint64_t id = next_trade_listener_id_++;
  trade_listeners_.emplace(id, std::move(listener));
  return id;
}

void ExchangeBase::remove_public_trade_listener(uint64_t id) {
  trade_listeners_.erase(id);
}

void ExchangeBase::report_public_trade(const PublicTrade& trade) {
  if (trade_listeners_.empty()) return;
  // A copy: a listener may add or remove listeners while we iterate.
  const auto listeners = trade_listeners_;
  for (const auto& [id, listener] : listeners) listener(trade);
}

std::optional<Decimal> ExchangeBase::last_trade_price(const TradingPair& pair) const {
  auto it = last_prices_.find(pair);
  if (it == last_prices_.end()) return std::nullopt;
  return it->second;
}

asio::awaitable<void> ExchangeBase::book_fallback_loop() {
  // While the public stream is down, keep books usable from REST snapshots (never mixed with stream diffs:
  // the stream's next snapshot replaces them).
  while (!stopping_) {
    co_await sleep(1s);
    const bool down_long = public_ws_ && !public_ws_->connected() && public_down_since_ms_ != 0 &&
                           wall_clock_ms() - public_down_since_ms_ > timings_.book_rest_fallback.count();
    if (!down_long || rules_.empty()) continue;
    std::vector<TradingPair> pairs;
    for (const auto& [pair, st] : books_) pairs.push_back(pair);
    for (const auto& pair : pairs) co_await install_rest_snapshot(pair);
    co_await sleep(timings_.book_rest_fallback);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Balances

void ExchangeBase::set_balance(const std::string& asset, Decimal total, Decimal available) {
  Balance b{asset, total, available};
  auto it = balances_.find(asset);
  if (it != balances_.end() && it->second == b) return;
  balances_[asset] = b;
  events_.publish(BalanceUpdateEvent{now_ms(), asset, total, available});
}

void ExchangeBase::replace_balances(const std::vector<Balance>& balances) {
  std::set<std::string> seen;
  for (const auto& b : balances) {
    set_balance(b.asset, b.total, b.available);
    seen.insert(b.asset);
  }
  for (auto& [asset, b] : balances_) {
    if (!seen.count(asset) && !b.total.is_zero()) set_balance(asset, Decimal{}, Decimal{});
  }
  balances_ready_ = true;
}

Decimal ExchangeBase::balance(const std::string& asset) const {
  auto it = balances_.find(asset);
  return it == balances_.end() ? Decimal{} : it->second.total;
}

Decimal ExchangeBase::available_balance(const std::string& asset) const {
  auto it = balances_.find(asset);
  return it == balances_.end() ? Decimal{} : it->second.available;
}

std::vector<Balance> ExchangeBase::balances() const {
  std::vector<Balance> out;
  for (const auto& [asset, b] : balances_) out.push_back(b);
  return out;
}

asio::awaitable<void> ExchangeBase::refresh_balances() {
  replace_balances(co_await fetch_balances());
}

asio::awaitable<void> ExchangeBase::balance_loop() {
  FailureLog log(config_.id + ": balance refresh");
  std::chrono::milliseconds retry = 1000ms;  // until the first balances: 1 s, doubling up to the poll period
  while (!stopping_) {
    bool ok = false;
    try {
      co_await refresh_balances();
      ok = true;
    } catch (const std::exception& e) {
      log.failed(e.what());
    }
    if (ok) {
      log.succeeded();
      retry = 1000ms;
    }
    if (balances_ready_ && ok) {
      co_await sleep(timings_.balance_poll);
    } else {
      co_await sleep(std::min(retry, timings_.balance_poll));
      retry = std::min<std::chrono::milliseconds>(retry * 2, timings_.balance_poll);
    }
  }
}

asio::awaitable<void> ExchangeBase::check_credentials() {
  (void)co_await fetch_balances();
}

void ExchangeBase::apply_order_update(const OrderUpdate& update) {
  tracker_.process_order_update(update);
  const InFlightOrder* order = tracker_.find(update.client_order_id);
  if (order && update.executed_base && order->state() == OrderState::kFilled &&
      !order->fills_cover_amount() && order->executed_base() >= *update.executed_base) {
    tracker_.process_fills_complete(update.client_order_id);
  }
  retry_parked_fills();  // the update may carry the exchange id a parked fill waits for
}

bool ExchangeBase::apply_trade_update(const TradeUpdate& trade) {
  return tracker_.process_trade_update(trade) != ApplyResult::kRejected;
}

void ExchangeBase::set_fee_rates(const TradingPair& pair, Decimal maker, Decimal taker) {
  fee_rates_[pair] = {maker, taker};
}

void ExchangeBase::note_user_stream_activity() {
  last_user_stream_activity_ms_ = wall_clock_ms();
}

// ---------------------------------------------------------------------------------------------------------------
// Orders

std::string ExchangeBase::buy(const TradingPair& pair, Decimal amount, OrderType type, Decimal price,
                              PositionAction action) {
  return place(TradeType::kBuy, pair, amount, type, price, action);
}

std::string ExchangeBase::sell(const TradingPair& pair, Decimal amount, OrderType type, Decimal price,
                               PositionAction action) {
  return place(TradeType::kSell, pair, amount, type, price, action);
}

std::string ExchangeBase::validate_order(const InFlightOrder& order) const {
  return check_order_against_rule(order, trading_rule(order.pair()), config_.id);
}

const InFlightOrder& submit_order(Connector& connector, ClientOrderIdGenerator& ids, OrderTracker& tracker,
                                  const OrderIntent& intent, int64_t now_ms) {
  const std::string id = ids.next(intent.side, intent.pair, wall_clock_us());
  const Decimal amount = connector.quantize_order_amount(intent.pair, intent.amount);
  const Decimal price = intent.type == OrderType::kMarket
                            ? Decimal{}
                            : connector.quantize_order_price(intent.pair, intent.price);
  const InFlightOrder& order = tracker.start_tracking(InFlightOrder(
      id, intent.pair, intent.type, intent.side, amount, price, now_ms, intent.action, intent.leverage));
  connector.events().publish(OrderSubmittedEvent{order.creation_timestamp_ms(), id, intent.pair, intent.type,
                                                 intent.side, amount, price, intent.action,
                                                 order.leverage()});
  return order;
}

std::string ExchangeBase::place(TradeType side, const TradingPair& pair, Decimal amount, OrderType type,
                                Decimal price, PositionAction action) {
  if (!ids_) ids_ = std::make_unique<ClientOrderIdGenerator>(client_order_id_rules());
  std::string id =
      submit_order(*this, *ids_, tracker_,
                   OrderIntent{side, pair, amount, type, price, action, order_leverage(pair)}, now_ms())
          .client_order_id();
  spawn(place_task(id), "order placement");
  return id;
}

asio::awaitable<void> ExchangeBase::place_task(std::string client_order_id) {
  if (submit_barrier_) co_await submit_barrier_();  // the journal has the order before the exchange does
  InFlightOrder* order = tracker_.find(client_order_id);
  if (!order) co_return;
  if (std::string reason = validate_order(*order); !reason.empty()) {
    tracker_.process_order_failed(client_order_id, reason);
    co_return;
  }
  try {
    PlacedOrder placed = co_await place_order(*order);
    tracker_.process_order_created(client_order_id, placed.exchange_order_id,
                                   placed.timestamp_ms ? placed.timestamp_ms : now_ms());
    retry_parked_fills();
  } catch (const ExchangeError& e) {
    if (e.retryable()) {
      // The request may or may not have reached the exchange: keep the order and let status polling (by
      // client order id) find it, or declare it lost after repeated "not found" answers. Never orphan it.
      spdlog::warn("{}: placing {} had an unknown outcome ({}); checking its status", config_.id,
                   client_order_id, e.what());
      co_return;
    }
    if (e.kind() == ErrorKind::kTimestamp) request_clock_sync();
    tracker_.process_order_failed(client_order_id, e.what());
  }
}

void ExchangeBase::cancel(const TradingPair& pair, const std::string& client_order_id) {
  InFlightOrder* order = tracker_.find(client_order_id);
  if (!order || order->is_done() || order->pair() != pair) return;
  OrderUpdate u;
  u.client_order_id = client_order_id;
  u.pair = pair;
  u.new_state = OrderState::kPendingCancel;
  u.update_timestamp_ms = now_ms();
  tracker_.process_order_update(u);
  spawn(cancel_task(client_order_id), "order cancel");
}

asio::awaitable<void> ExchangeBase::cancel_task(std::string client_order_id) {
  InFlightOrder* order = tracker_.find(client_order_id);
  if (!order || order->is_done()) co_return;
  std::optional<ExchangeError> failure;
  try {
    co_await cancel_order(*order);
  } catch (const ExchangeError& e) {
    failure = e;
  }
  if (!failure) co_return;
  order = tracker_.find(client_order_id);
  if (!order || order->is_done()) co_return;
  if (failure->kind() == ErrorKind::kOrderNotFound || failure->kind() == ErrorKind::kOrderAlreadyDone) {
    // Often the order just finished: the status check with its fills settles it, so a fill that raced the
    // cancel is applied, never lost.
    co_await poll_order(*order, true);
  } else {
    spdlog::warn("{}: cancel of {} failed: {}", config_.id, client_order_id, failure->what());
    if (order->state() == OrderState::kPendingCancel) {
      order->restore(order->state_before_cancel(), order->exchange_order_id(), now_ms());
    }
  }
}

asio::awaitable<std::vector<CancellationResult>> cancel_all_tracked(Connector& connector,
                                                                    OrderTracker& tracker,
                                                                    std::chrono::milliseconds timeout,
                                                                    std::chrono::milliseconds poll) {
  std::vector<std::string> ids;
  for (const auto* o : tracker.active_orders()) {
    ids.push_back(o->client_order_id());
    connector.cancel(o->pair(), o->client_order_id());
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  asio::steady_timer timer(connector.executor());
  auto all_done = [&] {
    for (const auto& id : ids) {
      const auto* o = tracker.find(id);
      if (o && !o->is_done()) return false;
    }
    return true;
  };
  while (!all_done() && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(poll);
    co_await timer.async_wait(asio::use_awaitable);
  }
  std::vector<CancellationResult> out;
  for (const auto& id : ids) {
    const auto* o = tracker.find(id);
    out.push_back({id, o && o->is_cancelled()});
  }
  co_return out;
}

asio::awaitable<std::vector<CancellationResult>> ExchangeBase::cancel_all(std::chrono::milliseconds timeout) {
  co_return co_await cancel_all_tracked(*this, tracker_, timeout, 50ms);
}

asio::awaitable<void> ExchangeBase::poll_order(InFlightOrder& order_ref, bool with_fills) {
  std::string id = order_ref.client_order_id();  // a copy: order_ref may be gone after a co_await
  try {
    OrderUpdate u = co_await fetch_order_status(order_ref);
    InFlightOrder* order = tracker_.find(id);
    if (!order) co_return;
    const bool fill_state = u.new_state == OrderState::kPartiallyFilled ||
                            u.new_state == OrderState::kFilled || u.new_state == OrderState::kCanceled;
    const bool missing_fills = u.executed_base ? *u.executed_base > order->executed_base()
                                               : (fill_state && u.new_state != OrderState::kCanceled);
    if (order->state() == OrderState::kPendingCreate && u.new_state != OrderState::kFailed) {
      tracker_.process_order_created(id, u.exchange_order_id, u.update_timestamp_ms);
    }
    // Fills first, so that events come as Filled... then Completed/Cancelled.
    const bool fetched_fills = with_fills || missing_fills;
    if (fetched_fills) {
      for (const auto& t : co_await fetch_order_fills(*order)) tracker_.process_trade_update(t);
    }
    tracker_.process_order_update(u);
    order = tracker_.find(id);
    // A FILLED order whose fills are all in is complete even if they do not add up to the requested amount
    // (market buys sized in quote).
    if (order && order->state() == OrderState::kFilled && !order->fills_cover_amount() &&
        (u.executed_base ? order->executed_base() >= *u.executed_base : fetched_fills)) {
      tracker_.process_fills_complete(id);
    }
  } catch (const ExchangeError& e) {
    if (e.kind() == ErrorKind::kOrderNotFound) {
      if (tracker_.process_order_not_found(id)) {
        spdlog::error("{}: order {} is lost: the exchange does not know it", config_.id, id);
      }
    } else {
      if (e.kind() == ErrorKind::kTimestamp) request_clock_sync();
      spdlog::warn("{}: status check of {} failed: {}", config_.id, id, e.what());
    }
  }
}

asio::awaitable<void> ExchangeBase::reconcile_orders() {
  // Status and fill queries name exchange symbols, which come with the rules.
  while (rules_.empty() && !stopping_) co_await sleep(100ms);
  std::vector<std::string> ids;
  for (auto* o : tracker_.active_orders()) ids.push_back(o->client_order_id());
  for (const auto& id : ids) {
    if (stopping_) co_return;
    if (auto* order = tracker_.find(id); order && !order->is_done()) co_await poll_order(*order, true);
  }
  restored_unreconciled_ = false;
}

void ExchangeBase::restore_orders(std::vector<InFlightOrder> orders) {
  for (auto& o : orders) {
    if (tracker_.find(o.client_order_id())) continue;
    tracker_.start_tracking(std::move(o));
  }
  restored_unreconciled_ = tracker_.active_count() > 0;
  // With a user stream, its login reconciles; otherwise do it now.
  if (started_ && (!config_.track_user_stream || user_stream_ready_))
    spawn(reconcile_orders(), "reconciliation");
}

asio::awaitable<void> ExchangeBase::polling_loop() {
  while (!stopping_) {
    const int64_t now = wall_clock_ms();
    const bool silent = !private_ws_ || !private_ws_->connected() ||
                        now - last_user_stream_activity_ms_ > timings_.user_stream_silence.count();
    co_await sleep(silent ? timings_.status_poll_fast : timings_.status_poll);
    if (stopping_ || rules_.empty()) continue;
    std::vector<std::string> ids;
    for (auto* o : tracker_.active_orders()) {
      if (now_ms() - o->creation_timestamp_ms() >= timings_.order_min_age_for_poll.count()) {
        ids.push_back(o->client_order_id());
      }
    }
    for (const auto& id : ids) {
      if (stopping_) break;
      if (auto* o = tracker_.find(id); o && (o->is_open() || o->state() == OrderState::kFilled)) {
        co_await poll_order(*o, o->state() == OrderState::kFilled);
      }
    }
  }
}

std::vector<const InFlightOrder*> ExchangeBase::in_flight_orders() const {
  return tracker_.active_orders();
}

const InFlightOrder* ExchangeBase::order(const std::string& client_order_id) const {
  return tracker_.find(client_order_id);
}

TradeFee ExchangeBase::estimate_fee(const TradingPair& pair, OrderType type, TradeType side, Decimal, Decimal,
                                    bool is_maker) const {
  // Spot fees are charged in the asset received; a market order always takes liquidity.
  TradeFee fee;
  fee.percent_token = side == TradeType::kBuy ? pair.base : pair.quote;
  if (auto it = fee_rates_.find(pair); it != fee_rates_.end()) {
    const bool maker = is_maker && type != OrderType::kMarket;
    fee.percent = maker ? it->second.first : it->second.second;
  }
  return fee;
}

}  // namespace nectar
