// ExchangeBase's order lifecycle services (declared in exchange_base.hpp) and the shared lifecycle rules
// (order_lifecycle.hpp): kept apart from exchange_base.cpp, which runs the loops and streams.
#include "nectar/connectors/order_lifecycle.hpp"

#include <algorithm>

#include "nectar/connectors/exchange_base.hpp"

namespace nectar {

namespace asio = boost::asio;

namespace {
constexpr std::size_t kMaxParkedFills = 1000;
constexpr int64_t kParkedFillTtlMs = int64_t{10} * 60 * 1000;
}  // namespace

std::string post_only_crossed_reason(std::string_view exchange) {
  return "post-only order would have taken liquidity (its price crosses the book), so " +
         std::string(exchange) + " cancelled it";
}

void fail_crossed_post_only(const InFlightOrder& order, OrderUpdate& update, std::string_view exchange) {
  if (update.new_state == OrderState::kCanceled && order.order_type() == OrderType::kLimitMaker &&
      order.state() != OrderState::kPendingCancel &&
      (!update.executed_base || update.executed_base->is_zero())) {
    update.new_state = OrderState::kFailed;
    update.reason = post_only_crossed_reason(exchange);
  }
}

InFlightOrder* ExchangeBase::find_order_for_push(std::string_view client_order_id,
                                                 std::string_view exchange_order_id) {
  InFlightOrder* order = client_order_id.empty() ? nullptr : tracker_.find(std::string(client_order_id));
  if (!order && !exchange_order_id.empty())
    order = tracker_.find_by_exchange_id(std::string(exchange_order_id));
  return order;
}

bool ExchangeBase::deliver_fill(TradeUpdate fill) {
  if (const InFlightOrder* order = find_order_for_push(fill.client_order_id, fill.exchange_order_id)) {
    fill.client_order_id = order->client_order_id();
    fill.pair = order->pair();
    return apply_trade_update(fill);
  }
  // Only a fill that names its order can be matched later.
  if (fill.client_order_id.empty() && fill.exchange_order_id.empty()) return false;
  if (parked_fills_.size() >= kMaxParkedFills) parked_fills_.pop_front();
  parked_fills_.push_back({std::move(fill), now_ms()});
  return false;
}

void ExchangeBase::retry_parked_fills() {
  if (parked_fills_.empty()) return;
  const int64_t now = now_ms();
  for (auto it = parked_fills_.begin(); it != parked_fills_.end();) {
    TradeUpdate& f = it->fill;
    if (const InFlightOrder* order = find_order_for_push(f.client_order_id, f.exchange_order_id)) {
      f.client_order_id = order->client_order_id();
      f.pair = order->pair();
      TradeUpdate ready = std::move(f);
      it = parked_fills_.erase(it);
      apply_trade_update(ready);
    } else if (now - it->parked_ms > kParkedFillTtlMs) {
      it = parked_fills_.erase(it);  // another client's order on the same account
    } else {
      ++it;
    }
  }
}

void ExchangeBase::report_public_trades(const TradingPair& pair, std::vector<PublicTrade> trades,
                                        bool history) {
  if (trades.empty()) return;
  // Oldest first, whatever order the push lists them in; among equal times the later listed is newer.
  std::stable_sort(trades.begin(), trades.end(), [](const PublicTrade& a, const PublicTrade& b) {
    return a.timestamp_ms < b.timestamp_ms;
  });
  record_public_trade(pair, trades.back().price);
  if (history) return;
  for (const auto& t : trades) report_public_trade(t);
}

asio::awaitable<Decimal> ExchangeBase::market_buy_quote_amount(const InFlightOrder& order) {
  const TradingRule* rule = trading_rule(order.pair());
  const Decimal step = rule && rule->min_quote_amount_increment.is_positive()
                           ? rule->min_quote_amount_increment
                           : Decimal::from_scaled(1, 8);
  Decimal quote;
  Decimal remaining = order.amount();
  if (const OrderBook* book = order_book(order.pair()); book && book->ask_count() > 0) {
    // What buying the amount through the visible book costs; any remainder at the worst price walked.
    const VolumeWalk walk = book->walk_volume(TradeType::kBuy, order.amount());
    quote = walk.quote_volume;
    remaining = order.amount() - walk.filled_volume;
    if (remaining.is_positive()) quote = quote + remaining.mul(walk.last_price, Rounding::kCeil);
    remaining = Decimal{};
  }
  if (remaining.is_positive()) {
    const std::optional<Decimal> ask = co_await fetch_reference_ask(order.pair());
    if (!ask || !ask->is_positive()) {
      throw ExchangeError(ErrorKind::kInvalidOrder, "",
                          name() + ": no price known for " + order.pair().str() + " to size a market buy");
    }
    quote = remaining.mul(*ask, Rounding::kCeil);
  }
  co_return quote.quantize(step, Rounding::kCeil);
}

}  // namespace nectar
