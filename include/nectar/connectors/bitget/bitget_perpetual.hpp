// The `bitget_perpetual` connector: Bitget V2 USDT-M perpetuals (`mix` endpoints, instType USDT-FUTURES) on
// the shared perpetual layer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nectar/connectors/bitget/common.hpp"
#include "nectar/connectors/perpetual_base.hpp"
#include "nectar/connectors/registry.hpp"

namespace nectar::bitget {

/// Connector id, credentials, environments and factory of `bitget_perpetual`.
ConnectorInfo perpetual_connector_info();

/// Bitget USDT-M perpetual. Sizes are in base coin (contract size 1). Position actions map to Bitget as:
/// one-way mode: side only, closes carry reduceOnly YES; hedge mode: tradeSide open|close, and for a close
/// the side names the position (a SELL closing a long is sent as side buy + tradeSide close). Margin mode per
/// pair: crossed unless config option margin_mode=isolated; set at start.
class BitgetPerpetual : public BitgetCommon<PerpetualExchangeBase> {
 public:
  BitgetPerpetual(boost::asio::any_io_executor ex, ConnectorConfig config, Endpoints endpoints);
  ~BitgetPerpetual() override;

  void start() override;
  /// "crossed" or "isolated".
  const std::string& margin_mode() const { return margin_mode_; }

 protected:
  // ExchangeBase hooks
  boost::asio::awaitable<std::vector<TradingRule>> fetch_trading_rules() override;
  boost::asio::awaitable<std::vector<Balance>> fetch_balances() override;
  boost::asio::awaitable<PlacedOrder> place_order(const InFlightOrder& order) override;
  boost::asio::awaitable<void> cancel_order(const InFlightOrder& order) override;
  boost::asio::awaitable<OrderUpdate> fetch_order_status(const InFlightOrder& order) override;
  boost::asio::awaitable<std::vector<TradeUpdate>> fetch_order_fills(const InFlightOrder& order) override;
  boost::asio::awaitable<void> fetch_order_book_snapshot(const TradingPair& pair, OrderBook& book) override;
  // PerpetualExchangeBase hooks
  boost::asio::awaitable<std::vector<Position>> fetch_positions() override;
  boost::asio::awaitable<PositionMode> fetch_position_mode() override;
  boost::asio::awaitable<void> push_position_mode(PositionMode mode) override;
  boost::asio::awaitable<void> push_leverage(const TradingPair& pair, int leverage) override;
  boost::asio::awaitable<std::vector<FundingPayment>> fetch_funding_payments(int64_t since_ms) override;
  boost::asio::awaitable<std::optional<FundingInfo>> fetch_funding_info(const TradingPair& pair) override;
  // BitgetCommon hooks
  std::vector<std::string> extra_public_channels() const override { return {"ticker"}; }
  std::vector<std::string> extra_private_channels() const override { return {"account", "positions"}; }
  void on_channel_push(std::string_view channel, std::string_view inst_id, std::string_view action,
                       const boost::json::array& data) override;
  /// Liquidations arrive as the exchange's own orders (tradeSide burst_close_long|short).
  void on_foreign_order_push(const boost::json::object& order) override;

 private:
  /// Sets the margin mode of every pair once the rules are known.
  boost::asio::awaitable<void> apply_margin_mode();
  std::string symbol_or_throw(const TradingPair& pair) const;
  std::string collateral(const TradingPair& pair) const;

  std::string product_type_ = "USDT-FUTURES";
  std::string margin_mode_ = "crossed";
};

}  // namespace nectar::bitget
