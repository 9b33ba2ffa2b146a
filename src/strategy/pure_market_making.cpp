#include "nectar/strategy/pure_market_making.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <algorithm>

namespace nectar::strategy {

std::string PmmConfig::validate() const {
  if (pair.base.empty() || pair.quote.empty()) return "trading pair is missing";
  if (!order_amount.is_positive()) return "order_amount must be positive";
  if (order_levels < 1) return "order_levels must be at least 1";
  if (bid_spread.is_negative() || ask_spread.is_negative()) return "spreads cannot be negative";
  if (bid_spread >= Decimal::one()) return "bid_spread must be below 1 (100 %)";
  if (order_level_amount.is_negative()) return "order_level_amount cannot be negative";
  if (inventory_target_base.is_negative() || inventory_target_base > Decimal::one())
    return "inventory_target_base must be between 0 and 1";
  if (order_refresh_time.count() <= 0) return "order_refresh_time must be positive";
  if (kill_switch_loss && (!kill_switch_loss->is_positive() || *kill_switch_loss >= Decimal::one()))
    return "kill_switch_loss must be between 0 and 1";
  return {};
}

namespace {

Decimal clamp(Decimal v, Decimal lo, Decimal hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

}  // namespace

std::vector<OrderProposal> make_proposals(const PmmConfig& c, const TradingRule& rule, Decimal mid,
                                          Decimal base_available, Decimal quote_available, Decimal base_total,
                                          Decimal quote_total) {
  std::vector<OrderProposal> out;
  if (!mid.is_positive()) return out;
  const Decimal two = Decimal::from_int(2);

  // Inventory skew (Hummingbot's): sizes scale by [0, 2] as the base holding moves across
  // target ± total order size × multiplier; bids shrink when long, asks when short.
  Decimal bid_ratio = Decimal::one();
  Decimal ask_ratio = Decimal::one();
  if (c.inventory_skew) {
    Decimal total_size;
    for (int i = 0; i < c.order_levels; ++i)
      total_size = total_size + c.order_amount + c.order_level_amount.mul_int(i);
    const Decimal range = total_size.mul(c.inventory_range_multiplier);
    const Decimal value = base_total.mul(mid) + quote_total;
    const Decimal target_base = value.mul(c.inventory_target_base).div(mid);
    if (range.is_positive()) {
      bid_ratio = clamp(Decimal::one() - (base_total - target_base).div(range), Decimal{}, two);
      ask_ratio = two - bid_ratio;
    }
  }

  Decimal quote_left = quote_available;
  Decimal base_left = base_available;
  for (int i = 0; i < c.order_levels; ++i) {
    const Decimal level_amount = c.order_amount + c.order_level_amount.mul_int(i);
    const Decimal extra = c.order_level_spread.mul_int(i);
    const bool bids_allowed = !c.price_ceiling || mid <= *c.price_ceiling;
    const bool asks_allowed = !c.price_floor || mid >= *c.price_floor;
    if (bids_allowed) {
      const Decimal price =
          mid.mul(Decimal::one() - c.bid_spread - extra).quantize(rule.min_price_increment, Rounding::kFloor);
      Decimal amount = level_amount.mul(bid_ratio).quantize(rule.min_base_amount_increment, Rounding::kFloor);
      if (price.is_positive()) {
        // What the quote balance can still pay for.
        const Decimal affordable = quote_left.div(price, Rounding::kFloor)
                                       .quantize(rule.min_base_amount_increment, Rounding::kFloor);
        amount = Decimal::min(amount, affordable);
        if (amount >= rule.min_order_size && amount.is_positive() &&
            price.mul(amount) >= rule.min_notional_size) {
          out.push_back({TradeType::kBuy, price, amount});
          quote_left = quote_left - price.mul(amount, Rounding::kCeil);
        }
      }
    }
    if (asks_allowed) {
      const Decimal price =
          mid.mul(Decimal::one() + c.ask_spread + extra).quantize(rule.min_price_increment, Rounding::kCeil);
      Decimal amount = level_amount.mul(ask_ratio).quantize(rule.min_base_amount_increment, Rounding::kFloor);
      amount = Decimal::min(amount, base_left.quantize(rule.min_base_amount_increment, Rounding::kFloor));
      if (amount >= rule.min_order_size && amount.is_positive() &&
          price.mul(amount) >= rule.min_notional_size) {
        out.push_back({TradeType::kSell, price, amount});
        base_left = base_left - amount;
      }
    }
  }
  return out;
}

PureMarketMaking::PureMarketMaking(Connector& connector, PmmConfig config)
    : connector_(connector), config_(std::move(config)) {
  if (std::string why = config_.validate(); !why.empty())
    throw std::invalid_argument("pure market making: " + why);
  subscription_ = connector_.events().subscribe([this](const Event& e) { on_event(e); });
}

PureMarketMaking::~PureMarketMaking() = default;

std::vector<std::string> PureMarketMaking::active_order_ids() const {
  std::vector<std::string> out;
  for (const auto& id : orders_) {
    const InFlightOrder* o = connector_.order(id);
    if (o && !o->is_done()) out.push_back(id);
  }
  return out;
}

Decimal PureMarketMaking::portfolio_value(Decimal mid) const {
  return connector_.balance(config_.pair.base).mul(mid) + connector_.balance(config_.pair.quote);
}

void PureMarketMaking::on_event(const Event& event) {
  const auto* fill = std::get_if<OrderFilledEvent>(&event);
  if (!fill || std::find(orders_.begin(), orders_.end(), fill->client_order_id) == orders_.end()) return;
  ++stats_.fills;
  const Decimal quote = fill->price.mul(fill->amount);
  if (fill->trade_type == TradeType::kBuy) {
    stats_.base_bought = stats_.base_bought + fill->amount;
    stats_.quote_spent = stats_.quote_spent + quote;
  } else {
    stats_.base_sold = stats_.base_sold + fill->amount;
    stats_.quote_received = stats_.quote_received + quote;
  }
  resume_after_fill_ = std::chrono::steady_clock::now() + config_.filled_order_delay;
}

void PureMarketMaking::cancel_all() {
  for (const auto& id : active_order_ids()) {
    connector_.cancel(config_.pair, id);
    ++stats_.orders_cancelled;
  }
}

void PureMarketMaking::hold_quotes() {
  const std::vector<std::string> live = active_order_ids();
  if (!stats_.holding && !live.empty())
    spdlog::warn(
        "pure market making: the {} order book is out of sync: cancelling {} quote(s) until it is back",
        config_.pair.str(), live.size());
  stats_.holding = stats_.holding || !live.empty();
  for (const auto& id : live) {
    const InFlightOrder* o = connector_.order(id);
    if (o && o->state() == OrderState::kPendingCancel) continue;
    connector_.cancel(config_.pair, id);
    ++stats_.orders_cancelled;
  }
}

void PureMarketMaking::tick() {
  if (stats_.killed) return;
  const OrderBook* book = connector_.order_book(config_.pair);
  if (!book) {
    hold_quotes();  // never quote from, or keep quotes made from, a book that is not known good
    return;
  }
  if (stats_.holding) {
    spdlog::info("pure market making: the {} order book is back in sync: quoting again", config_.pair.str());
    stats_.holding = false;
    next_refresh_ = {};  // the held quotes were cancelled: a new ladder goes out now
  }
  if (!connector_.ready()) return;
  const TradingRule* rule = connector_.trading_rule(config_.pair);
  if (!rule) return;
  const auto mid = book->mid_price();
  if (!mid) return;
  const auto now = std::chrono::steady_clock::now();

  stats_.value = portfolio_value(*mid);
  if (stats_.start_value.is_zero()) stats_.start_value = stats_.value;
  if (config_.kill_switch_loss && stats_.start_value.is_positive() &&
      stats_.value < stats_.start_value.mul(Decimal::one() - *config_.kill_switch_loss)) {
    spdlog::error("pure market making: kill switch: portfolio value {} fell below {} of the start value {}",
                  stats_.value.to_string(), (Decimal::one() - *config_.kill_switch_loss).to_string(),
                  stats_.start_value.to_string());
    cancel_all();
    stats_.killed = true;
    return;
  }

  // Forget finished orders; cancel those the market came too close to.
  std::vector<std::string> live = active_order_ids();
  orders_ = live;
  if (config_.minimum_spread) {
    for (const auto& id : live) {
      const InFlightOrder* o = connector_.order(id);
      if (!o || o->state() == OrderState::kPendingCancel || o->state() == OrderState::kPendingCreate)
        continue;
      if ((o->price() - *mid).abs().div(*mid) < *config_.minimum_spread) {
        connector_.cancel(config_.pair, id);
        ++stats_.orders_cancelled;
      }
    }
  }
  if (now < resume_after_fill_ || now < next_refresh_) return;

  // A new ladder goes out only when none is live, so capping what is available caps what the ladder commits.
  auto usable = [this](const std::string& asset) {
    const Decimal available = connector_.available_balance(asset);
    auto limit = config_.balance_limits.find(asset);
    return limit == config_.balance_limits.end() ? available : Decimal::min(available, limit->second);
  };
  const auto proposals =
      make_proposals(config_, *rule, *mid, usable(config_.pair.base), usable(config_.pair.quote),
                     connector_.balance(config_.pair.base), connector_.balance(config_.pair.quote));
  if (!live.empty()) {
    // Keep the ladder when every order is still within tolerance of what we would quote now.
    bool keep = live.size() == proposals.size() && config_.order_refresh_tolerance.is_positive();
    for (std::size_t i = 0; keep && i < live.size(); ++i) {
      const InFlightOrder* o = connector_.order(live[i]);
      keep =
          o && o->trade_type() == proposals[i].side &&
          (o->price() - proposals[i].price).abs() <= proposals[i].price.mul(config_.order_refresh_tolerance);
    }
    if (keep) {
      next_refresh_ = now + config_.order_refresh_time;
    } else {
      cancel_all();  // the new ladder goes out once these are gone
    }
    return;
  }
  for (const auto& p : proposals) {
    const std::string id = p.side == TradeType::kBuy
                               ? connector_.buy(config_.pair, p.amount, OrderType::kLimit, p.price)
                               : connector_.sell(config_.pair, p.amount, OrderType::kLimit, p.price);
    orders_.push_back(id);
    ++stats_.orders_placed;
  }
  next_refresh_ = now + config_.order_refresh_time;
}

std::string PureMarketMaking::status_line() const {
  std::string orders;
  for (const auto& id : active_order_ids()) {
    const InFlightOrder* o = connector_.order(id);
    orders += fmt::format(" {}{}@{}", o->trade_type() == TradeType::kBuy ? "B" : "S", o->amount().to_string(),
                          o->price().to_string());
  }
  const Decimal pnl = stats_.value - stats_.start_value;
  return fmt::format("orders[{}] fills {} bought {} sold {} value {} {} (pnl {}){}",
                     orders.empty() ? " none" : orders, stats_.fills, stats_.base_bought.to_string(),
                     stats_.base_sold.to_string(), stats_.value.to_string_fixed(2), config_.pair.quote,
                     pnl.to_string_fixed(4), stats_.killed ? " KILLED" : "");
}

}  // namespace nectar::strategy
