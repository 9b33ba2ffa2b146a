// The `bitget` spot connector: Bitget V2 REST + WebSocket (shared/protocols/bitget.md) on top of
// ExchangeBase.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nectar/connectors/exchange_base.hpp"
#include "nectar/connectors/registry.hpp"

namespace boost::json {
class value;
class object;
}  // namespace boost::json

namespace nectar::bitget {

class BookParser;

/// Connector id, credentials, environments (production, demo trading) and factory of `bitget`.
ConnectorInfo spot_connector_info();
/// Adds `bitget` (and, as they land, the other Bitget connectors) to the registry.
void register_connectors(ConnectorRegistry& registry);

/// Bitget spot. What is Bitget's own lives here: URLs, signing, message mapping, error codes.
/// - Books: `books` channel with seq and CRC32 checks (BookParser), resync by unsubscribe + subscribe.
/// - User stream: login, then `account`, `orders`, `fill`; fills are read from both `fill` and `orders`
///   pushes (deduplicated by trade id) so that one lost push never loses a fill.
/// - Market buys: Bitget sizes them in quote; the base amount asked for is converted at the best ask.
/// - A post-only order that would have crossed is accepted then cancelled by Bitget: reported as FAILED
///   with that reason, since it never rested.
class BitgetExchange : public ExchangeBase {
 public:
  BitgetExchange(boost::asio::any_io_executor ex, ConnectorConfig config, Endpoints endpoints);
  ~BitgetExchange() override;

  /// Rate limits of the spot endpoints (per second, as documented).
  static std::vector<net::RateLimit> rate_limits();

 protected:
  ClientOrderIdRules client_order_id_rules() const override;
  boost::asio::awaitable<std::vector<TradingRule>> fetch_trading_rules() override;
  boost::asio::awaitable<std::vector<Balance>> fetch_balances() override;
  boost::asio::awaitable<PlacedOrder> place_order(const InFlightOrder& order) override;
  boost::asio::awaitable<void> cancel_order(const InFlightOrder& order) override;
  boost::asio::awaitable<OrderUpdate> fetch_order_status(const InFlightOrder& order) override;
  boost::asio::awaitable<std::vector<TradeUpdate>> fetch_order_fills(const InFlightOrder& order) override;
  boost::asio::awaitable<void> fetch_order_book_snapshot(const TradingPair& pair, OrderBook& book) override;
  boost::asio::awaitable<std::optional<int64_t>> fetch_server_time_ms() override;
  std::vector<std::string> public_subscriptions(const std::vector<TradingPair>& pairs) override;
  std::vector<std::string> book_resync_messages(const TradingPair& pair) override;
  void on_public_message(std::string_view message) override;
  boost::asio::awaitable<void> open_private_stream(net::ManagedWebSocket& ws) override;
  void on_private_message(std::string_view message) override;
  std::string ping_text() const override { return "ping"; }
  std::chrono::milliseconds ping_interval() const override { return std::chrono::seconds(25); }

 private:
  struct Books;
  /// Sends a public (unsigned) GET and returns the envelope's `data` (throws ExchangeError).
  boost::asio::awaitable<boost::json::value> public_get(std::string path, std::string query,
                                                        std::string_view limit, std::string_view context);
  /// Sends a signed request and returns the envelope's `data` (throws ExchangeError).
  boost::asio::awaitable<boost::json::value> private_request(std::string method, std::string path,
                                                             std::string query, std::string body,
                                                             std::string_view limit,
                                                             std::string_view context);
  /// The quote amount Bitget needs for a market buy of `order`'s base amount.
  boost::asio::awaitable<Decimal> market_buy_quote_amount(const InFlightOrder& order);
  void handle_order_push(const boost::json::object& element);
  void handle_fill_push(const boost::json::object& element);
  void handle_account_push(const boost::json::object& element);
  void handle_public_json(std::string_view message);
  void retry_pending_fills();

  std::unique_ptr<BookParser> book_parser_;
  std::unique_ptr<Books> books_resolver_;
  std::deque<TradeUpdate> pending_fills_;  // fills for orders whose exchange id we do not know yet
  bool demo_ = false;
};

}  // namespace nectar::bitget
