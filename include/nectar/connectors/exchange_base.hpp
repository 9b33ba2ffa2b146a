// The shared connector machinery. An exchange subclasses ExchangeBase and adds only what is its own:
// URLs, signing, REST/WS message mapping and error-code mapping (the hooks below).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "nectar/connectors/client_order_id.hpp"
#include "nectar/connectors/connector.hpp"
#include "nectar/connectors/errors.hpp"
#include "nectar/connectors/order_tracker.hpp"
#include "nectar/connectors/registry.hpp"
#include "nectar/net/clock_sync.hpp"
#include "nectar/net/http_client.hpp"
#include "nectar/net/rate_limiter.hpp"

namespace nectar::net {
class ManagedWebSocket;
}

namespace nectar {

/// One trade of the exchange's public trade stream: someone's order met someone else's.
struct PublicTrade {
  TradingPair pair;
  std::string trade_id;  ///< the exchange's id ("" when it gives none)
  Decimal price;
  Decimal amount;                          ///< base units
  TradeType taker_side = TradeType::kBuy;  ///< the side that took liquidity (kBuy: an ask was lifted)
  int64_t timestamp_ms = 0;                ///< exchange time
};
using PublicTradeListener = std::function<void(const PublicTrade&)>;

/// An order as buy()/sell() receive it (amount and price not yet quantized).
struct OrderIntent {
  TradeType side = TradeType::kBuy;
  TradingPair pair;
  Decimal amount;
  OrderType type = OrderType::kLimit;
  Decimal price;  ///< ignored for MARKET
  PositionAction action = PositionAction::kNil;
  int leverage = 1;  ///< recorded on the order (perpetuals)
};

/// The part of buy()/sell() every connector shares (ExchangeBase and the paper connectors): a fresh client
/// order id from `ids`, amount and price quantized to the pair's trading rule (no price for MARKET), the
/// order tracked in PENDING_CREATE and then OrderSubmitted published on connector.events(), in that order (a
/// journal listening to OrderSubmitted finds the order tracked). Returns the tracked order; the caller sends
/// (or simulates) it after this returns.
const InFlightOrder& submit_order(Connector& connector, ClientOrderIdGenerator& ids, OrderTracker& tracker,
                                  const OrderIntent& intent, int64_t now_ms);

/// The cancel_all every connector shares: cancels each active order of `tracker` through connector.cancel(),
/// then waits (checking every `poll`) until all are done or `timeout` passes. One result per order: cancelled
/// or not (filled meanwhile, or not confirmed in time).
boost::asio::awaitable<std::vector<CancellationResult>> cancel_all_tracked(Connector& connector,
                                                                           OrderTracker& tracker,
                                                                           std::chrono::milliseconds timeout,
                                                                           std::chrono::milliseconds poll);

/// What the exchange answered to a place request.
struct PlacedOrder {
  std::string exchange_order_id;  ///< may be empty when the exchange answers without one
  int64_t timestamp_ms = 0;
};

/// Intervals of the background loops. Tests shorten them.
struct ExchangeTimings {
  std::chrono::milliseconds status_poll{10000};      ///< order status safety net while the stream is alive
  std::chrono::milliseconds status_poll_fast{2000};  ///< while the user stream is silent or down
  std::chrono::milliseconds user_stream_silence{30000};  ///< no private message for this long = silent
  std::chrono::milliseconds balance_poll{30000};
  std::chrono::milliseconds trading_rules_refresh{30 * 60 * 1000};
  std::chrono::milliseconds clock_sync{60000};
  std::chrono::milliseconds order_min_age_for_poll{
      1500};  ///< do not poll an order the exchange may not know yet
  std::chrono::milliseconds book_rest_fallback{
      10000};  ///< public stream down this long: serve REST snapshots
  /// A resync's snapshot not here after this long: serve a REST snapshot meanwhile and ask again, waiting
  /// twice as long each time (up to book_resync_backoff_max).
  std::chrono::milliseconds book_resync_timeout{5000};
  std::chrono::milliseconds book_resync_backoff_max{60000};
  std::chrono::milliseconds ws_read_timeout{30000};
  std::chrono::milliseconds position_poll{10000};  ///< perpetuals: REST positions as a safety net
  std::chrono::milliseconds funding_poll{60000};   ///< perpetuals: funding payment bills
};

/// Who may call a REST endpoint: anyone, a caller sending its API key (BitMart KEYED), or a caller signing
/// the request (every exchange's trading endpoints).
enum class RestAuth : uint8_t { kPublic, kKeyed, kSigned };

/// One REST call as exchange code describes it; ExchangeBase::rest builds, authorizes (per attempt), rate
/// limits and retries it.
struct RestCall {
  std::string method = "GET";
  std::string path;   ///< from the REST host, e.g. "/api/v2/spot/trade/place-order"
  std::string query;  ///< already encoded, without '?'
  std::string body;
  RestAuth auth = RestAuth::kPublic;
  std::string_view limit;  ///< rate-limit pool
  int max_rate_limit_retries = 5;
  /// The request's URL target: path, then '?' and the query when there is one.
  std::string target() const { return query.empty() ? path : path + "?" + query; }
};

/// Implements Connector on top of exchange hooks:
/// - order placement: tracked before sending; an ambiguous failure (timeout, 5xx) never fails the order
///   blindly: it stays PENDING_CREATE and status polling by client id settles it (found, or lost → FAILED);
/// - order books from the public stream (exchange parses; this class owns books, sync flags and resyncs);
/// - user stream with login, and REST polling of order status, fills and balances as a safety net, faster
///   while the stream is silent; a reconnect triggers an immediate reconciliation of every active order;
/// - trading rules refresh, clock sync, rate limiting with back-off on 429s.
/// Thread affinity: all on the executor given at construction.
class ExchangeBase : public virtual Connector {
 public:
  ExchangeBase(boost::asio::any_io_executor ex, ConnectorConfig config, Endpoints endpoints,
               std::vector<net::RateLimit> rate_limits);
  ~ExchangeBase() override;

