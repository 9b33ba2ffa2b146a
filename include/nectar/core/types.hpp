// Small value types shared by every layer: trading pairs, order and position enums, trading rules, fees.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nectar/core/decimal.hpp"

namespace nectar {

/// A market in canonical form BASE-QUOTE (e.g. BTC-USDT). Exchange symbols are mapped to it through the
/// exchange's instrument metadata, never by splitting the exchange's string.
struct TradingPair {
  std::string base;
  std::string quote;

  /// "BTC-USDT". Throws std::invalid_argument naming the text when it is not BASE-QUOTE.
  static TradingPair parse(std::string_view canonical);
  static std::optional<TradingPair> try_parse(std::string_view canonical);
  std::string str() const { return base + "-" + quote; }
  friend bool operator==(const TradingPair&, const TradingPair&) = default;
  friend auto operator<=>(const TradingPair&, const TradingPair&) = default;  // NOLINT(modernize-use-nullptr)
};

enum class OrderType : uint8_t { kLimit, kLimitMaker, kMarket };
enum class TradeType : uint8_t { kBuy, kSell };
enum class PositionMode : uint8_t { kOneway, kHedge };
enum class PositionAction : uint8_t { kOpen, kClose, kNil };
enum class PositionSide : uint8_t { kLong, kShort, kBoth };

std::string_view to_string(OrderType v);
std::string_view to_string(TradeType v);
std::string_view to_string(PositionMode v);
std::string_view to_string(PositionAction v);
std::string_view to_string(PositionSide v);
std::optional<OrderType> parse_order_type(std::string_view text);  // "LIMIT", "LIMIT_MAKER", "MARKET"
std::optional<TradeType> parse_trade_type(std::string_view text);  // "BUY", "SELL" (any case)
std::optional<PositionMode> parse_position_mode(std::string_view text);
inline TradeType opposite(TradeType t) {
  return t == TradeType::kBuy ? TradeType::kSell : TradeType::kBuy;
}

/// How one unit of an instrument's quantity maps to assets (formulas: core/contract.hpp).
enum class ContractKind : uint8_t { kSpot, kLinear, kInverse, kQuanto };
std::string_view to_string(ContractKind k);  ///< "spot", "linear", "inverse", "quanto"

/// What one unit of quantity is. Value type; defaults describe a spot market.
struct ContractSpec {
  ContractKind kind = ContractKind::kSpot;
  Decimal contract_size = Decimal::one();  ///< linear/quanto: base (or settle) per contract; inverse: quote
  std::string settlement_currency;         ///< P&L / funding coin, e.g. "USDT" (linear), "XBT" (inverse)
  std::string margin_currency;             ///< collateral coin; usually the settlement currency

  bool is_inverse() const { return kind == ContractKind::kInverse; }
  bool is_derivative() const { return kind != ContractKind::kSpot; }
  friend bool operator==(const ContractSpec&, const ContractSpec&) = default;
};

/// What an exchange allows for one market. Zero means "no constraint" for the optional bounds.
struct TradingRule {
  TradingPair pair;
  Decimal min_order_size;              ///< base units
  Decimal max_order_size;              ///< base units; zero = unbounded
  Decimal min_price_increment;         ///< tick
  Decimal min_base_amount_increment;   ///< lot step
  Decimal min_quote_amount_increment;  ///< step of quote-denominated sizes (spot market buys)
  Decimal min_notional_size;           ///< quote units
  Decimal max_market_order_size;       ///< base units; zero = same as max_order_size
  bool supports_limit_orders = true;
  bool supports_market_orders = true;
  bool active = true;            ///< false when the exchange halted or delisted the market
  std::string exchange_symbol;   ///< the exchange's own id (e.g. BTCUSDT)
  int min_leverage = 1;          ///< perpetuals only
  int max_leverage = 1;          ///< perpetuals only
  std::string collateral_token;  ///< perpetuals: margin coin (e.g. USDT)
  /// Derivatives: the contract kind. kSpot on a perpetual connector's rule means linear (today's default).
  ContractKind contract_kind = ContractKind::kSpot;
  Decimal contract_size = Decimal::one();  ///< linear: base per contract; inverse: quote per contract
  std::string settlement_token;  ///< P&L coin; empty = collateral_token, else quote (base if inverse)

  /// The contract of this market; `derivative` reads kSpot as linear and fills the currencies' defaults.
  ContractSpec contract_spec(bool derivative) const;

  Decimal quantize_price(
      Decimal price) const;  ///< nearest tick, rounding toward the passive side is the caller's choice
  Decimal quantize_amount(Decimal amount) const;  ///< floor to the lot step
};

struct TokenAmount {
  std::string token;
  Decimal amount;
  friend bool operator==(const TokenAmount&, const TokenAmount&) = default;
};

/// A fee as charged: a percentage of the trade in `percent_token`, and/or flat amounts. Amounts are positive
/// when paid (exchanges that report paid fees as negative numbers are normalised by their connector).
struct TradeFee {
  Decimal percent;
  std::string percent_token;
  std::vector<TokenAmount> flat_fees;

  /// Total fee in `token` for a fill of `amount` at `price` on `pair` (percent applied to the quote value
  /// when percent_token is the quote, to the base amount when it is the base).
  Decimal fee_amount_in(std::string_view token, const TradingPair& pair, Decimal price, Decimal amount) const;
  friend bool operator==(const TradeFee&, const TradeFee&) = default;
};

}  // namespace nectar
