// What Bitget spot and USDT-M perpetual share: signed REST, the envelope and error codes, the public stream
// (books with seq/CRC32 checks, trades) and the private stream (login, `orders` and `fill` pushes).
// `Base` is ExchangeBase (spot) or PerpetualExchangeBase; both are instantiated in common.cpp.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nectar/connectors/exchange_base.hpp"
#include "nectar/connectors/registry.hpp"

namespace boost::json {
class value;
class object;
class array;
}  // namespace boost::json

namespace nectar::bitget {

class BookParser;

/// Bitget's rate-limit pools (per second, as documented) shared by both markets.
std::vector<net::RateLimit> rate_limits();

/// Registry entry common to both markets: id, the three credentials (prompts name `product`, e.g. "Bitget" or
/// "Bitget Perpetual"), and the production and demo-trading environments (demo: `paptrading` header + wspap
/// hosts). The caller adds its factory.
ConnectorInfo connector_info(std::string id, bool perpetual, const std::string& product);

template <class Base>
class BitgetCommon : public Base {
 public:
  /// `inst_type`: "SPOT" or "USDT-FUTURES" (WebSocket instType).
  BitgetCommon(boost::asio::any_io_executor ex, ConnectorConfig config, Endpoints endpoints,
               std::string inst_type);
  ~BitgetCommon() override;

 protected:
  // ExchangeBase hooks common to both markets
  ClientOrderIdRules client_order_id_rules() const override;
  boost::asio::awaitable<std::optional<int64_t>> fetch_server_time_ms() override;
  std::vector<std::string> public_subscriptions(const std::vector<TradingPair>& pairs) override;
  std::vector<std::string> book_resync_messages(const TradingPair& pair) override;
  void on_public_message(std::string_view message) override;
  boost::asio::awaitable<void> open_private_stream(net::ManagedWebSocket& ws) override;
  void on_private_message(std::string_view message) override;
  std::string ping_text() const override { return "ping"; }
  std::chrono::milliseconds ping_interval() const override { return std::chrono::seconds(25); }

  // ---- market hooks ----
  /// Public channels subscribed per pair besides `books` and `trade` (perpetuals: `ticker`).
  virtual std::vector<std::string> extra_public_channels() const { return {}; }
  /// Private channels besides `orders` and `fill` (spot: `account`; perpetuals: `account`, `positions`).
  virtual std::vector<std::string> extra_private_channels() const = 0;
  /// A push of a channel not handled here (ticker, account, positions). `action` is snapshot/update.
  virtual void on_channel_push(std::string_view channel, std::string_view inst_id, std::string_view action,
                               const boost::json::array& data) = 0;
  /// The `orders` push of one order, once the shared fill and state handling is done (perpetuals read the
  /// position fields).
  virtual void after_order_push(const boost::json::object&) {}
  /// An `orders` push of an order this connector did not place (another client, or the exchange itself, e.g.
  /// a liquidation).
  virtual void on_foreign_order_push(const boost::json::object&) {}

  // ---- services ----
  /// Bitget's headers: locale and the demo header on every call, key, signature and passphrase on signed
  /// ones.
  void authorize_request(net::HttpRequest& request, const RestCall& call) const override;
  /// One REST call whose `data` is returned (Bitget's envelope checked; a timestamp rejection resyncs the
  /// clock). Throws ExchangeError.
  boost::asio::awaitable<boost::json::value> call(RestCall call, std::string_view context);
  /// Public GET through call().
  boost::asio::awaitable<boost::json::value> public_get(std::string path, std::string query,
                                                        std::string_view limit, std::string_view context);
  /// Signed request, re-signed on every retry; returns the envelope's `data`. Throws ExchangeError.
  boost::asio::awaitable<boost::json::value> private_request(std::string method, std::string path,
                                                             std::string query, std::string body,
                                                             std::string_view limit,
                                                             std::string_view context);
  const std::string& inst_type() const { return inst_type_; }
  bool demo() const { return demo_; }

 private:
  struct Books;
  void handle_order_push(const boost::json::object& element);
  void handle_fill_push(const boost::json::object& element);

  std::string inst_type_;
  bool demo_ = false;
  std::unique_ptr<BookParser> book_parser_;
  std::unique_ptr<Books> books_resolver_;
};

/// Rate-limit pool names.
namespace limits {
inline constexpr std::string_view kPublic = "public";
inline constexpr std::string_view kPlace = "place-order";
inline constexpr std::string_view kCancel = "cancel-order";
inline constexpr std::string_view kAssets = "assets";
inline constexpr std::string_view kOrderInfo = "orderInfo";
inline constexpr std::string_view kFills = "fills";
inline constexpr std::string_view kSettings = "settings";  ///< leverage, margin and position mode changes
}  // namespace limits

}  // namespace nectar::bitget
