#include "nectar/sim/matching_engine.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <deque>
#include <exception>
#include <list>
#include <map>
#include <stdexcept>
#include <unordered_map>
#include <variant>

namespace nectar::sim {

namespace {

/// Fractional digits needed to write `d` exactly (0..18).
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

bool is_multiple(Decimal value, Decimal step) {
  return value.raw() % step.raw() == 0;
}

std::string str(Decimal d) {
  return d.to_string();
}

const char* side_name(Side s) {
  return s == Side::kBuy ? "buy" : "sell";
}

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

struct Entry;
using Queue = std::list<Entry*>;

/// Resting orders at one price, oldest first; `total` is the sum of their remaining sizes.
struct Level {
  Decimal price;
  Decimal total;
  Queue orders;
};

/// An order the engine remembers (live or recently done). `pos` is valid only while it rests in a Level.
struct Entry {
  Order order;
  Queue::iterator pos;
  bool resting = false;
};

/// Both sides keyed so that begin() is the best level: asks by price, bids by −price.
using BookSide = std::map<Decimal, Level>;

struct Market {
  Instrument inst;
  BookSide bids;
  BookSide asks;
  std::optional<Decimal> last_price;
  uint64_t seq = 0;
  std::deque<PublicTrade> trades;

  BookSide& side(Side s) { return s == Side::kBuy ? bids : asks; }
  const BookSide& side(Side s) const { return s == Side::kBuy ? bids : asks; }
  static Decimal key(Side s, Decimal price) { return s == Side::kBuy ? -price : price; }
};

struct AccountOrders {
  std::map<OrderId, Entry*> open;  ///< live orders by id (= time order)
  std::unordered_map<std::string, OrderId> live_by_client;
  std::unordered_map<std::string, OrderId> done_by_client;
  std::deque<OrderId> done;  ///< remembered done orders, oldest first
  std::deque<AccountFill> fills;
};

struct AcceptedEvent {
  Order order;
};
struct FillEvent {
  Fill fill;
  Order maker;
  Order taker;
};
struct DoneEvent {
  Order order;
};
using Event = std::variant<AcceptedEvent, FillEvent, DoneEvent, PublicTrade, BookLevelChange, BalanceChange>;

void check(const LedgerResult& r) {
  // The engine only moves what it froze itself, so a ledger failure here is a bug in the engine.
  if (!r) throw std::logic_error("matching engine ledger invariant broken: " + r.message);
}

}  // namespace

struct MatchingEngine::Impl {
  EngineConfig cfg;
  Ledger ledger;
  std::map<std::string, Market, std::less<>> markets;
  std::unordered_map<OrderId, Entry> orders;  ///< node-based: Entry addresses are stable
  std::unordered_map<AccountId, AccountOrders> accounts;
  OrderId next_order_id = 1;
  TradeId next_trade_id = 1;
  std::vector<EngineListener*> listeners;

  std::vector<Event> queue;
  std::vector<BalanceChange> pending_balances;
  int depth = 0;  ///< nesting of operations in progress
  bool dispatching = false;

  /// Marks an operation: events are queued while it runs and delivered when the outermost one ends.
  /// A listener may throw out of dispatch (hence noexcept(false)); an exception from the operation itself
  /// means a broken invariant, and its half-built events are dropped rather than delivered.
  struct Op {
    Impl& impl;
    int uncaught = std::uncaught_exceptions();
    explicit Op(Impl& i) : impl(i) { ++impl.depth; }
    Op(const Op&) = delete;
    Op& operator=(const Op&) = delete;
    ~Op() noexcept(false) {
      if (--impl.depth != 0) return;
      if (std::uncaught_exceptions() > uncaught) {
        if (!impl.dispatching) impl.queue.clear();
        impl.pending_balances.clear();
        return;
      }
      impl.flush_balances();
      impl.dispatch();
    }
  };

  explicit Impl(EngineConfig c) : cfg(std::move(c)) {
    next_order_id = std::max<OrderId>(cfg.first_order_id, 1);
    next_trade_id = std::max<TradeId>(cfg.first_trade_id, 1);
    cfg.recent_orders_per_account = std::max<std::size_t>(cfg.recent_orders_per_account, 1);
    if (!cfg.clock) {
      cfg.clock = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
      };
    }
    ledger.set_listener([this](const BalanceChange& c) {
      pending_balances.push_back(c);
      if (depth == 0) {  // a direct ledger call from outside an engine operation
        flush_balances();
        dispatch();
      }
    });
  }