  // Connector
  const std::string& name() const override { return config_.id; }
  boost::asio::any_io_executor executor() const override { return ex_; }
  void start() override;
  boost::asio::awaitable<void> stop() override;
  ConnectorStatus status() const override;
  std::string buy(const TradingPair& pair, Decimal amount, OrderType type, Decimal price,
                  PositionAction action = PositionAction::kNil) override;
  std::string sell(const TradingPair& pair, Decimal amount, OrderType type, Decimal price,
                   PositionAction action = PositionAction::kNil) override;
  void cancel(const TradingPair& pair, const std::string& client_order_id) override;
  boost::asio::awaitable<std::vector<CancellationResult>> cancel_all(
      std::chrono::milliseconds timeout) override;
  std::vector<TradingPair> trading_pairs() const override { return config_.trading_pairs; }
  const TradingRule* trading_rule(const TradingPair& pair) const override;
  const OrderBook* order_book(const TradingPair& pair) const override;
  std::optional<Decimal> last_trade_price(const TradingPair& pair) const override;
  Decimal balance(const std::string& asset) const override;
  Decimal available_balance(const std::string& asset) const override;
  std::vector<Balance> balances() const override;
  std::vector<const InFlightOrder*> in_flight_orders() const override;
  const InFlightOrder* order(const std::string& client_order_id) const override;
  TradeFee estimate_fee(const TradingPair& pair, OrderType type, TradeType side, Decimal amount,
                        Decimal price, bool is_maker) const override;
  boost::asio::awaitable<void> check_credentials() override;

  /// Loads trading rules once (also done by start()); lets tools use REST without the streams.
  boost::asio::awaitable<void> load_trading_rules();
  /// Polls every active order now (status, then fills), as after a reconnect.
  boost::asio::awaitable<void> reconcile_orders();
  /// Puts orders journaled by a previous run back under tracking. They are reconciled with the exchange
  /// (status, then fills that happened while we were down) before ready() turns true. Call before or after
  /// start().
  void restore_orders(std::vector<InFlightOrder> orders);
  /// Fetches balances now.
  boost::asio::awaitable<void> refresh_balances();
  OrderTracker& tracker() { return tracker_; }
  /// Awaited by every placement before its request leaves (nullptr = none): the order journal makes it
  /// wait for the submitted order's row to be committed, so no order reaches the exchange unjournaled.
  using SubmitBarrier = std::function<boost::asio::awaitable<void>()>;
  void set_submit_barrier(SubmitBarrier barrier) { submit_barrier_ = std::move(barrier); }
  ExchangeTimings& timings() { return timings_; }
  /// Counters for tests and the status view.
  uint64_t book_resyncs() const { return book_resyncs_; }
  uint64_t private_stream_connects() const;
  uint64_t public_stream_connects() const;
  /// Forces both streams to reconnect (tests, and the user after a network change).
  void reconnect_streams();
  /// The last authentication problem of the private stream, in plain words ("" when none).
  const std::string& last_stream_error() const { return last_stream_error_; }
  /// Calls `listener` with every new trade of the subscribed pairs as the public stream reports it, in the
  /// order received (not the recent-trade history some exchanges send on subscribing). Returns an id for
  /// remove_public_trade_listener. Listeners run on the executor, inside the stream's message handler; they
  /// may add or remove listeners (effective from the next trade).
  uint64_t add_public_trade_listener(PublicTradeListener listener);
  void remove_public_trade_listener(uint64_t id);

