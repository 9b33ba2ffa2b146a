#include "nectar/core/types.hpp"

#include <stdexcept>
#include <utility>

namespace nectar {
namespace {

constexpr char ascii_upper(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}
constexpr bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_upper(a[i]) != ascii_upper(b[i])) return false;
  }
  return true;
}

std::optional<std::string> upper_token(std::string_view part) {
  if (part.empty()) return std::nullopt;
  std::string out(part.size(), '\0');
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (!is_alnum(part[i])) return std::nullopt;
    out[i] = ascii_upper(part[i]);
  }
  return out;
}

}  // namespace

std::optional<TradingPair> TradingPair::try_parse(std::string_view canonical) {
  const std::size_t dash = canonical.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  // A second '-' is rejected by the alnum check on the quote.
  auto base = upper_token(canonical.substr(0, dash));
  auto quote = upper_token(canonical.substr(dash + 1));
  if (!base || !quote) return std::nullopt;
  return TradingPair{std::move(*base), std::move(*quote)};
}

TradingPair TradingPair::parse(std::string_view canonical) {
  if (auto pair = try_parse(canonical)) return std::move(*pair);
  throw std::invalid_argument("invalid trading pair '" + std::string(canonical) + "': expected BASE-QUOTE");
}

std::string_view to_string(OrderType v) {
  switch (v) {
    case OrderType::kLimit:
      return "LIMIT";
    case OrderType::kLimitMaker:
      return "LIMIT_MAKER";
    case OrderType::kMarket:
      return "MARKET";
  }
  return "UNKNOWN";
}

std::string_view to_string(TradeType v) {
  switch (v) {
    case TradeType::kBuy:
      return "BUY";
    case TradeType::kSell:
      return "SELL";
  }
  return "UNKNOWN";
}

std::string_view to_string(PositionMode v) {
  switch (v) {
    case PositionMode::kOneway:
      return "ONEWAY";
    case PositionMode::kHedge:
      return "HEDGE";
  }
  return "UNKNOWN";
}

std::string_view to_string(PositionAction v) {
  switch (v) {
    case PositionAction::kOpen:
      return "OPEN";
    case PositionAction::kClose:
      return "CLOSE";
    case PositionAction::kNil:
      return "NIL";
  }
  return "UNKNOWN";
}

std::string_view to_string(PositionSide v) {
  switch (v) {
    case PositionSide::kLong:
      return "LONG";
    case PositionSide::kShort:
      return "SHORT";
    case PositionSide::kBoth:
      return "BOTH";
  }
  return "UNKNOWN";
}

std::optional<OrderType> parse_order_type(std::string_view text) {
  for (auto v : {OrderType::kLimit, OrderType::kLimitMaker, OrderType::kMarket}) {
    if (iequals(text, to_string(v))) return v;
  }
  return std::nullopt;
}

std::optional<TradeType> parse_trade_type(std::string_view text) {
  for (auto v : {TradeType::kBuy, TradeType::kSell}) {
    if (iequals(text, to_string(v))) return v;
  }
  return std::nullopt;
}

std::optional<PositionMode> parse_position_mode(std::string_view text) {
  for (auto v : {PositionMode::kOneway, PositionMode::kHedge}) {
    if (iequals(text, to_string(v))) return v;
  }
  return std::nullopt;
}

Decimal TradingRule::quantize_price(Decimal price) const {
  if (min_price_increment.is_zero()) return price;
  return price.quantize(min_price_increment, Rounding::kHalfEven);
}

Decimal TradingRule::quantize_amount(Decimal amount) const {
  if (min_base_amount_increment.is_zero()) return amount;
  return amount.quantize(min_base_amount_increment, Rounding::kFloor);
}

Decimal TradeFee::fee_amount_in(std::string_view token, const TradingPair& pair, Decimal price,
                                Decimal amount) const {
  Decimal total;
  // An empty percent_token means the quote, as in Hummingbot's default.
  const std::string_view pct_token = percent_token.empty() ? std::string_view(pair.quote) : percent_token;
  if (!percent.is_zero() && pct_token == token) {
    if (token == pair.quote) {
      total += percent.mul(price.mul(amount, Rounding::kHalfEven), Rounding::kHalfEven);
    } else if (token == pair.base) {
      total += percent.mul(amount, Rounding::kHalfEven);
    } else {
      // A percentage of the trade in a third token (e.g. BNB) needs a conversion rate we do not have.
      throw std::invalid_argument("fee_amount_in: percent fee in " + std::string(token) +
                                  " is neither base nor quote of " + pair.str());
    }
  }
  for (const auto& flat : flat_fees) {
    if (flat.token == token) total += flat.amount;
  }
  return total;
}

}  // namespace nectar