  int64_t now() const { return cfg.clock(); }

  // ---- events ----

  /// Moves pending ledger changes to the event queue, one per (account, asset) with its last state, in
  /// order of first change.
  void flush_balances() {
    if (pending_balances.empty()) return;
    std::vector<BalanceChange> merged;
    for (auto& c : pending_balances) {
      auto it = std::find_if(merged.begin(), merged.end(), [&](const BalanceChange& m) {
        return m.account == c.account && m.asset == c.asset;
      });
      if (it == merged.end())
        merged.push_back(std::move(c));
      else
        *it = std::move(c);
    }
    pending_balances.clear();
    for (auto& c : merged) queue.emplace_back(std::move(c));
  }

  void dispatch() {
    if (dispatching) return;  // the outer dispatch loop picks up what was appended
    dispatching = true;
    try {
      for (std::size_t i = 0; i < queue.size(); ++i) {
        Event ev = std::move(queue[i]);
        deliver(ev);
      }
    } catch (...) {
      queue.clear();
      dispatching = false;
      throw;
    }
    queue.clear();
    dispatching = false;
  }

  void deliver(const Event& ev) {
    for (EngineListener* l : listeners) {
      std::visit(Overloaded{
                     [&](const AcceptedEvent& e) { l->on_order_accepted(e.order); },
                     [&](const FillEvent& e) { l->on_fill(e.fill, e.maker, e.taker); },
                     [&](const DoneEvent& e) { l->on_order_done(e.order); },
                     [&](const PublicTrade& e) { l->on_public_trade(e); },
                     [&](const BookLevelChange& e) { l->on_book_level(e); },
                     [&](const BalanceChange& e) { l->on_balance(e); },
                 },
                 ev);
    }
  }

  void level_changed(Market& m, Side side, Decimal price, Decimal qty) {
    queue.emplace_back(BookLevelChange{m.inst.symbol, side, price, qty, ++m.seq, now()});
  }

  // ---- order bookkeeping ----

  const std::string& frozen_asset(const Market& m, const Order& o) const {
    return o.side == Side::kBuy ? m.inst.quote : m.inst.base;
  }