 protected:
  // ---- exchange hooks ----
  virtual ClientOrderIdRules client_order_id_rules() const = 0;
  virtual boost::asio::awaitable<std::vector<TradingRule>> fetch_trading_rules() = 0;
  virtual boost::asio::awaitable<std::vector<Balance>> fetch_balances() = 0;
  /// Sends the order. Throws ExchangeError: kNetwork when the outcome is unknown, another kind for a
  /// rejection.
  virtual boost::asio::awaitable<PlacedOrder> place_order(const InFlightOrder& order) = 0;
  /// Requests the cancel. Throws ExchangeError (kOrderNotFound when the exchange does not know the order).
  virtual boost::asio::awaitable<void> cancel_order(const InFlightOrder& order) = 0;
  /// Current status. Throws ExchangeError kOrderNotFound when unknown.
  virtual boost::asio::awaitable<OrderUpdate> fetch_order_status(const InFlightOrder& order) = 0;
  virtual boost::asio::awaitable<std::vector<TradeUpdate>> fetch_order_fills(const InFlightOrder& order) = 0;
  /// Fills `book` from a REST snapshot.
  virtual boost::asio::awaitable<void> fetch_order_book_snapshot(const TradingPair& pair,
                                                                 OrderBook& book) = 0;
  /// Exchange server time in ms, or nullopt when the exchange has no such endpoint.
  virtual boost::asio::awaitable<std::optional<int64_t>> fetch_server_time_ms() { co_return std::nullopt; }
  /// Subscription messages for the public stream (books, trades, tickers of these pairs).
  virtual std::vector<std::string> public_subscriptions(const std::vector<TradingPair>& pairs) = 0;
  /// Messages that make the exchange send a fresh book snapshot (e.g. unsubscribe + subscribe).
  virtual std::vector<std::string> book_resync_messages(const TradingPair& pair) = 0;
  /// Parses one public message and feeds books/trades through the services below.
  virtual void on_public_message(std::string_view message) = 0;
  /// Logs in and subscribes on a fresh private connection. Throws ExchangeError on login failure.
  virtual boost::asio::awaitable<void> open_private_stream(net::ManagedWebSocket& ws) = 0;
  virtual void on_private_message(std::string_view message) = 0;
  /// Application-level ping text ("" = none) and its interval.
  virtual std::string ping_text() const { return {}; }
  virtual std::chrono::milliseconds ping_interval() const { return std::chrono::seconds(20); }
  /// Local checks before sending (beyond rules): returns a reason to refuse, or "" to send.
  virtual std::string validate_order(const InFlightOrder& order) const;

  // ---- services for exchange code ----
  net::HttpClient& http() { return *http_; }
  net::RateLimiter& limiter() { return limiter_; }
  net::ClockSync& clock() { return clock_; }
  const Endpoints& endpoints() const { return endpoints_; }
  const ConnectorConfig& config() const { return config_; }
  /// The credential's value, or "" when missing. Never log it.
  const std::string& credential(std::string_view name) const;
  int64_t now_ms() const { return clock_.now_ms(); }
  /// Sends a REST request under rate limit `limit_id`; on HTTP 429/418 pauses (Retry-After) and retries up to
  /// `max_rate_limit_retries` times. Network failures and HTTP 5xx throw ExchangeError kNetwork. Any other
  /// status is returned.
  boost::asio::awaitable<net::HttpResponse> send_rest(net::HttpRequest request, std::string_view limit_id,
                                                      int max_rate_limit_retries = 5);
  /// Builds the request of one attempt: signed requests are signed again (fresh timestamp) on every retry.
  using RequestFactory = std::function<net::HttpRequest()>;
  /// Inspects a returned response and may throw ExchangeError; kRateLimit (a rate limit reported in the body)
  /// pauses like HTTP 429 and retries.
  using ResponseCheck = std::function<void(const net::HttpResponse&)>;
  /// The one retry loop behind every REST call: send_rest above is this with a fixed request and no check.
  boost::asio::awaitable<net::HttpResponse> send_rest(RequestFactory make_request, ResponseCheck check,
                                                      std::string_view limit_id,
                                                      int max_rate_limit_retries = 5);
  /// Sends `call` to the REST host (src/connectors/rest_calls.cpp): the request is built for every attempt
  /// and handed to authorize_request (so a retry is signed afresh), then sent like send_rest with `check`.
  /// A keyed or signed call without an API key configured throws ExchangeError kBadApiKey before sending.
  boost::asio::awaitable<net::HttpResponse> rest(RestCall call, ResponseCheck check);
  /// Hook: adds the exchange's headers to one attempt of `call` and, for keyed and signed calls, its key and
  /// signature (timestamps from now_ms()). Called on the executor, once per attempt.
  virtual void authorize_request(net::HttpRequest& request, const RestCall& call) const;
  /// Asks for a clock resync (after a timestamp rejection).
  void request_clock_sync();

