#include "nectar/connectors/connector.hpp"

namespace nectar {

Decimal Connector::quantize_order_price(const TradingPair& pair, Decimal price) const {
  const TradingRule* rule = trading_rule(pair);
  return rule ? rule->quantize_price(price) : price;
}

Decimal Connector::quantize_order_amount(const TradingPair& pair, Decimal amount) const {
  const TradingRule* rule = trading_rule(pair);
  return rule ? rule->quantize_amount(amount) : amount;
}

std::string check_leverage_against_rule(const TradingPair& pair, int leverage, const TradingRule* rule) {
  if (rule && rule->max_leverage > 0 && (leverage < rule->min_leverage || leverage > rule->max_leverage)) {
    return "leverage " + std::to_string(leverage) + " is outside " + pair.str() + "'s bounds " +
           std::to_string(rule->min_leverage) + ".." + std::to_string(rule->max_leverage);
  }
  if (leverage < 1) return "leverage must be at least 1";
  return {};
}

std::string check_order_against_rule(const InFlightOrder& order, const TradingRule* rule,
                                     const std::string& connector) {
  if (!rule) return "unknown trading pair " + order.pair().str() + " on " + connector;
  if (!rule->active) return order.pair().str() + " is not trading on " + connector + " right now";
  if (!order.amount().is_positive()) {
    return "order amount is below the lot step " + rule->min_base_amount_increment.to_string() + " " +
           order.pair().base;
  }
  if (order.amount() < rule->min_order_size) {
    return "order amount " + order.amount().to_string() + " is below the minimum " +
           rule->min_order_size.to_string() + " " + order.pair().base;
  }
  if (!rule->max_order_size.is_zero() && order.amount() > rule->max_order_size) {
    return "order amount " + order.amount().to_string() + " is above the maximum " +
           rule->max_order_size.to_string() + " " + order.pair().base;
  }
  if (order.order_type() == OrderType::kMarket) {
    if (!rule->supports_market_orders) return "market orders are not supported on " + order.pair().str();
    return {};
  }
  if (!order.price().is_positive()) return "limit order needs a positive price";
  const Decimal notional = order.price().mul(order.amount());
  if (notional < rule->min_notional_size) {
    return "order value " + notional.to_string() + " " + order.pair().quote + " is below the minimum " +
           rule->min_notional_size.to_string() + " " + order.pair().quote;
  }
  return {};
}

}  // namespace nectar
