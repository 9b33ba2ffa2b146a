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

}  // namespace nectar
