#include "nectar/connectors/perpetual_base.hpp"

#include <spdlog/spdlog.h>
#include <chrono>

#include "nectar/core/clock.hpp"

namespace nectar {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kSeenPaymentsLimit = 10000;

}  // namespace

PerpetualExchangeBase::PerpetualExchangeBase(asio::any_io_executor ex, ConnectorConfig config,
                                             Endpoints endpoints, std::vector<net::RateLimit> rate_limits)
    : ExchangeBase(ex, std::move(config), std::move(endpoints), std::move(rate_limits)) {}

void PerpetualExchangeBase::start() {
  // Payments made before this start are history, not news (persistence replays them, not the stream).
  if (funding_since_ms_ == 0) funding_since_ms_ = wall_clock_ms();
  ExchangeBase::start();
  if (config().track_user_stream) {
    spawn(read_position_mode(), "position mode");
    spawn(position_loop(), "positions");
    spawn(funding_loop(), "funding payments");
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Positions

std::vector<Position> PerpetualExchangeBase::positions() const {
  std::vector<Position> out;
  for (const auto& [key, p] : positions_) out.push_back(p);
  return out;
}

const Position* PerpetualExchangeBase::position(const TradingPair& pair, PositionSide side) const {
  auto it = positions_.find({pair, side});
  return it == positions_.end() ? nullptr : &it->second;
}

void PerpetualExchangeBase::update_position(const Position& p) {
  const auto key = std::pair{p.pair, p.side};
  if (p.amount.is_zero()) {
    positions_.erase(key);
  } else {
    positions_[key] = p;
  }
}

void PerpetualExchangeBase::replace_positions(const std::vector<Position>& positions) {
  positions_.clear();
  for (const auto& p : positions) update_position(p);
}

asio::awaitable<void> PerpetualExchangeBase::refresh_positions() {
  replace_positions(co_await fetch_positions());
}

asio::awaitable<void> PerpetualExchangeBase::position_loop() {
  while (!stopping()) {
    try {
      co_await refresh_positions();
    } catch (const std::exception& e) {
      spdlog::warn("{}: position refresh failed: {}", name(), e.what());
    }
    co_await sleep(timings().position_poll);
  }
}

void PerpetualExchangeBase::on_private_stream_ready() {
  // Whatever moved while the stream was down is fetched now.
  spawn(refresh_positions(), "position reconciliation");
}

// ---------------------------------------------------------------------------------------------------------------
// Position mode and leverage

asio::awaitable<void> PerpetualExchangeBase::read_position_mode() {
  for (auto retry = 500ms; !stopping(); retry = std::min<std::chrono::milliseconds>(retry * 2, 30s)) {
    try {
      position_mode_ = co_await fetch_position_mode();
      co_return;
    } catch (const std::exception& e) {
      spdlog::warn("{}: reading the position mode failed: {}", name(), e.what());
    }
    co_await sleep(retry);
  }
}

asio::awaitable<void> PerpetualExchangeBase::set_position_mode(PositionMode mode) {
  const TradingPair pair = trading_pairs().empty() ? TradingPair{} : trading_pairs().front();
  PositionModeChangedEvent event{now_ms(), pair, mode, false, {}};
  std::optional<std::string> failure;
  try {
    const PositionMode current = co_await fetch_position_mode();
    position_mode_ = current;
    if (current != mode) {
      co_await push_position_mode(mode);
      position_mode_ = mode;
      event.message = "position mode changed to " + std::string(to_string(mode));
    } else {
      event.message = "position mode already " + std::string(to_string(mode));
    }
    event.success = true;
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (failure) {
    event.message = "could not change the position mode to " + std::string(to_string(mode)) + ": " + *failure;
    spdlog::error("{}: {}", name(), event.message);
  }
  event.timestamp_ms = now_ms();
  events().publish(event);
}

int PerpetualExchangeBase::leverage(const TradingPair& pair) const {
  auto it = leverage_.find(pair);
  return it == leverage_.end() ? 1 : it->second;
}

asio::awaitable<void> PerpetualExchangeBase::set_leverage(const TradingPair& pair, int lev) {
  if (const std::string why = check_leverage_against_rule(pair, lev, trading_rule(pair)); !why.empty())
    throw ExchangeError(ErrorKind::kInvalidOrder, "", name() + ": " + why);
  co_await push_leverage(pair, lev);
  leverage_[pair] = lev;
}

// ---------------------------------------------------------------------------------------------------------------
// Funding

std::optional<FundingInfo> PerpetualExchangeBase::funding_info(const TradingPair& pair) const {
  auto it = funding_.find(pair);
  if (it == funding_.end()) return std::nullopt;
  return it->second;
}

void PerpetualExchangeBase::update_funding_info(const FundingInfo& info) {
  FundingInfo& f = funding_[info.pair];
  // Streams often send only some fields: keep what is known.
  f.pair = info.pair;
  if (!info.index_price.is_zero()) f.index_price = info.index_price;
  if (!info.mark_price.is_zero()) f.mark_price = info.mark_price;
  if (!info.rate.is_zero() || info.next_funding_time_ms != 0) f.rate = info.rate;
  if (info.next_funding_time_ms != 0) f.next_funding_time_ms = info.next_funding_time_ms;
}

asio::awaitable<void> PerpetualExchangeBase::poll_funding_payments() {
  auto payments = co_await fetch_funding_payments(funding_since_ms_);
  std::sort(payments.begin(), payments.end(),
            [](const FundingPayment& a, const FundingPayment& b) { return a.timestamp_ms < b.timestamp_ms; });
  for (const auto& p : payments) {
    if (p.timestamp_ms < funding_since_ms_ || p.id.empty() || seen_payments_.count(p.id)) continue;
    seen_payments_.insert(p.id);
    seen_order_.push_back(p.id);
    if (seen_order_.size() > kSeenPaymentsLimit) {
      seen_payments_.erase(seen_order_.front());
      seen_order_.pop_front();
    }
    events().publish(FundingPaymentEvent{p.timestamp_ms, p.pair, p.amount, p.rate, p.id});
  }
}

asio::awaitable<void> PerpetualExchangeBase::funding_loop() {
  while (!stopping()) {
    co_await sleep(timings().funding_poll);
    if (stopping()) break;
    try {
      co_await poll_funding_payments();
    } catch (const std::exception& e) {
      spdlog::warn("{}: funding payment check failed: {}", name(), e.what());
    }
    // The stream normally keeps funding info fresh; REST fills the gaps.
    for (const auto& pair : trading_pairs()) {
      if (stopping()) break;
      if (funding_.count(pair) && funding_[pair].next_funding_time_ms > now_ms()) continue;
      try {
        if (auto info = co_await fetch_funding_info(pair)) update_funding_info(*info);
      } catch (const std::exception& e) {
        spdlog::warn("{}: funding info of {} failed: {}", name(), pair.str(), e.what());
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Local order checks

std::string PerpetualExchangeBase::validate_order(const InFlightOrder& order) const {
  if (std::string base = ExchangeBase::validate_order(order); !base.empty()) return base;
  const TradingPair& pair = order.pair();
  const bool buy = order.trade_type() == TradeType::kBuy;
  if (order.position_action() == PositionAction::kClose) {
    // Hedge: a sell closes the long leg, a buy the short leg. One-way: the same on the net position.
    const PositionSide side = buy ? PositionSide::kShort : PositionSide::kLong;
    const Position* held = position(pair, side);
    const Decimal have = held ? held->amount : Decimal{};
    if (order.amount() > have) {
      return "cannot close " + order.amount().to_string() + " " + pair.base + ": the " +
             std::string(side == PositionSide::kLong ? "long" : "short") + " position held is " +
             have.to_string();
    }
    return {};
  }
  // Opening: the margin must be there. Market orders are priced at the mark (or the book's touch).
  Decimal price = order.price();
  if (order.order_type() == OrderType::kMarket || !price.is_positive()) {
    if (auto f = funding_info(pair); f && f->mark_price.is_positive()) {
      price = f->mark_price;
    } else if (const OrderBook* b = order_book(pair)) {
      price = (buy ? b->best_ask() : b->best_bid()).value_or(Decimal{});
    }
  }
  if (!price.is_positive()) return {};  // nothing to price it with: the exchange decides
  Decimal amount = order.amount();
  if (position_mode_ == PositionMode::kOneway) {
    // The part that reduces an opposite net position needs no new margin.
    if (const Position* opposite = position(pair, buy ? PositionSide::kShort : PositionSide::kLong))
      amount = amount > opposite->amount ? amount - opposite->amount : Decimal{};
  }
  const TradingRule* rule = trading_rule(pair);
  const std::string collateral =
      rule && !rule->collateral_token.empty() ? rule->collateral_token : pair.quote;
  const Decimal notional = amount.mul(price, Rounding::kCeil);
  const Decimal fee = notional.mul(estimate_fee(pair, order.order_type(), order.trade_type(), amount, price,
                                                order.order_type() == OrderType::kLimitMaker)
                                       .percent,
                                   Rounding::kCeil);
  const Decimal margin =
      notional.div(Decimal::from_int(std::max(1, order.leverage())), Rounding::kCeil) + fee;
  const Decimal available = available_balance(collateral);
  if (margin > available) {
    return "insufficient margin: opening " + amount.to_string() + " " + pair.base + " at " +
           price.to_string() + " with " + std::to_string(order.leverage()) + "x leverage needs " +
           margin.to_string() + " " + collateral + ", available " + available.to_string() + " " + collateral;
  }
  return {};
}

}  // namespace nectar