  std::optional<TradingPair> pair_for_symbol(std::string_view exchange_symbol) const;
  std::string symbol_for_pair(const TradingPair& pair) const;  ///< "" when unknown
  /// The book of a subscribed pair by exchange symbol (hot path), or nullptr.
  OrderBook* book_for_symbol(std::string_view exchange_symbol);
  /// The stream delivered a snapshot of the pair's book: it is served again.
  void mark_book_synced(const TradingPair& pair);
  /// Marks the book stale (order_book() gives nullptr, ready() false) and asks the exchange for a fresh
  /// snapshot; when none comes, asks again with back-off and serves REST snapshots meanwhile.
  void request_book_resync(const TradingPair& pair, std::string_view reason);
  void record_public_trade(const TradingPair& pair, Decimal price);
  /// Exchange code calls this for every new trade it parses from the public trade channel (price, size, taker
  /// side, id): it reaches the public trade listeners. It does not set last_trade_price
  /// (record_public_trade).
  void report_public_trade(const PublicTrade& trade);
  void set_balance(const std::string& asset, Decimal total, Decimal available);
  void replace_balances(const std::vector<Balance>& balances);
  /// Call on every private message: feeds the silence detector.
  void note_user_stream_activity();
  /// Applies a status report from the stream or a poll. A FILLED report that carries the cumulative executed
  /// amount completes the order once the fills received add up to it (market buys sized in quote never add up
  /// to the requested base amount).
  void apply_order_update(const OrderUpdate& update);
  /// Applies a fill report; returns false when no tracked order matches it.
  bool apply_trade_update(const TradeUpdate& trade);
  // ---- order lifecycle (src/connectors/order_lifecycle.cpp) ----
  /// The tracked order a private push is about: by client order id, then by exchange order id; nullptr
  /// for an order this connector did not place (another client on the same account).
  InFlightOrder* find_order_for_push(std::string_view client_order_id, std::string_view exchange_order_id);
  /// Applies a fill from the stream or a poll, finding its order by client id or exchange id. A fill whose
  /// order is not known yet (it beat the place answer that carries the exchange id) is parked and applied as
  /// soon as the id is known; parked fills of orders never seen expire after 10 minutes (another client's).
  /// Returns true when applied now.
  bool deliver_fill(TradeUpdate fill);
  /// Fills parked by deliver_fill and not applied yet.
  std::size_t parked_fills() const { return parked_fills_.size(); }
  /// One batch of public trades of `pair` as a push lists them: the newest sets last_trade_price, and unless
  /// `history` (the recent trades some exchanges send on subscribing) they reach the trade listeners oldest
  /// first, whatever order the push used.
  void report_public_trades(const TradingPair& pair, std::vector<PublicTrade> trades, bool history);
  /// Sizes a market BUY in quote (exchanges that take a spot market buy's size in quote): the cost of the
  /// order's base amount through the visible book, the rest at the worst price walked, or at
  /// fetch_reference_ask() when the book is empty; rounded up to the pair's quote increment. Throws
  /// ExchangeError kInvalidOrder when no price is known.
  boost::asio::awaitable<Decimal> market_buy_quote_amount(const InFlightOrder& order);
  /// The exchange's best ask (or last price) for market_buy_quote_amount when the book is empty.
  virtual boost::asio::awaitable<std::optional<Decimal>> fetch_reference_ask(const TradingPair&) {
    co_return std::nullopt;
  }

