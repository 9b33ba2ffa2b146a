// The MatchingEngine facade (include/nectar/sim/matching_engine.hpp): names and factories of the public
// types, and the engine itself as a matching core (sim/engine_core.hpp, matching_core.cpp) plus one
// settlement policy per instrument kind (spot_settlement.cpp, perpetual_settlement.cpp, perpetual_risk.cpp).
// docs/matching-engine.md.
#include "nectar/sim/matching_engine.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "sim/engine_core.hpp"
#include "sim/perpetual_settlement.hpp"
#include "sim/spot_settlement.hpp"

namespace nectar::sim {

// ---- free functions ----

std::string order_id_string(OrderId id) {
  return std::to_string(id);
}

std::optional<OrderId> parse_order_id(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  OrderId v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || p != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string_view to_string(RejectReason r) {
  switch (r) {
    case RejectReason::kNone:
      return "none";
    case RejectReason::kUnknownSymbol:
      return "unknown_symbol";
    case RejectReason::kInvalidParameter:
      return "invalid_parameter";
    case RejectReason::kPriceNotOnTick:
      return "price_not_on_tick";
    case RejectReason::kSizeNotOnLot:
      return "size_not_on_lot";
    case RejectReason::kBelowMinSize:
      return "below_min_size";
    case RejectReason::kAboveMaxSize:
      return "above_max_size";
    case RejectReason::kBelowMinNotional:
      return "below_min_notional";
    case RejectReason::kInsufficientBalance:
      return "insufficient_balance";
    case RejectReason::kDuplicateClientId:
      return "duplicate_client_id";
    case RejectReason::kPostOnlyWouldCross:
      return "post_only_would_cross";
    case RejectReason::kUnknownOrder:
      return "unknown_order";
    case RejectReason::kInsufficientMargin:
      return "insufficient_margin";
    case RejectReason::kReduceOnlyWouldIncrease:
      return "reduce_only_would_increase";
    case RejectReason::kCloseExceedsPosition:
      return "close_exceeds_position";
    case RejectReason::kPositionModeMismatch:
      return "position_mode_mismatch";
    case RejectReason::kLeverageOutOfRange:
      return "leverage_out_of_range";
    case RejectReason::kOpenPositionsOrOrders:
      return "open_positions_or_orders";
    case RejectReason::kNotPerpetual:
      return "not_perpetual";
  }
  return "unknown";
}

std::string_view to_string(MarginMode m) {
  return m == MarginMode::kCross ? "cross" : "isolated";
}

std::string_view to_string(BillType t) {
  switch (t) {
    case BillType::kTrade:
      return "trade";
    case BillType::kFunding:
      return "funding";
    case BillType::kLiquidation:
      return "liquidation";
  }
  return "unknown";
}

std::string_view to_string(OrderStatus s) {
  switch (s) {
    case OrderStatus::kNew:
      return "new";
    case OrderStatus::kPartiallyFilled:
      return "partially_filled";
    case OrderStatus::kFilled:
      return "filled";
    case OrderStatus::kCancelled:
      return "cancelled";
    case OrderStatus::kExpired:
      return "expired";
    case OrderStatus::kRejected:
      return "rejected";
  }
  return "unknown";
}

std::string_view to_string(OrderKind k) {
  switch (k) {
    case OrderKind::kLimit:
      return "limit";
    case OrderKind::kPostOnly:
      return "post_only";
    case OrderKind::kMarket:
      return "market";
  }
  return "unknown";
}

std::string_view to_string(TimeInForce t) {
  switch (t) {
    case TimeInForce::kGtc:
      return "gtc";
    case TimeInForce::kIoc:
      return "ioc";
    case TimeInForce::kFok:
      return "fok";
  }
  return "unknown";
}

OrderRequest OrderRequest::limit(AccountId account, std::string symbol, Side side, Decimal price,
                                 Decimal quantity, TimeInForce tif, std::string client_id) {
  OrderRequest r;
  r.account = account;
  r.symbol = std::move(symbol);
  r.client_id = std::move(client_id);
  r.side = side;
  r.kind = OrderKind::kLimit;
  r.tif = tif;
  r.price = price;
  r.quantity = quantity;
  return r;
}

OrderRequest OrderRequest::post_only(AccountId account, std::string symbol, Side side, Decimal price,
                                     Decimal quantity, std::string client_id) {
  OrderRequest r =
      limit(account, std::move(symbol), side, price, quantity, TimeInForce::kGtc, std::move(client_id));
  r.kind = OrderKind::kPostOnly;
  return r;
}

OrderRequest OrderRequest::market(AccountId account, std::string symbol, Side side, Decimal quantity,
                                  std::string client_id) {
  OrderRequest r;
  r.account = account;
  r.symbol = std::move(symbol);
  r.client_id = std::move(client_id);
  r.side = side;
  r.kind = OrderKind::kMarket;
  r.tif = TimeInForce::kIoc;
  r.quantity = quantity;
  return r;
}

OrderRequest OrderRequest::market_buy_quote(AccountId account, std::string symbol, Decimal quote_amount,
                                            std::string client_id) {
  OrderRequest r;
  r.account = account;
  r.symbol = std::move(symbol);
  r.client_id = std::move(client_id);
  r.side = Side::kBuy;
  r.kind = OrderKind::kMarket;
  r.tif = TimeInForce::kIoc;
  r.quote_amount = quote_amount;
  return r;
}

Decimal Order::average_price() const {
  if (!filled_qty.is_positive()) return Decimal{};
  return filled_quote.div(filled_qty, Rounding::kHalfUp);
}

// ---- MatchingEngine ----

struct MatchingEngine::Impl {
  engine::Core core;
  engine::SpotSettlement spot{core};
  engine::PerpetualSettlement perp{core};

  explicit Impl(EngineConfig c) : core(std::move(c)) {}
  /// The policy that settles an instrument of this kind: spot, or perpetual (linear, quanto, inverse).
  engine::Settlement& policy_for(const Instrument& in) {
    if (in.is_perpetual()) return perp;
    return spot;
  }
};

MatchingEngine::MatchingEngine(EngineConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
MatchingEngine::~MatchingEngine() = default;

void MatchingEngine::add_instrument(const Instrument& in) {
  impl_->core.add_instrument(in, impl_->policy_for(in));
}

bool MatchingEngine::set_fee_rates(std::string_view symbol, Decimal maker_rate, Decimal taker_rate) {
  auto it = impl_->core.markets.find(symbol);
  if (it == impl_->core.markets.end()) return false;
  for (Decimal rate : {maker_rate, taker_rate})
    if (rate.is_negative() || rate >= Decimal::one())
      throw std::invalid_argument("instrument '" + std::string(symbol) + "': fee rates must be in [0, 1)");
  it->second.inst.maker_fee_rate = maker_rate;
  it->second.inst.taker_fee_rate = taker_rate;
  return true;
}

const Instrument* MatchingEngine::instrument(std::string_view symbol) const {
  auto it = impl_->core.markets.find(symbol);
  return it == impl_->core.markets.end() ? nullptr : &it->second.inst;
}

std::vector<std::string> MatchingEngine::symbols() const {
  std::vector<std::string> out;
  for (const auto& [sym, m] : impl_->core.markets) out.push_back(sym);
  return out;
}

PlaceResult MatchingEngine::place(const OrderRequest& request) {
  return impl_->core.place(request);
}

CancelResult MatchingEngine::cancel(AccountId account, OrderId order_id) {
  return impl_->core.cancel_entry(account, impl_->core.live_entry(order_id),
                                  "with id " + order_id_string(order_id));
}

CancelResult MatchingEngine::cancel_by_client_id(AccountId account, std::string_view client_id) {
  engine::Entry* e = nullptr;
  auto acc = impl_->core.accounts.find(account);
  if (acc != impl_->core.accounts.end()) {
    auto it = acc->second.live_by_client.find(std::string(client_id));
    if (it != acc->second.live_by_client.end()) e = impl_->core.live_entry(it->second);
  }
  return impl_->core.cancel_entry(account, e, "with client id '" + std::string(client_id) + "'");
}

std::size_t MatchingEngine::cancel_all(AccountId account, std::string_view symbol) {
  engine::Core::Op op(impl_->core);  // one operation: all events are delivered after the last cancel
  std::vector<OrderId> ids;
  auto acc = impl_->core.accounts.find(account);
  if (acc == impl_->core.accounts.end()) return 0;
  for (const auto& [id, e] : acc->second.open)
    if (symbol.empty() || e->order.symbol == symbol) ids.push_back(id);
  std::size_t n = 0;
  for (OrderId id : ids) n += cancel(account, id).ok() ? 1 : 0;
  return n;
}

std::optional<Order> MatchingEngine::order(OrderId order_id) const {
  auto it = impl_->core.orders.find(order_id);
  if (it == impl_->core.orders.end()) return std::nullopt;
  return it->second.order;
}

std::optional<Order> MatchingEngine::order_by_client_id(AccountId account, std::string_view client_id) const {
  auto acc = impl_->core.accounts.find(account);
  if (acc == impl_->core.accounts.end()) return std::nullopt;
  const std::string key(client_id);
  for (const auto* index : {&acc->second.live_by_client, &acc->second.done_by_client}) {
    auto it = index->find(key);
    if (it != index->end()) return order(it->second);
  }
  return std::nullopt;
}

std::vector<Order> MatchingEngine::open_orders(AccountId account, std::string_view symbol) const {
  std::vector<Order> out;
  auto acc = impl_->core.accounts.find(account);
  if (acc == impl_->core.accounts.end()) return out;
  for (const auto& [id, e] : acc->second.open)
    if (symbol.empty() || e->order.symbol == symbol) out.push_back(e->order);
  return out;
}

std::vector<Order> MatchingEngine::recent_orders(AccountId account, std::string_view symbol,
                                                 std::size_t limit) const {
  std::vector<Order> out;
  auto acc = impl_->core.accounts.find(account);
  if (acc == impl_->core.accounts.end()) return out;
  const auto& done = acc->second.done;
  for (auto it = done.rbegin(); it != done.rend() && out.size() < limit; ++it) {
    auto o = impl_->core.orders.find(*it);
    if (o != impl_->core.orders.end() && (symbol.empty() || o->second.order.symbol == symbol))
      out.push_back(o->second.order);
  }
  return out;
}

std::vector<AccountFill> MatchingEngine::recent_fills(AccountId account, std::string_view symbol,
                                                      OrderId order_id, std::size_t limit) const {
  std::vector<AccountFill> out;
  auto acc = impl_->core.accounts.find(account);
  if (acc == impl_->core.accounts.end()) return out;
  const auto& fills = acc->second.fills;
  for (auto it = fills.rbegin(); it != fills.rend() && out.size() < limit; ++it)
    if ((symbol.empty() || it->symbol == symbol) && (order_id == 0 || it->order_id == order_id))
      out.push_back(*it);
  return out;
}

std::vector<PublicTrade> MatchingEngine::recent_trades(std::string_view symbol, std::size_t limit) const {
  std::vector<PublicTrade> out;
  auto it = impl_->core.markets.find(symbol);
  if (it == impl_->core.markets.end()) return out;
  const auto& trades = it->second.trades;
  for (auto t = trades.rbegin(); t != trades.rend() && out.size() < limit; ++t) out.push_back(*t);
  return out;
}

L2Book MatchingEngine::book(std::string_view symbol, std::size_t depth) const {
  L2Book out;
  auto it = impl_->core.markets.find(symbol);
  if (it == impl_->core.markets.end()) return out;
  const engine::Market& m = it->second;
  for (const auto& [key, lvl] : m.bids) {
    if (out.bids.size() >= depth) break;
    out.bids.push_back({lvl.price, lvl.total});
  }
  for (const auto& [key, lvl] : m.asks) {
    if (out.asks.size() >= depth) break;
    out.asks.push_back({lvl.price, lvl.total});
  }
  out.seq = m.seq;
  return out;
}

std::optional<Decimal> MatchingEngine::best_bid(std::string_view symbol) const {
  auto it = impl_->core.markets.find(symbol);
  if (it == impl_->core.markets.end() || it->second.bids.empty()) return std::nullopt;
  return it->second.bids.begin()->second.price;
}

std::optional<Decimal> MatchingEngine::best_ask(std::string_view symbol) const {
  auto it = impl_->core.markets.find(symbol);
  if (it == impl_->core.markets.end() || it->second.asks.empty()) return std::nullopt;
  return it->second.asks.begin()->second.price;
}

std::optional<Decimal> MatchingEngine::last_price(std::string_view symbol) const {
  auto it = impl_->core.markets.find(symbol);
  if (it == impl_->core.markets.end()) return std::nullopt;
  return it->second.last_price;
}

uint64_t MatchingEngine::book_seq(std::string_view symbol) const {
  auto it = impl_->core.markets.find(symbol);
  return it == impl_->core.markets.end() ? 0 : it->second.seq;
}

// ---- perpetuals: the perpetual settlement policy answers ----

PerpResult MatchingEngine::set_position_mode(AccountId account, PositionMode mode) {
  return impl_->perp.set_position_mode(account, mode);
}
PositionMode MatchingEngine::position_mode(AccountId account) const {
  return impl_->perp.position_mode(account);
}
PerpResult MatchingEngine::set_leverage(AccountId account, std::string_view symbol, Decimal leverage) {
  return impl_->perp.set_leverage(account, symbol, leverage);
}
PerpResult MatchingEngine::set_margin_mode(AccountId account, std::string_view symbol, MarginMode mode) {
  return impl_->perp.set_margin_mode(account, symbol, mode);
}
Decimal MatchingEngine::leverage(AccountId account, std::string_view symbol) const {
  return impl_->perp.leverage(account, symbol);
}
MarginMode MatchingEngine::margin_mode(AccountId account, std::string_view symbol) const {
  return impl_->perp.margin_mode(account, symbol);
}
bool MatchingEngine::set_mark_price(std::string_view symbol, Decimal price) {
  return impl_->perp.set_mark_price(symbol, price);
}
std::optional<Decimal> MatchingEngine::mark_price(std::string_view symbol) const {
  return impl_->perp.mark_price(symbol);
}
bool MatchingEngine::set_funding_rate(std::string_view symbol, Decimal rate) {
  return impl_->perp.set_funding_rate(symbol, rate);
}
Decimal MatchingEngine::funding_rate(std::string_view symbol) const {
  return impl_->perp.funding_rate(symbol);
}
int64_t MatchingEngine::next_funding_ms(std::string_view symbol) const {
  return impl_->perp.next_funding_ms(symbol);
}
std::size_t MatchingEngine::settle_funding(std::string_view symbol, Decimal rate) {
  return impl_->perp.settle_funding(symbol, rate);
}
std::size_t MatchingEngine::poll_funding() {
  return impl_->perp.poll_funding();
}
std::size_t MatchingEngine::check_liquidations() {
  return impl_->perp.check_liquidations();
}
std::vector<Position> MatchingEngine::positions(AccountId account, std::string_view symbol) const {
  return impl_->perp.positions(account, symbol);
}
std::optional<Position> MatchingEngine::position(AccountId account, std::string_view symbol,
                                                 PositionSide side) const {
  return impl_->perp.position(account, symbol, side);
}
std::vector<Bill> MatchingEngine::bills(AccountId account, int64_t since_ms, std::string_view symbol,
                                        std::size_t limit) const {
  return impl_->perp.bills(account, since_ms, symbol, limit);
}
std::vector<Liquidation> MatchingEngine::liquidations(AccountId account) const {
  return impl_->perp.liquidations(account);
}
MarginSummary MatchingEngine::margin_summary(AccountId account, std::string_view asset) const {
  return impl_->perp.margin_summary(account, asset);
}
Decimal MatchingEngine::bad_debt() const {
  return impl_->perp.bad_debt();
}

Ledger& MatchingEngine::ledger() {
  return impl_->core.ledger;
}
const Ledger& MatchingEngine::ledger() const {
  return impl_->core.ledger;
}
const EngineConfig& MatchingEngine::config() const {
  return impl_->core.cfg;
}

void MatchingEngine::add_listener(EngineListener* listener) {
  auto& ls = impl_->core.listeners;
  if (listener && std::find(ls.begin(), ls.end(), listener) == ls.end()) ls.push_back(listener);
}

void MatchingEngine::remove_listener(EngineListener* listener) {
  auto& ls = impl_->core.listeners;
  ls.erase(std::remove(ls.begin(), ls.end(), listener), ls.end());
}

}  // namespace nectar::sim
