// The shared perpetual machinery: positions, position mode, leverage, funding info and funding payments on
// top of ExchangeBase. A perpetual exchange adds only its hooks (REST/WS mapping), like a spot one.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "nectar/connectors/exchange_base.hpp"

namespace nectar {

/// One funding payment as the exchange's bill lists it.
struct FundingPayment {
  std::string id;  ///< the exchange's bill id: each payment is emitted once
  TradingPair pair;
  Decimal amount;  ///< positive when received, negative when paid
  Decimal rate;    ///< zero when the bill does not say
  int64_t timestamp_ms = 0;
};

/// Implements PerpetualConnector on ExchangeBase:
/// - positions from the private stream (update_position / replace_positions), reconciled by REST polling
///   and after every private reconnect;
/// - position mode read from the exchange at start and changed only when asked and different;
/// - leverage per pair (pushed to the exchange, recorded on orders);
/// - funding info from the stream (update_funding_info) with a REST fallback, funding payments polled from
///   the exchange's bills and emitted once each (deduplicated by bill id);
/// - local checks before an order leaves: an OPEN needs the margin (amount × price / leverage plus fees) in
///   the collateral's available balance; a CLOSE cannot exceed the position it closes.
class PerpetualExchangeBase : public ExchangeBase, public PerpetualConnector {
 public:
  PerpetualExchangeBase(boost::asio::any_io_executor ex, ConnectorConfig config, Endpoints endpoints,
                        std::vector<net::RateLimit> rate_limits);

  void start() override;

  // PerpetualConnector
  std::vector<Position> positions() const override;
  PositionMode position_mode() const override { return position_mode_; }
  boost::asio::awaitable<void> set_position_mode(PositionMode mode) override;
  boost::asio::awaitable<void> set_leverage(const TradingPair& pair, int leverage) override;
  std::optional<FundingInfo> funding_info(const TradingPair& pair) const override;

  int leverage(const TradingPair& pair) const;
  /// The position held on `side` of `pair` (one-way mode: the net position's side), or nullptr.
  const Position* position(const TradingPair& pair, PositionSide side) const;
  /// Fetches positions now (also done periodically and after every private reconnect).
  boost::asio::awaitable<void> refresh_positions();
  /// Polls the funding bills now.
  boost::asio::awaitable<void> poll_funding_payments();

 protected:
  // ---- exchange hooks ----
  virtual boost::asio::awaitable<std::vector<Position>> fetch_positions() = 0;
  virtual boost::asio::awaitable<PositionMode> fetch_position_mode() = 0;
  /// Changes the mode on the exchange. Throws ExchangeError with the exchange's reason when refused.
  virtual boost::asio::awaitable<void> push_position_mode(PositionMode mode) = 0;
  /// Sets the leverage on the exchange. Throws ExchangeError when refused (e.g. out of bounds).
  virtual boost::asio::awaitable<void> push_leverage(const TradingPair& pair, int leverage) = 0;
  /// Funding payments since `since_ms` (inclusive), any order.
  virtual boost::asio::awaitable<std::vector<FundingPayment>> fetch_funding_payments(int64_t since_ms) = 0;
  /// REST funding info of one pair (fallback while the stream has not delivered it).
  virtual boost::asio::awaitable<std::optional<FundingInfo>> fetch_funding_info(const TradingPair& pair) = 0;

  // ---- services for exchange code ----
  /// Sets one position; a zero amount removes it.
  void update_position(const Position& position);
  /// Replaces every position (a full snapshot from the stream or REST).
  void replace_positions(const std::vector<Position>& positions);
  void update_funding_info(const FundingInfo& info);
  void set_known_position_mode(PositionMode mode) { position_mode_ = mode; }
  /// Records the leverage the exchange reports for a pair (e.g. set earlier in the exchange's UI).
  void set_known_leverage(const TradingPair& pair, int leverage) { leverage_[pair] = leverage; }

  // ExchangeBase
  std::string validate_order(const InFlightOrder& order) const override;
  int order_leverage(const TradingPair& pair) const override { return leverage(pair); }
  void on_private_stream_ready() override;

 private:
  boost::asio::awaitable<void> position_loop();
  boost::asio::awaitable<void> funding_loop();
  boost::asio::awaitable<void> read_position_mode();

  std::map<std::pair<TradingPair, PositionSide>, Position> positions_;
  std::map<TradingPair, FundingInfo> funding_;
  std::map<TradingPair, int> leverage_;
  PositionMode position_mode_ = PositionMode::kOneway;
  std::set<std::string> seen_payments_;
  std::deque<std::string> seen_order_;  // eviction order of seen_payments_
  int64_t funding_since_ms_ = 0;
};

}  // namespace nectar
