// The `bitget` spot connector: Bitget V2 REST + WebSocket (shared/protocols/bitget.md) on top of
// ExchangeBase.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nectar/connectors/bitget/common.hpp"
#include "nectar/connectors/exchange_base.hpp"
#include "nectar/connectors/registry.hpp"

namespace nectar::bitget {

/// Connector id, credentials, environments (production, demo trading) and factory of `bitget`.
ConnectorInfo spot_connector_info();
/// Adds the Bitget connectors (`bitget`, `bitget_perpetual`) to the registry.
void register_connectors(ConnectorRegistry& registry);

/// Bitget spot. What is shared with the perpetual lives in BitgetCommon (signing, streams, fills); this class
/// maps the spot REST endpoints and the `account` channel.
/// - Market buys: Bitget sizes them in quote; the base amount asked for is converted at the book's cost.
/// - A post-only order that would have crossed is accepted then cancelled by Bitget: reported as FAILED with
///   that reason, since it never rested.
class BitgetExchange : public BitgetCommon<ExchangeBase> {
 public:
  BitgetExchange(boost::asio::any_io_executor ex, ConnectorConfig config, Endpoints endpoints);
  ~BitgetExchange() override;

 protected:
  boost::asio::awaitable<std::vector<TradingRule>> fetch_trading_rules() override;
  boost::asio::awaitable<std::vector<Balance>> fetch_balances() override;
  boost::asio::awaitable<PlacedOrder> place_order(const InFlightOrder& order) override;
  boost::asio::awaitable<void> cancel_order(const InFlightOrder& order) override;
  boost::asio::awaitable<OrderUpdate> fetch_order_status(const InFlightOrder& order) override;
  boost::asio::awaitable<std::vector<TradeUpdate>> fetch_order_fills(const InFlightOrder& order) override;
  boost::asio::awaitable<void> fetch_order_book_snapshot(const TradingPair& pair, OrderBook& book) override;
  std::vector<std::string> extra_public_channels() const override { return {"ticker"}; }
  std::vector<std::string> extra_private_channels() const override { return {"account"}; }
  void on_channel_push(std::string_view channel, std::string_view inst_id, std::string_view action,
                       const boost::json::array& data) override;

 private:
  /// The quote amount Bitget needs for a market buy of `order`'s base amount.
  boost::asio::awaitable<std::optional<Decimal>> fetch_reference_ask(const TradingPair& pair) override;
};

}  // namespace nectar::bitget
