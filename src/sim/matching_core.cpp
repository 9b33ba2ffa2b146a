// The matching core (sim/engine_core.hpp): validation, price-time matching, order kinds, order bookkeeping
// and event delivery. Money moves only through the market's settlement policy (sim/settlement.hpp).
#include <algorithm>
#include <stdexcept>

#include "nectar/core/clock.hpp"
#include "sim/settlement.hpp"

namespace nectar::sim::engine {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

int decimals_of(Decimal d) {
  Decimal::Raw raw = d.raw() < 0 ? -d.raw() : d.raw();
  if (raw == 0) return 0;
  int trailing = 0;
  while (trailing < Decimal::kScale && raw % 10 == 0) {
    raw /= 10;
    ++trailing;
  }
  return Decimal::kScale - trailing;
}

void check(const LedgerResult& r) {
  if (!r) throw std::logic_error("matching engine ledger invariant broken: " + r.message);
}

PlaceResult rejected(RejectReason reason, std::string message) {
  PlaceResult r;
  r.reason = reason;
  r.message = std::move(message);
  r.status = OrderStatus::kRejected;
  return r;
}

void Settlement::reserve(const Instrument& in, Order& o, Decimal amount) {
  check(core_.ledger.freeze(o.account, reserve_asset(in, o), amount));
  o.frozen = amount;
}

void Settlement::release(const Instrument& in, Order& o) {
  if (!o.frozen.is_positive()) return;
  check(core_.ledger.unfreeze(o.account, reserve_asset(in, o), o.frozen));
  o.frozen = Decimal{};
}

// ---- operations and events ----

Core::Op::~Op() noexcept(false) {
  if (--core_.depth_ != 0) return;
  if (std::uncaught_exceptions() > uncaught_) {
    if (!core_.dispatching_) core_.queue_.clear();
    core_.pending_balances_.clear();
    core_.deferred_.clear();
    core_.deferring_ = false;
    return;
  }
  core_.flush_balances();
  core_.dispatch();
}

Core::Core(EngineConfig c) : cfg(std::move(c)) {
  next_order_id_ = std::max<OrderId>(cfg.first_order_id, 1);
  next_trade_id = std::max<TradeId>(cfg.first_trade_id, 1);
  cfg.recent_orders_per_account = std::max<std::size_t>(cfg.recent_orders_per_account, 1);
  if (!cfg.clock) {
    cfg.clock = [] { return wall_clock_ms(); };
  }
  ledger.set_listener([this](const BalanceChange& change) {
    pending_balances_.push_back(change);
    if (depth_ == 0) {  // a direct ledger call from outside an engine operation
      flush_balances();
      dispatch();
    }
  });
}

/// Moves pending ledger changes to the event queue, one per (account, asset) with its last state, in order
/// of first change.
void Core::flush_balances() {
  if (pending_balances_.empty()) return;
  std::vector<BalanceChange> merged;
  for (auto& c : pending_balances_) {
    auto it = std::find_if(merged.begin(), merged.end(), [&](const BalanceChange& m) {
      return m.account == c.account && m.asset == c.asset;
    });
    if (it == merged.end())
      merged.push_back(std::move(c));
    else
      *it = std::move(c);
  }
  pending_balances_.clear();
  for (auto& c : merged) queue_.emplace_back(std::move(c));
}

void Core::dispatch() {
  if (dispatching_) return;  // the outer dispatch loop picks up what was appended
  dispatching_ = true;
  try {
    for (std::size_t i = 0; i < queue_.size(); ++i) {
      Event ev = std::move(queue_[i]);
      deliver(ev);
    }
  } catch (...) {
    queue_.clear();
    dispatching_ = false;
    throw;
  }
  queue_.clear();
  dispatching_ = false;
}

void Core::deliver(const Event& ev) {
  for (EngineListener* l : listeners) {
    std::visit(Overloaded{
                   [&](const AcceptedEvent& e) { l->on_order_accepted(e.order); },
                   [&](const FillEvent& e) { l->on_fill(e.fill, e.maker, e.taker); },
                   [&](const DoneEvent& e) { l->on_order_done(e.order); },
                   [&](const PublicTrade& e) { l->on_public_trade(e); },
                   [&](const BookLevelChange& e) { l->on_book_level(e); },
                   [&](const BalanceChange& e) { l->on_balance(e); },
                   [&](const PositionEvent& e) { l->on_position(e.position); },
                   [&](const BillEvent& e) { l->on_bill(e.bill); },
                   [&](const LiquidationEvent& e) { l->on_liquidation(e.liquidation); },
               },
               ev);
  }
}

void Core::level_changed(Market& m, Side side, Decimal price, Decimal qty) {
  queue_.emplace_back(BookLevelChange{m.inst.symbol, side, price, qty, ++m.seq, now()});
}

// ---- instruments ----

void Core::add_instrument(const Instrument& in, Settlement& policy) {
  auto bad = [&](const std::string& why) {
    throw std::invalid_argument("instrument '" + in.symbol + "': " + why);
  };
  if (in.symbol.empty()) bad("empty symbol");
  if (in.base.empty() || in.quote.empty() || in.base == in.quote)
    bad("base and quote must be distinct assets");
  if (!in.tick.is_positive()) bad("tick must be positive");
  if (!in.lot.is_positive()) bad("lot must be positive");
  if (decimals_of(in.tick) + decimals_of(in.lot) > Decimal::kScale)
    bad("tick " + str(in.tick) + " and lot " + str(in.lot) + " together need more than 18 decimals");
  if (in.min_size.is_negative() || in.max_size.is_negative() || in.min_notional.is_negative() ||
      in.quote_step.is_negative())
    bad("min_size, max_size, min_notional and quote_step must not be negative");
  for (Decimal rate : {in.maker_fee_rate, in.taker_fee_rate})
    if (rate.is_negative() || rate >= Decimal::one()) bad("fee rates must be in [0, 1)");
  if (const std::string why = policy.check_instrument(in); !why.empty()) bad(why);
  if (markets.count(in.symbol)) bad("symbol already exists");
  Market& m = markets.emplace(in.symbol, Market{}).first->second;
  m.inst = in;
  m.settlement = &policy;
  policy.market_added(m);
}

// ---- order bookkeeping ----

/// Terminal transition: releases what the order still holds, forgets it as live, remembers it as done.
void Core::finish(Market& m, Entry& e, OrderStatus status) {
  Order& o = e.order;
  o.status = status;
  o.updated_ms = now();
  m.settlement->release(m.inst, o);
  AccountOrders& acc = accounts[o.account];
  acc.open.erase(o.id);
  if (!o.client_id.empty()) {
    auto live = acc.live_by_client.find(o.client_id);
    if (live != acc.live_by_client.end() && live->second == o.id) acc.live_by_client.erase(live);
    acc.done_by_client[o.client_id] = o.id;
  }
  queue_.emplace_back(DoneEvent{o});
  acc.done.push_back(o.id);
  while (acc.done.size() > cfg.recent_orders_per_account) {
    OrderId old = acc.done.front();
    acc.done.pop_front();
    auto it = orders.find(old);
    if (it == orders.end()) continue;
    const std::string& cid = it->second.order.client_id;
    if (!cid.empty()) {
      auto d = acc.done_by_client.find(cid);
      if (d != acc.done_by_client.end() && d->second == old) acc.done_by_client.erase(d);
    }
    orders.erase(it);
  }
}

void Core::rest(Market& m, Entry& e) {
  Order& o = e.order;
  BookSide& book = m.side(o.side);
  auto [it, inserted] = book.try_emplace(Market::key(o.side, o.price));
  Level& lvl = it->second;
  if (inserted) lvl.price = o.price;
  lvl.orders.push_back(&e);
  e.pos = std::prev(lvl.orders.end());
  e.resting = true;
  lvl.total += o.remaining();
  level_changed(m, o.side, lvl.price, lvl.total);
}

void Core::record_fill(AccountOrders& acc, AccountFill f) {
  acc.fills.push_back(std::move(f));
  while (acc.fills.size() > cfg.recent_fills_per_account) acc.fills.pop_front();
}

// ---- matching ----

/// One match at the maker's price. The policy settles it; then the orders, level total and market stats are
/// updated and the fill, public trade and level events queued, followed by what the policy posted. The caller
/// removes a filled maker from the level.
void Core::execute(Market& m, Level& lvl, Entry& maker_e, Entry& taker_e, Decimal qty) {
  const Instrument& in = m.inst;
  Order& maker = maker_e.order;
  Order& taker = taker_e.order;
  const Decimal price = lvl.price;
  const Decimal quote = price.mul(qty, Rounding::kHalfUp);  // exact: tick/lot decimals checked at add
  Order& buyer = taker.side == Side::kBuy ? taker : maker;
  Order& seller = taker.side == Side::kBuy ? maker : taker;
  const bool buyer_is_maker = &buyer == &maker;

  LegResult buyer_leg;
  LegResult seller_leg;
  deferring_ = true;
  m.settlement->settle_fill(m, FillTerms{price, qty, quote, buyer_is_maker, next_trade_id}, buyer, seller,
                            buyer_leg, seller_leg);
  deferring_ = false;
  const Decimal buyer_fee = buyer_leg.fee;
  const Decimal seller_fee = seller_leg.fee;

  const int64_t ts = now();
  for (Order* o : {&buyer, &seller}) {
    o->filled_qty += qty;
    o->filled_quote += quote;
    o->fee += o == &buyer ? buyer_fee : seller_fee;
    o->updated_ms = ts;
    o->status = OrderStatus::kPartiallyFilled;
  }
  if (!maker.remaining().is_positive()) maker.status = OrderStatus::kFilled;
  // So the fill event's taker snapshot already says "filled" on the fill that completes it. (A market buy by
  // quote that ends on dust is only known to be complete when the next level is unaffordable.)
  if (taker.quote_amount.is_positive() ? !taker.frozen.is_positive() : !taker.remaining().is_positive())
    taker.status = OrderStatus::kFilled;
  lvl.total -= qty;

  Fill f;
  f.trade_id = next_trade_id++;
  f.symbol = in.symbol;
  f.price = price;
  f.qty = qty;
  f.quote_qty = quote;
  f.taker_side = taker.side;
  f.maker_order_id = maker.id;
  f.taker_order_id = taker.id;
  f.maker_account = maker.account;
  f.taker_account = taker.account;
  f.maker_fee = buyer_is_maker ? buyer_fee : seller_fee;
  f.maker_fee_asset = maker.fee_asset;
  f.taker_fee = buyer_is_maker ? seller_fee : buyer_fee;
  f.taker_fee_asset = taker.fee_asset;
  f.ts_ms = ts;

  m.last_price = price;
  PublicTrade pt{f.trade_id, in.symbol, price, qty, taker.side, ts};
  m.trades.push_back(pt);
  while (m.trades.size() > cfg.recent_trades_per_symbol) m.trades.pop_front();

  for (const Order* o : {&maker, &taker}) {
    const bool is_maker = o == &maker;
    const LegResult& leg = o == &buyer ? buyer_leg : seller_leg;
    record_fill(accounts[o->account],
                AccountFill{f.trade_id, o->id, o->client_id, in.symbol, o->side, o->kind, price, qty, quote,
                            is_maker ? f.maker_fee : f.taker_fee, o->fee_asset, is_maker, ts,
                            leg.realized_pnl, leg.position_side, leg.position_action});
  }

  queue_.emplace_back(FillEvent{f, maker, taker});
  queue_.emplace_back(std::move(pt));
  level_changed(m, maker.side, price, lvl.total);
  for (auto& ev : deferred_) queue_.push_back(std::move(ev));
  deferred_.clear();
}

/// Removes the front resting order of a level without a fill and cancels it (a reduce-only maker with
/// nothing left to reduce). The caller erases the level if it became empty.
void Core::drop_front(Market& m, Level& lvl, Entry& e) {
  lvl.orders.pop_front();
  e.resting = false;
  lvl.total -= e.order.remaining();
  level_changed(m, e.order.side, lvl.price, lvl.total);
  finish(m, e, OrderStatus::kCancelled);
}

/// Base available to a taker on `side` at `limit` or better.
Decimal Core::liquidity(const Market& m, Side side, Decimal limit) {
  Decimal sum;
  for (const auto& [key, lvl] : m.side(opposite(side))) {
    if (side == Side::kBuy ? lvl.price > limit : lvl.price < limit) break;
    sum += lvl.total;
  }
  return sum;
}

bool Core::crosses(const Market& m, Side side, Decimal price) {
  const BookSide& opp = m.side(opposite(side));
  if (opp.empty()) return false;
  const Decimal best = opp.begin()->second.price;
  return side == Side::kBuy ? price >= best : price <= best;
}

/// Takes liquidity for `taker_e` until it is complete, the book runs out, or the price limit stops it.
/// Returns true when a market buy by quote stopped because less than one lot was affordable (its reserve is
/// its unspent quote, Order::frozen).
bool Core::match(Market& m, Entry& taker_e) {
  Order& t = taker_e.order;
  BookSide& opp = m.side(opposite(t.side));
  const bool by_quote = t.quote_amount.is_positive();
  bool stop = false;  // a reduce-only taker has nothing left to reduce
  while (!opp.empty() && !stop) {
    if (!by_quote && !t.remaining().is_positive()) break;
    auto lvl_it = opp.begin();
    Level& lvl = lvl_it->second;
    if (t.kind != OrderKind::kMarket && (t.side == Side::kBuy ? lvl.price > t.price : lvl.price < t.price))
      break;
    while (!lvl.orders.empty()) {
      Entry& maker_e = *lvl.orders.front();
      Decimal qty = maker_e.order.remaining();
      if (maker_e.order.reduce_only) {
        // Reduce-only makers never increase or flip: trimmed to the position, cancelled once it is gone.
        const Decimal cap = m.settlement->reducible(maker_e.order);
        if (!cap.is_positive()) {
          drop_front(m, lvl, maker_e);
          flush_balances();
          continue;
        }
        qty = Decimal::min(qty, cap);
      }
      if (by_quote) {
        const Decimal afford = t.frozen.div(lvl.price, Rounding::kDown).quantize(m.inst.lot, Rounding::kDown);
        if (!afford.is_positive()) return true;
        qty = Decimal::min(qty, afford);
      } else {
        qty = Decimal::min(qty, t.remaining());
        if (!qty.is_positive()) break;
      }
      if (t.reduce_only) {
        const Decimal cap = m.settlement->reducible(t);
        if (!cap.is_positive()) {
          stop = true;
          break;
        }
        qty = Decimal::min(qty, cap);
      }
      execute(m, lvl, maker_e, taker_e, qty);
      if (maker_e.order.status == OrderStatus::kFilled) {
        lvl.orders.pop_front();
        maker_e.resting = false;
        finish(m, maker_e, OrderStatus::kFilled);
      }
      flush_balances();
      if (!by_quote && !t.remaining().is_positive()) break;
    }
    if (lvl.orders.empty()) opp.erase(lvl_it);
  }
  return by_quote && t.frozen.is_positive() && !opp.empty();
}

// ---- placing and cancelling ----

/// Parameters, ticks, lots, sizes and notional: everything but the funds.
PlaceResult Core::check_request(const Market& m, const OrderRequest& rq) const {
  const Instrument& in = m.inst;
  const bool market = rq.kind == OrderKind::kMarket;
  const bool by_quote = market && rq.side == Side::kBuy && rq.quote_amount.is_positive();

  if (rq.price.is_negative() || rq.quantity.is_negative() || rq.quote_amount.is_negative())
    return rejected(RejectReason::kInvalidParameter, "price, quantity and quote amount must not be negative");
  if (market) {
    if (!rq.price.is_zero())
      return rejected(RejectReason::kInvalidParameter, "market order must not have a price");
    if (rq.quote_amount.is_positive() && rq.side != Side::kBuy)
      return rejected(RejectReason::kInvalidParameter, "only a market buy can be sized in quote");
    if (rq.quote_amount.is_positive() == rq.quantity.is_positive())
      return rejected(RejectReason::kInvalidParameter,
                      "market order needs exactly one of quantity and quote amount");
  } else {
    if (!rq.price.is_positive())
      return rejected(RejectReason::kInvalidParameter, "limit order needs a positive price");
    if (!rq.quantity.is_positive())
      return rejected(RejectReason::kInvalidParameter, "limit order needs a positive quantity");
    if (rq.quote_amount.is_positive())
      return rejected(RejectReason::kInvalidParameter, "only a market buy can be sized in quote");
  }
  if (PlaceResult r = m.settlement->check_request(in, rq); !r.ok()) return r;

  // Steps.
  if (!market && !is_multiple(rq.price, in.tick))
    return rejected(RejectReason::kPriceNotOnTick, "price " + str(rq.price) + " is not a multiple of tick " +
                                                       str(in.tick) + " for " + in.symbol);
  if (by_quote) {
    if (in.quote_step.is_positive() && !is_multiple(rq.quote_amount, in.quote_step))
      return rejected(RejectReason::kSizeNotOnLot, "quote amount " + str(rq.quote_amount) +
                                                       " is not a multiple of " + str(in.quote_step) +
                                                       " for " + in.symbol);
  } else {
    if (!is_multiple(rq.quantity, in.lot))
      return rejected(RejectReason::kSizeNotOnLot, "size " + str(rq.quantity) + " is not a multiple of lot " +
                                                       str(in.lot) + " for " + in.symbol);
    if (rq.quantity < in.min_size)
      return rejected(RejectReason::kBelowMinSize, "size " + str(rq.quantity) + " is below the minimum " +
                                                       str(in.min_size) + " for " + in.symbol);
    if (in.max_size.is_positive() && rq.quantity > in.max_size)
      return rejected(RejectReason::kAboveMaxSize, "size " + str(rq.quantity) + " is above the maximum " +
                                                       str(in.max_size) + " for " + in.symbol);
  }

  // Notional: the limit price, the quote amount, or (market by base) the best opposite price if any.
  if (in.min_notional.is_positive()) {
    std::optional<Decimal> notional;
    if (by_quote) {
      notional = rq.quote_amount;
    } else if (!market) {
      notional = m.settlement->notional(in, rq.quantity, rq.price);
    } else if (const BookSide& opp = m.side(opposite(rq.side)); !opp.empty()) {
      notional = m.settlement->notional(in, rq.quantity, opp.begin()->second.price);
    }
    if (notional && *notional < in.min_notional)
      return rejected(RejectReason::kBelowMinNotional, "notional " + str(*notional) +
                                                           " is below the minimum " + str(in.min_notional) +
                                                           " for " + in.symbol);
  }
  return {};
}

PlaceResult Core::place(const OrderRequest& rq) {
  Op op(*this);
  auto mit = markets.find(rq.symbol);
  if (mit == markets.end())
    return rejected(RejectReason::kUnknownSymbol, "unknown symbol '" + rq.symbol + "'");
  Market& m = mit->second;
  const Instrument& in = m.inst;
  const bool market = rq.kind == OrderKind::kMarket;
  const bool by_quote = market && rq.side == Side::kBuy && rq.quote_amount.is_positive();
  if (PlaceResult r = check_request(m, rq); !r.ok()) return r;

  AccountOrders& acc = accounts[rq.account];
  if (!rq.client_id.empty() && acc.live_by_client.count(rq.client_id))
    return rejected(RejectReason::kDuplicateClientId,
                    "client order id '" + rq.client_id + "' is already used by a live order");
  Admission adm;
  if (PlaceResult r = m.settlement->admit(m, rq, adm); !r.ok()) return r;

  // From here on an order exists.
  const int64_t ts = now();
  const OrderId id = next_order_id_++;
  Entry& e = orders[id];
  Order& o = e.order;
  o.id = id;
  o.account = rq.account;
  o.client_id = rq.client_id;
  o.symbol = in.symbol;
  o.side = rq.side;
  o.kind = rq.kind;
  o.tif = rq.kind == OrderKind::kLimit ? rq.tif : TimeInForce::kGtc;
  if (market) o.tif = TimeInForce::kIoc;
  o.price = rq.price;
  o.quantity = by_quote ? Decimal{} : rq.quantity;
  o.quote_amount = by_quote ? rq.quote_amount : Decimal{};
  o.fee_asset = m.settlement->fee_asset(in, rq.side);
  o.created_ms = o.updated_ms = ts;
  o.reduce_only = adm.reduce_only;
  o.position_action = adm.action;
  o.position_side = adm.slot;

  if (rq.kind == OrderKind::kPostOnly && crosses(m, rq.side, rq.price)) {
    o.reject_reason = RejectReason::kPostOnlyWouldCross;
    finish(m, e, OrderStatus::kRejected);
    PlaceResult r = rejected(RejectReason::kPostOnlyWouldCross,
                             std::string("post-only ") + side_name(rq.side) + " at " + str(rq.price) +
                                 " would cross the book of " + in.symbol);
    r.order_id = id;
    return r;
  }

  m.settlement->reserve(in, o, adm.reserve);
  acc.open.emplace(id, &e);
  if (!o.client_id.empty()) acc.live_by_client[o.client_id] = id;
  queue_.emplace_back(AcceptedEvent{o});
  flush_balances();

  bool dust_stop = false;
  if (o.tif != TimeInForce::kFok || liquidity(m, o.side, o.price) >= o.quantity) dust_stop = match(m, e);

  PlaceResult r;
  r.order_id = id;
  if (market) {
    const bool complete = by_quote ? (!o.frozen.is_positive() || dust_stop) : !o.remaining().is_positive();
    finish(m, e, complete ? OrderStatus::kFilled : OrderStatus::kCancelled);
  } else if (!o.remaining().is_positive()) {
    finish(m, e, OrderStatus::kFilled);
  } else if (o.tif == TimeInForce::kGtc && o.reduce_only && !m.settlement->reducible(o).is_positive()) {
    finish(m, e, OrderStatus::kCancelled);  // nothing left to reduce: do not rest
  } else if (o.tif == TimeInForce::kGtc) {
    rest(m, e);
  } else {
    finish(m, e, OrderStatus::kExpired);
  }
  flush_balances();
  r.status = o.status;
  return r;
}

CancelResult Core::cancel_entry(AccountId account, Entry* e, std::string_view what) {
  Op op(*this);
  CancelResult r;
  if (e == nullptr || e->order.account != account || !e->order.is_live()) {
    r.reason = RejectReason::kUnknownOrder;
    r.message = "no live order " + std::string(what) + " for account " + std::to_string(account);
    return r;
  }
  Order& o = e->order;
  Market& m = markets.find(o.symbol)->second;
  r.order_id = o.id;
  if (e->resting) {
    BookSide& book = m.side(o.side);
    auto lvl_it = book.find(Market::key(o.side, o.price));
    Level& lvl = lvl_it->second;
    lvl.orders.erase(e->pos);
    e->resting = false;
    lvl.total -= o.remaining();
    const Decimal left = lvl.total;
    if (lvl.orders.empty()) book.erase(lvl_it);
    level_changed(m, o.side, o.price, left);
  }
  finish(m, *e, OrderStatus::kCancelled);
  flush_balances();
  return r;
}

Entry* Core::live_entry(OrderId id) {
  auto it = orders.find(id);
  return it == orders.end() ? nullptr : &it->second;
}

}  // namespace nectar::sim::engine
