// The perpetual paper connector: the engine's perpetual accounting (docs/perpetuals-sim.md) against the live
// market of a perpetual connector.
#include <algorithm>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "nectar/connectors/errors.hpp"
#include "nectar/connectors/perpetual_base.hpp"
#include "nectar/paper/paper_trade.hpp"

namespace nectar::paper {

namespace asio = boost::asio;

PerpetualPaperTradeConnector::PerpetualPaperTradeConnector(asio::any_io_executor ex, std::string name,
                                                           std::unique_ptr<Connector> market,
                                                           PaperTradeOptions options)
    : PaperTradeConnector(std::move(ex), std::move(name), std::move(market), std::move(options)),
      perp_market_(dynamic_cast<PerpetualConnector*>(&this->market())) {
  if (!perp_market_)
    throw std::invalid_argument(this->name() + ": the market connector is not a perpetual one");
}

// ---------------------------------------------------------------------------------------------------------------
// Instruments, leverage and orders

void apply_contract(const TradingRule& rule, sim::Instrument& in) {
  // The engine counts contracts of the market's own size (linear: base per contract, inverse: quote per
  // contract) and margins in its collateral coin; the connector's amounts stay in base units and are
  // converted at the boundary (engine_qty / base_qty).
  const ContractSpec spec = rule.contract_spec(true);
  in.contract_kind = spec.kind;
  in.contract_size = spec.contract_size;
  in.settle = spec.margin_currency;
  if (spec.is_inverse()) {
    in.lot = Decimal::one();  // a base-unit lot means nothing for a contract sized in quote: whole contracts
  } else if (spec.contract_size != Decimal::one()) {
    const Decimal lot = rule.min_base_amount_increment.div(spec.contract_size, Rounding::kCeil);
    in.lot = lot.is_positive() ? lot : Decimal::one();
  }
}

int PerpetualPaperTradeConnector::default_leverage(const TradingPair& pair) const {
  // What the real connector records on orders until it has read the account's leverage.
  int lev = 1;
  if (const auto* base = dynamic_cast<const PerpetualExchangeBase*>(&market())) lev = base->leverage(pair);
  if (const TradingRule* rule = trading_rule(pair); rule && rule->max_leverage >= rule->min_leverage)
    lev = std::clamp(lev, std::max(1, rule->min_leverage), std::max(1, rule->max_leverage));
  return std::max(1, lev);
}

sim::Instrument PerpetualPaperTradeConnector::make_instrument(const TradingRule& rule) const {
  sim::Instrument in = PaperTradeConnector::make_instrument(rule);
  in.kind = sim::InstrumentKind::kPerpetual;
  apply_contract(rule, in);
  const int lo = std::max(1, rule.min_leverage);
  const int hi = std::max(lo, rule.max_leverage);
  in.min_leverage = Decimal::from_int(lo);
  in.max_leverage = Decimal::from_int(hi);
  in.default_leverage = Decimal::from_int(std::clamp(default_leverage(rule.pair), lo, hi));
  return in;
}

int PerpetualPaperTradeConnector::leverage(const TradingPair& pair) const {
  if (const std::string* symbol = symbol_of(pair)) {
    const Decimal lev = engine().leverage(kPaperAccount, *symbol);
    if (lev.is_positive()) return static_cast<int>(lev.steps_of(Decimal::one()));
  }
  return default_leverage(pair);
}

std::string PerpetualPaperTradeConnector::prepare_request(const InFlightOrder& order,
                                                          sim::OrderRequest& request) const {
  const PositionAction action = order.position_action();
  if (engine().position_mode(kPaperAccount) == PositionMode::kHedge) {
    // Like the real connector: without an action a hedge-mode order opens.
    request.position_action =
        action == PositionAction::kClose ? PositionAction::kClose : PositionAction::kOpen;
  } else if (action == PositionAction::kClose) {
    request.reduce_only = true;  // one-way: a close only reduces the net position
  }
  return {};
}

asio::awaitable<void> PerpetualPaperTradeConnector::set_leverage(const TradingPair& pair, int lev) {
  if (const std::string why = check_leverage_against_rule(pair, lev, trading_rule(pair)); !why.empty())
    throw ExchangeError(ErrorKind::kInvalidOrder, "", name() + ": " + why);
  std::string symbol;
  try {
    symbol = ensure_instrument(pair);
  } catch (const std::runtime_error& e) {
    throw ExchangeError(ErrorKind::kUnknownSymbol, "", name() + ": " + e.what());
  }
  const sim::PerpResult r = mutable_engine().set_leverage(kPaperAccount, symbol, Decimal::from_int(lev));
  if (!r.ok()) {
    throw ExchangeError(r.reason == sim::RejectReason::kInsufficientMargin ? ErrorKind::kInsufficientBalance
                                                                           : ErrorKind::kInvalidOrder,
                        "", name() + ": " + r.message);
  }
  co_return;
}

PositionMode PerpetualPaperTradeConnector::position_mode() const {
  return engine().position_mode(kPaperAccount);
}

asio::awaitable<void> PerpetualPaperTradeConnector::set_position_mode(PositionMode mode) {
  const TradingPair pair = trading_pairs().empty() ? TradingPair{} : trading_pairs().front();
  PositionModeChangedEvent event{now_ms(), pair, mode, false, {}};
  if (position_mode() == mode) {
    event.success = true;
    event.message = "position mode already " + std::string(to_string(mode));
  } else if (const sim::PerpResult r = mutable_engine().set_position_mode(kPaperAccount, mode); r.ok()) {
    event.success = true;
    event.message = "position mode changed to " + std::string(to_string(mode));
  } else {
    event.message =
        "could not change the position mode to " + std::string(to_string(mode)) + ": " +
        (r.reason == sim::RejectReason::kOpenPositionsOrOrders ? std::string("positions or orders are open")
                                                               : r.message);
    spdlog::warn("{}: {}", name(), event.message);
  }
  events().publish(event);
  co_return;
}

// ---------------------------------------------------------------------------------------------------------------
// Positions and balances

std::vector<Position> PerpetualPaperTradeConnector::positions() const {
  std::vector<Position> out;
  for (const auto& p : engine().positions(kPaperAccount)) {
    const auto pair = pair_of(p.symbol);
    if (!pair) continue;
    const sim::Instrument* in = engine().instrument(p.symbol);
    Position q;
    q.pair = *pair;
    q.side = p.side;
    q.amount = in ? base_qty(*in, p.size, p.entry_price) : p.size;
    q.entry_price = p.entry_price;
    q.unrealized_pnl = p.unrealized_pnl;
    q.liquidation_price = p.liquidation_price;
    q.leverage = static_cast<int>(p.leverage.steps_of(Decimal::one()));
    out.push_back(std::move(q));
  }
  return out;
}

std::optional<FundingInfo> PerpetualPaperTradeConnector::funding_info(const TradingPair& pair) const {
  return perp_market_->funding_info(pair);
}

Decimal PerpetualPaperTradeConnector::balance(const std::string& asset) const {
  return engine().margin_summary(kPaperAccount, asset).equity;
}

Decimal PerpetualPaperTradeConnector::available_balance(const std::string& asset) const {
  return engine().margin_summary(kPaperAccount, asset).available;
}

// ---------------------------------------------------------------------------------------------------------------
// Marks, funding and liquidation

void PerpetualPaperTradeConnector::on_match_pass(int64_t now) {
  for (const auto& pair : trading_pairs()) {
    const std::string* symbol = symbol_of(pair);
    const auto info = perp_market_->funding_info(pair);
    if (symbol) {
      // The exchange's mark, else the live mid: unrealised PnL, available margin and liquidation use it.
      std::optional<Decimal> mark;
      if (info && info->mark_price.is_positive()) {
        mark = info->mark_price;
      } else if (const OrderBook* book = order_book(pair); book && book->best_bid() && book->best_ask()) {
        mark = (*book->best_bid() + *book->best_ask()).div(Decimal::from_int(2));
      }
      if (mark) {
        set_cancel_context("cancelled: the position was liquidated");
        mutable_engine().set_mark_price(*symbol, *mark);
        set_cancel_context({});
      }
    }
    // Funding: the rate announced for the market's next funding time is settled once that time passes.
    FundingState& fs = funding_[pair];
    if (info && info->next_funding_time_ms > fs.settled_time) {
      fs.pending_time = info->next_funding_time_ms;
      fs.pending_rate = info->rate;
    }
    if (fs.pending_time != 0 && now >= fs.pending_time) {
      if (symbol) settle_funding(pair, *symbol, fs.pending_rate, fs.pending_time);
      fs.settled_time = fs.pending_time;
      fs.pending_time = 0;
    }
  }
}

void PerpetualPaperTradeConnector::settle_funding(const TradingPair& pair, const std::string& symbol,
                                                  Decimal rate, int64_t funding_time) {
  // The engine writes one funding bill per position (two in hedge mode): one payment per pair and time.
  collecting_funding_ = true;
  funding_seen_ = false;
  funding_sum_ = Decimal{};
  set_cancel_context("cancelled: the position was liquidated");
  mutable_engine().settle_funding(symbol, rate);
  set_cancel_context({});
  collecting_funding_ = false;
  if (!funding_seen_) return;
  events().publish(FundingPaymentEvent{now_ms(), pair, funding_sum_, rate,
                                       "paper-funding-" + symbol + "-" + std::to_string(funding_time)});
}

void PerpetualPaperTradeConnector::on_bill(const sim::Bill& bill) {
  if (bill.account != kPaperAccount || bill.type != sim::BillType::kFunding || !collecting_funding_) return;
  funding_seen_ = true;
  funding_sum_ += bill.amount;
}

void PerpetualPaperTradeConnector::on_liquidation(const sim::Liquidation& l) {
  if (l.account != kPaperAccount) return;
  const auto pair = pair_of(l.symbol);
  if (!pair) return;
  spdlog::warn("{}: paper {} position of {} {} liquidated at {}", name(), to_string(l.side),
               l.size.to_string(), pair->str(), l.price.to_string());
  events().publish(PositionLiquidatedEvent{l.ts_ms, *pair, l.side, l.size, l.price});
}

}  // namespace nectar::paper