  /// Terminal transition: releases what the order still holds, forgets it as live, remembers it as done.
  void finish(Market& m, Entry& e, OrderStatus status) {
    Order& o = e.order;
    o.status = status;
    o.updated_ms = now();
    if (o.frozen.is_positive()) {
      check(ledger.unfreeze(o.account, frozen_asset(m, o), o.frozen));
      o.frozen = Decimal{};
    }
    AccountOrders& acc = accounts[o.account];
    acc.open.erase(o.id);
    if (!o.client_id.empty()) {
      auto live = acc.live_by_client.find(o.client_id);
      if (live != acc.live_by_client.end() && live->second == o.id) acc.live_by_client.erase(live);
      acc.done_by_client[o.client_id] = o.id;
    }
    queue.emplace_back(DoneEvent{o});
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

  void rest(Market& m, Entry& e) {
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

  void record_fill(AccountOrders& acc, AccountFill f) {
    acc.fills.push_back(std::move(f));
    while (acc.fills.size() > cfg.recent_fills_per_account) acc.fills.pop_front();
  }

  /// One match at the maker's price. Mutates orders, ledger, level total and market stats, then queues
  /// fill, public trade and level events. The caller removes a filled maker from the level.
  void execute(Market& m, Level& lvl, Entry& maker_e, Entry& taker_e, Decimal qty) {
    const Instrument& in = m.inst;
    Order& maker = maker_e.order;
    Order& taker = taker_e.order;
    const Decimal price = lvl.price;
    const Decimal quote = price.mul(qty, Rounding::kHalfUp);  // exact: tick/lot decimals checked at add
    Order& buyer = taker.side == Side::kBuy ? taker : maker;
    Order& seller = taker.side == Side::kBuy ? maker : taker;
    const bool buyer_is_maker = &buyer == &maker;

    // What the buyer had reserved for this quantity: limit price × qty for limit orders (the difference to
    // the fill price is price improvement, released now), the quote itself for market buys.
    const Decimal reserved =
        buyer.kind == OrderKind::kMarket ? quote : buyer.price.mul(qty, Rounding::kHalfUp);
    check(ledger.transfer_frozen(seller.account, buyer.account, in.base, qty));
    check(ledger.transfer_frozen(buyer.account, seller.account, in.quote, quote));
    if (reserved > quote) check(ledger.unfreeze(buyer.account, in.quote, reserved - quote));
    buyer.frozen -= reserved;
    seller.frozen -= qty;

    const Decimal buyer_rate = buyer_is_maker ? in.maker_fee_rate : in.taker_fee_rate;
    const Decimal seller_rate = buyer_is_maker ? in.taker_fee_rate : in.maker_fee_rate;
    const Decimal buyer_fee = qty.mul(buyer_rate, Rounding::kHalfUp);
    const Decimal seller_fee = quote.mul(seller_rate, Rounding::kHalfUp);
    check(ledger.charge_fee(buyer.account, in.base, buyer_fee, cfg.fee_account));
    check(ledger.charge_fee(seller.account, in.quote, seller_fee, cfg.fee_account));

    const int64_t ts = now();
    for (Order* o : {&buyer, &seller}) {
      o->filled_qty += qty;
      o->filled_quote += quote;
      o->fee += o == &buyer ? buyer_fee : seller_fee;
      o->updated_ms = ts;
      o->status = OrderStatus::kPartiallyFilled;
    }
    if (!maker.remaining().is_positive()) maker.status = OrderStatus::kFilled;
    // So the fill event's taker snapshot already says "filled" on the fill that completes it. (A market buy
    // by quote that ends on dust is only known to be complete when the next level is unaffordable.)
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
      record_fill(accounts[o->account],
                  AccountFill{f.trade_id, o->id, o->client_id, in.symbol, o->side, o->kind, price, qty, quote,
                              is_maker ? f.maker_fee : f.taker_fee, o->fee_asset, is_maker, ts});
    }

    queue.emplace_back(FillEvent{f, maker, taker});
    queue.emplace_back(std::move(pt));
    level_changed(m, maker.side, price, lvl.total);
  }

  /// Cost in quote of buying `qty` from the current asks (what a market buy by base will spend).
  static Decimal sweep_cost(const Market& m, Decimal qty) {
    Decimal cost;
    for (const auto& [key, lvl] : m.asks) {
      if (!qty.is_positive()) break;
      const Decimal take = Decimal::min(lvl.total, qty);
      cost += lvl.price.mul(take, Rounding::kHalfUp);
      qty -= take;
    }
    return cost;
  }

  /// Base available to a taker on `side` at `limit` or better.
  static Decimal liquidity(const Market& m, Side side, Decimal limit) {
    Decimal sum;
    for (const auto& [key, lvl] : m.side(opposite(side))) {
      if (side == Side::kBuy ? lvl.price > limit : lvl.price < limit) break;
      sum += lvl.total;
    }
    return sum;
  }

  static bool crosses(const Market& m, Side side, Decimal price) {
    const BookSide& opp = m.side(opposite(side));
    if (opp.empty()) return false;
    const Decimal best = opp.begin()->second.price;
    return side == Side::kBuy ? price >= best : price <= best;
  }

  /// Takes liquidity for `taker_e` until it is complete, the book runs out, or the price limit stops it.
  /// Returns true when a market buy by quote stopped because less than one lot was affordable.
  bool match(Market& m, Entry& taker_e) {
    Order& t = taker_e.order;
    BookSide& opp = m.side(opposite(t.side));
    const bool by_quote = t.quote_amount.is_positive();
    while (!opp.empty()) {
      if (!by_quote && !t.remaining().is_positive()) break;
      auto lvl_it = opp.begin();
      Level& lvl = lvl_it->second;
      if (t.kind != OrderKind::kMarket && (t.side == Side::kBuy ? lvl.price > t.price : lvl.price < t.price))
        break;
      while (!lvl.orders.empty()) {
        Entry& maker_e = *lvl.orders.front();
        Decimal qty = maker_e.order.remaining();
        if (by_quote) {
          // The unspent quote is exactly what the order still holds frozen.
          const Decimal afford =
              t.frozen.div(lvl.price, Rounding::kDown).quantize(m.inst.lot, Rounding::kDown);
          if (!afford.is_positive()) return true;
          qty = Decimal::min(qty, afford);
        } else {
          qty = Decimal::min(qty, t.remaining());
          if (!qty.is_positive()) break;
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

  PlaceResult reject(RejectReason reason, std::string message) {
    PlaceResult r;
    r.reason = reason;
    r.message = std::move(message);
    r.status = OrderStatus::kRejected;
    return r;
  }

  PlaceResult place(const OrderRequest& rq) {
    Op op(*this);
    auto mit = markets.find(rq.symbol);
    if (mit == markets.end())
      return reject(RejectReason::kUnknownSymbol, "unknown symbol '" + rq.symbol + "'");
    Market& m = mit->second;
    const Instrument& in = m.inst;
    const bool market = rq.kind == OrderKind::kMarket;
    const bool by_quote = market && rq.side == Side::kBuy && rq.quote_amount.is_positive();

    // Parameters.
    if (rq.price.is_negative() || rq.quantity.is_negative() || rq.quote_amount.is_negative())
      return reject(RejectReason::kInvalidParameter, "price, quantity and quote amount must not be negative");
    if (market) {
      if (!rq.price.is_zero())
        return reject(RejectReason::kInvalidParameter, "market order must not have a price");
      if (rq.quote_amount.is_positive() && rq.side != Side::kBuy)
        return reject(RejectReason::kInvalidParameter, "only a market buy can be sized in quote");
      if (rq.quote_amount.is_positive() == rq.quantity.is_positive())
        return reject(RejectReason::kInvalidParameter,
                      "market order needs exactly one of quantity and quote amount");
    } else {
      if (!rq.price.is_positive())
        return reject(RejectReason::kInvalidParameter, "limit order needs a positive price");
      if (!rq.quantity.is_positive())
        return reject(RejectReason::kInvalidParameter, "limit order needs a positive quantity");
      if (rq.quote_amount.is_positive())
        return reject(RejectReason::kInvalidParameter, "only a market buy can be sized in quote");
    }

    // Steps.
    if (!market && !is_multiple(rq.price, in.tick))
      return reject(RejectReason::kPriceNotOnTick, "price " + str(rq.price) + " is not a multiple of tick " +
                                                       str(in.tick) + " for " + in.symbol);
    if (by_quote) {
      if (in.quote_step.is_positive() && !is_multiple(rq.quote_amount, in.quote_step))
        return reject(RejectReason::kSizeNotOnLot, "quote amount " + str(rq.quote_amount) +
                                                       " is not a multiple of " + str(in.quote_step) +
                                                       " for " + in.symbol);
    } else {
      if (!is_multiple(rq.quantity, in.lot))
        return reject(RejectReason::kSizeNotOnLot, "size " + str(rq.quantity) + " is not a multiple of lot " +
                                                       str(in.lot) + " for " + in.symbol);
      if (rq.quantity < in.min_size)
        return reject(RejectReason::kBelowMinSize, "size " + str(rq.quantity) + " is below the minimum " +
                                                       str(in.min_size) + " for " + in.symbol);
      if (in.max_size.is_positive() && rq.quantity > in.max_size)
        return reject(RejectReason::kAboveMaxSize, "size " + str(rq.quantity) + " is above the maximum " +
                                                       str(in.max_size) + " for " + in.symbol);
    }

    // Notional: the limit price, the quote amount, or (market by base) the best opposite price if any.
    if (in.min_notional.is_positive()) {
      std::optional<Decimal> notional;
      if (by_quote) {
        notional = rq.quote_amount;
      } else if (!market) {
        notional = rq.price.mul(rq.quantity, Rounding::kHalfUp);
      } else if (const BookSide& opp = m.side(opposite(rq.side)); !opp.empty()) {
        notional = opp.begin()->second.price.mul(rq.quantity, Rounding::kHalfUp);
      }
      if (notional && *notional < in.min_notional)
        return reject(RejectReason::kBelowMinNotional, "notional " + str(*notional) +
                                                           " is below the minimum " + str(in.min_notional) +
                                                           " for " + in.symbol);
    }

    AccountOrders& acc = accounts[rq.account];
    if (!rq.client_id.empty() && acc.live_by_client.count(rq.client_id))
      return reject(RejectReason::kDuplicateClientId,
                    "client order id '" + rq.client_id + "' is already used by a live order");

    // Funds to freeze.
    const std::string& asset = rq.side == Side::kBuy ? in.quote : in.base;
    Decimal need;
    if (rq.side == Side::kSell)
      need = rq.quantity;
    else if (by_quote)
      need = rq.quote_amount;
    else if (market)
      need = sweep_cost(m, rq.quantity);
    else
      need = rq.price.mul(rq.quantity, Rounding::kHalfUp);
    const Decimal have = ledger.balance(rq.account, asset).available;
    if (have < need)
      return reject(RejectReason::kInsufficientBalance,
                    "insufficient " + asset + " balance: available " + str(have) + ", required " + str(need));

    // From here on an order exists.
    const int64_t ts = now();
    const OrderId id = next_order_id++;
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
    o.fee_asset = rq.side == Side::kBuy ? in.base : in.quote;
    o.created_ms = o.updated_ms = ts;

    if (rq.kind == OrderKind::kPostOnly && crosses(m, rq.side, rq.price)) {
      o.reject_reason = RejectReason::kPostOnlyWouldCross;
      finish(m, e, OrderStatus::kRejected);
      PlaceResult r = reject(RejectReason::kPostOnlyWouldCross,
                             std::string("post-only ") + side_name(rq.side) + " at " + str(rq.price) +
                                 " would cross the book of " + in.symbol);
      r.order_id = id;
      return r;
    }

    check(ledger.freeze(o.account, asset, need));
    o.frozen = need;
    acc.open.emplace(id, &e);
    if (!o.client_id.empty()) acc.live_by_client[o.client_id] = id;
    queue.emplace_back(AcceptedEvent{o});
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
    } else if (o.tif == TimeInForce::kGtc) {
      rest(m, e);
    } else {
      finish(m, e, OrderStatus::kExpired);
    }
    flush_balances();
    r.status = o.status;
    return r;
  }

  CancelResult cancel_entry(AccountId account, Entry* e, std::string_view what) {
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

  Entry* live_entry(OrderId id) {
    auto it = orders.find(id);
    return it == orders.end() ? nullptr : &it->second;
  }
};

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

MatchingEngine::MatchingEngine(EngineConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
MatchingEngine::~MatchingEngine() = default;

void MatchingEngine::add_instrument(const Instrument& in) {
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
  if (impl_->markets.count(in.symbol)) bad("symbol already exists");
  Market m;
  m.inst = in;
  impl_->markets.emplace(in.symbol, std::move(m));
}

bool MatchingEngine::set_fee_rates(std::string_view symbol, Decimal maker_rate, Decimal taker_rate) {
  auto it = impl_->markets.find(symbol);
  if (it == impl_->markets.end()) return false;
  for (Decimal rate : {maker_rate, taker_rate})
    if (rate.is_negative() || rate >= Decimal::one())
      throw std::invalid_argument("instrument '" + std::string(symbol) + "': fee rates must be in [0, 1)");
  it->second.inst.maker_fee_rate = maker_rate;
  it->second.inst.taker_fee_rate = taker_rate;
  return true;
}

const Instrument* MatchingEngine::instrument(std::string_view symbol) const {
  auto it = impl_->markets.find(symbol);
  return it == impl_->markets.end() ? nullptr : &it->second.inst;
}

std::vector<std::string> MatchingEngine::symbols() const {
  std::vector<std::string> out;
  for (const auto& [sym, m] : impl_->markets) out.push_back(sym);
  return out;
}

PlaceResult MatchingEngine::place(const OrderRequest& request) {
  return impl_->place(request);
}

CancelResult MatchingEngine::cancel(AccountId account, OrderId order_id) {
  return impl_->cancel_entry(account, impl_->live_entry(order_id), "with id " + order_id_string(order_id));
}

CancelResult MatchingEngine::cancel_by_client_id(AccountId account, std::string_view client_id) {
  Entry* e = nullptr;
  auto acc = impl_->accounts.find(account);
  if (acc != impl_->accounts.end()) {
    auto it = acc->second.live_by_client.find(std::string(client_id));
    if (it != acc->second.live_by_client.end()) e = impl_->live_entry(it->second);
  }
  return impl_->cancel_entry(account, e, "with client id '" + std::string(client_id) + "'");
}

std::size_t MatchingEngine::cancel_all(AccountId account, std::string_view symbol) {
  Impl::Op op(*impl_);  // one operation: all events are delivered after the last cancel
  std::vector<OrderId> ids;
  auto acc = impl_->accounts.find(account);
  if (acc == impl_->accounts.end()) return 0;
  for (const auto& [id, e] : acc->second.open)
    if (symbol.empty() || e->order.symbol == symbol) ids.push_back(id);
  std::size_t n = 0;
  for (OrderId id : ids) n += cancel(account, id).ok() ? 1 : 0;
  return n;
}

std::optional<Order> MatchingEngine::order(OrderId order_id) const {
  auto it = impl_->orders.find(order_id);
  if (it == impl_->orders.end()) return std::nullopt;
  return it->second.order;
}

std::optional<Order> MatchingEngine::order_by_client_id(AccountId account, std::string_view client_id) const {
  auto acc = impl_->accounts.find(account);
  if (acc == impl_->accounts.end()) return std::nullopt;
  const std::string key(client_id);
  for (const auto* index : {&acc->second.live_by_client, &acc->second.done_by_client}) {
    auto it = index->find(key);
    if (it != index->end()) return order(it->second);
  }
  return std::nullopt;
}

std::vector<Order> MatchingEngine::open_orders(AccountId account, std::string_view symbol) const {
  std::vector<Order> out;
  auto acc = impl_->accounts.find(account);
  if (acc == impl_->accounts.end()) return out;
  for (const auto& [id, e] : acc->second.open)
    if (symbol.empty() || e->order.symbol == symbol) out.push_back(e->order);
  return out;
}

std::vector<Order> MatchingEngine::recent_orders(AccountId account, std::string_view symbol,
                                                 std::size_t limit) const {
  std::vector<Order> out;
  auto acc = impl_->accounts.find(account);
  if (acc == impl_->accounts.end()) return out;
  const auto& done = acc->second.done;
  for (auto it = done.rbegin(); it != done.rend() && out.size() < limit; ++it) {
    auto o = impl_->orders.find(*it);
    if (o != impl_->orders.end() && (symbol.empty() || o->second.order.symbol == symbol))
      out.push_back(o->second.order);
  }
  return out;
}

std::vector<AccountFill> MatchingEngine::recent_fills(AccountId account, std::string_view symbol,
                                                      OrderId order_id, std::size_t limit) const {
  std::vector<AccountFill> out;
  auto acc = impl_->accounts.find(account);
  if (acc == impl_->accounts.end()) return out;
  const auto& fills = acc->second.fills;
  for (auto it = fills.rbegin(); it != fills.rend() && out.size() < limit; ++it)
    if ((symbol.empty() || it->symbol == symbol) && (order_id == 0 || it->order_id == order_id))
      out.push_back(*it);
  return out;
}

std::vector<PublicTrade> MatchingEngine::recent_trades(std::string_view symbol, std::size_t limit) const {
  std::vector<PublicTrade> out;
  auto it = impl_->markets.find(symbol);
  if (it == impl_->markets.end()) return out;
  const auto& trades = it->second.trades;
  for (auto t = trades.rbegin(); t != trades.rend() && out.size() < limit; ++t) out.push_back(*t);
  return out;
}

L2Book MatchingEngine::book(std::string_view symbol, std::size_t depth) const {
  L2Book out;
  auto it = impl_->markets.find(symbol);
  if (it == impl_->markets.end()) return out;
  const Market& m = it->second;
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
  auto it = impl_->markets.find(symbol);
  if (it == impl_->markets.end() || it->second.bids.empty()) return std::nullopt;
  return it->second.bids.begin()->second.price;
}

std::optional<Decimal> MatchingEngine::best_ask(std::string_view symbol) const {
  auto it = impl_->markets.find(symbol);
  if (it == impl_->markets.end() || it->second.asks.empty()) return std::nullopt;
  return it->second.asks.begin()->second.price;
}

std::optional<Decimal> MatchingEngine::last_price(std::string_view symbol) const {
  auto it = impl_->markets.find(symbol);
  if (it == impl_->markets.end()) return std::nullopt;
  return it->second.last_price;
}

uint64_t MatchingEngine::book_seq(std::string_view symbol) const {
  auto it = impl_->markets.find(symbol);
  return it == impl_->markets.end() ? 0 : it->second.seq;
}

Ledger& MatchingEngine::ledger() {
  return impl_->ledger;
}
const Ledger& MatchingEngine::ledger() const {
  return impl_->ledger;
}
const EngineConfig& MatchingEngine::config() const {
  return impl_->cfg;
}

void MatchingEngine::add_listener(EngineListener* listener) {
  if (listener &&
      std::find(impl_->listeners.begin(), impl_->listeners.end(), listener) == impl_->listeners.end())
    impl_->listeners.push_back(listener);
}

void MatchingEngine::remove_listener(EngineListener* listener) {
  auto& ls = impl_->listeners;
  ls.erase(std::remove(ls.begin(), ls.end(), listener), ls.end());
}

}  // namespace nectar::sim