  /// The account's fee rates for a pair (from the exchange's schedule), used by estimate_fee.
  void set_fee_rates(const TradingPair& pair, Decimal maker, Decimal taker);
  /// Runs a background task on the executor, counted so that stop() waits for it; exceptions are logged.
  void spawn(boost::asio::awaitable<void> task, const char* what);
  /// Sleeps in short slices so that stop() never waits long. Returns early when stopping.
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds d);
  bool stopping() const { return stopping_; }
  bool private_stream_connected() const;
  /// Called after each successful private-stream login (subclasses reconcile their own state).
  virtual void on_private_stream_ready() {}
  /// Leverage recorded on new orders (perpetuals).
  virtual int order_leverage(const TradingPair&) const { return 1; }

 private:
  SubmitBarrier submit_barrier_;
  // A book is served (order_book(), ready()) only while it is known good: synced from the stream's snapshot
  // and diffs, or a REST snapshot taken while the stream cannot give one.
  struct BookState {
    TradingPair pair;
    OrderBook book;
    bool synced = false;             ///< stream snapshot, every diff since in sequence
    bool rest_snapshot = false;      ///< holds a REST snapshot (stream down, or its resync snapshot missing)
    bool resync_pending = false;     ///< a watch waits for the stream's snapshot
    bool resyncing = false;          ///< after a gap or a bad checksum (logged when it ends)
    uint64_t resync_generation = 0;  ///< ends a resync watch that a newer event made moot
    bool served() const { return synced || rest_snapshot; }
  };
  /// Waits for the stream's snapshot; when it does not come, serves a REST snapshot and asks again with
  /// back-off. `ask_first`: ask at once (after a gap; a fresh subscription has just asked).
  boost::asio::awaitable<void> book_resync_watch(TradingPair pair, uint64_t generation, bool ask_first);
  /// Takes a REST snapshot of the pair's book; installs it unless the stream synced the book meanwhile.
  boost::asio::awaitable<void> install_rest_snapshot(TradingPair pair);
  std::string place(TradeType side, const TradingPair& pair, Decimal amount, OrderType type, Decimal price,
                    PositionAction action);
  boost::asio::awaitable<void> place_task(std::string client_order_id);
  boost::asio::awaitable<void> cancel_task(std::string client_order_id);
  boost::asio::awaitable<void> poll_order(InFlightOrder& order, bool with_fills);
  boost::asio::awaitable<void> rules_loop();
  boost::asio::awaitable<void> polling_loop();
  boost::asio::awaitable<void> balance_loop();
  boost::asio::awaitable<void> clock_loop();
  boost::asio::awaitable<void> book_fallback_loop();
  boost::asio::awaitable<void> send_public(std::vector<std::string> messages);
  void set_trading_rules(std::vector<TradingRule> rules);

  boost::asio::any_io_executor ex_;
  ConnectorConfig config_;
  Endpoints endpoints_;
  ExchangeTimings timings_;
  std::unique_ptr<net::HttpClient> http_;
  net::RateLimiter limiter_;
  net::ClockSync clock_;
  OrderTracker tracker_;
  std::unique_ptr<ClientOrderIdGenerator> ids_;
  std::map<TradingPair, TradingRule> rules_;
  // Transparent hashing: hot-path lookups by string_view allocate nothing.
  struct SymbolHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  template <class V>
  using SymbolMap = std::unordered_map<std::string, V, SymbolHash, std::equal_to<>>;
  SymbolMap<TradingPair> symbol_to_pair_;
  std::map<TradingPair, std::string> pair_to_symbol_;
  std::map<TradingPair, BookState> books_;
  SymbolMap<BookState*> books_by_symbol_;
  std::map<TradingPair, Decimal> last_prices_;
  std::map<TradingPair, std::pair<Decimal, Decimal>> fee_rates_;  // maker, taker
  std::map<std::string, Balance> balances_;
  std::unique_ptr<net::ManagedWebSocket> public_ws_;
  std::unique_ptr<net::ManagedWebSocket> private_ws_;
  bool balances_ready_ = false;
  bool user_stream_ready_ = false;
  bool started_ = false;
  bool stopping_ = false;
  bool clock_sync_requested_ = false;
  bool restored_unreconciled_ = false;
  int running_tasks_ = 0;
  int64_t last_user_stream_activity_ms_ = 0;
  int64_t public_down_since_ms_ = 0;
  uint64_t book_resyncs_ = 0;
  std::map<uint64_t, PublicTradeListener> trade_listeners_;
  uint64_t next_trade_listener_id_ = 1;
  std::string last_stream_error_;
  struct ParkedFill {
    TradeUpdate fill;
    int64_t parked_ms = 0;
  };
  std::deque<ParkedFill> parked_fills_;
  void retry_parked_fills();
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace nectar
