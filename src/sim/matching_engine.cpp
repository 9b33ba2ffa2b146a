#include "nectar/sim/matching_engine.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <deque>
#include <exception>
#include <list>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <variant>

#include "nectar/core/clock.hpp"
#include "nectar/core/contract.hpp"

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
  // Perpetuals.
  std::optional<Decimal> mark;
  Decimal funding_rate;
  int64_t next_funding_ms = 0;

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
struct PositionEvent {
  Position position;
};
struct BillEvent {
  Bill bill;
};
struct LiquidationEvent {
  Liquidation liquidation;
};
using Event = std::variant<AcceptedEvent, FillEvent, DoneEvent, PublicTrade, BookLevelChange, BalanceChange,
                           PositionEvent, BillEvent, LiquidationEvent>;

/// Stored state of one perpetual position (the other Position fields are derived from the mark).
struct PosState {
  PositionSide side = PositionSide::kLong;
  Decimal size;         ///< > 0 while open
  Decimal entry_value;  ///< exact cost basis of the open size, in the settle asset
  Decimal margin;       ///< held in the ledger's frozen part
  Decimal realized;
  Decimal fees;
  Decimal funding;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

struct SymbolSettings {
  Decimal leverage;
  MarginMode mode = MarginMode::kCross;
};

using PosKey = std::pair<std::string, PositionSide>;  ///< (symbol, slot); the slot is kBoth in one-way mode

struct PerpAccount {
  PositionMode mode = PositionMode::kOneway;
  std::map<std::string, SymbolSettings, std::less<>> settings;
  std::map<PosKey, PosState> positions;
  std::deque<Bill> bills;
  std::deque<Liquidation> liquidations;
};

/// What a trade did to one position slot.
struct TradeEffect {
  Decimal realized;
  Decimal closed;  ///< quantity that reduced the existing position
  Decimal opened;  ///< quantity that opened / increased
  PositionSide closed_side = PositionSide::kLong;
  PositionSide opened_side = PositionSide::kLong;
  Decimal covered;  ///< loss the account could not pay
};

/// Per-asset aggregates of one account's perpetual state.
struct Sums {
  Decimal order_margin;     ///< Σ open orders' reserves
  Decimal position_margin;  ///< Σ position margins (cross and isolated)
  Decimal iso_margin;       ///< Σ isolated position margins
  Decimal upnl;             ///< all positions
  Decimal cross_upnl;
  Decimal maint;
  Decimal cross_maint;
  bool has_cross = false;
};

const char* side_word(PositionSide s) {
  return s == PositionSide::kLong ? "long" : s == PositionSide::kShort ? "short" : "both";
}

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
  // Perpetuals. An ordered map so that funding and liquidation visit accounts in id order (determinism).
  std::map<AccountId, PerpAccount> perp;
  Decimal bad_debt;
  uint64_t next_bill_id = 1;
  bool defer_perp = false;  ///< inside execute(): position/bill events wait for the fill event
  std::vector<Event> perp_pending;

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
      cfg.clock = [] { return wall_clock_ms(); };
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
                     [&](const PositionEvent& e) { l->on_position(e.position); },
                     [&](const BillEvent& e) { l->on_bill(e.bill); },
                     [&](const LiquidationEvent& e) { l->on_liquidation(e.liquidation); },
                 },
                 ev);
    }
  }

  void level_changed(Market& m, Side side, Decimal price, Decimal qty) {
    queue.emplace_back(BookLevelChange{m.inst.symbol, side, price, qty, ++m.seq, now()});
  }

  // ---- order bookkeeping ----

  const std::string& frozen_asset(const Market& m, const Order& o) const {
    if (m.inst.is_perpetual()) return m.inst.settle_asset();
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
    Decimal buyer_fee;
    Decimal seller_fee;
    TradeEffect buyer_eff;
    TradeEffect seller_eff;
    if (in.is_perpetual()) {
      // Margin instead of assets: both legs settle against their positions in the settle asset.
      const Decimal value = value_at(in, qty, price);
      const TradeId tid = next_trade_id;  // the id this fill gets below
      defer_perp = true;
      buyer_fee = settle_leg(m, buyer, qty, price, value, buyer_is_maker, tid, buyer_eff);
      seller_fee = settle_leg(m, seller, qty, price, value, !buyer_is_maker, tid, seller_eff);
      defer_perp = false;
    } else {
      const Decimal reserved =
          buyer.kind == OrderKind::kMarket ? quote : buyer.price.mul(qty, Rounding::kHalfUp);
      check(ledger.transfer_frozen(seller.account, buyer.account, in.base, qty));
      check(ledger.transfer_frozen(buyer.account, seller.account, in.quote, quote));
      if (reserved > quote) check(ledger.unfreeze(buyer.account, in.quote, reserved - quote));
      buyer.frozen -= reserved;
      seller.frozen -= qty;

      const Decimal buyer_rate = buyer_is_maker ? in.maker_fee_rate : in.taker_fee_rate;
      const Decimal seller_rate = buyer_is_maker ? in.taker_fee_rate : in.maker_fee_rate;
      buyer_fee = qty.mul(buyer_rate, Rounding::kHalfUp);
      seller_fee = quote.mul(seller_rate, Rounding::kHalfUp);
      check(ledger.charge_fee(buyer.account, in.base, buyer_fee, cfg.fee_account));
      check(ledger.charge_fee(seller.account, in.quote, seller_fee, cfg.fee_account));
    }

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
      AccountFill af{f.trade_id,
                     o->id,
                     o->client_id,
                     in.symbol,
                     o->side,
                     o->kind,
                     price,
                     qty,
                     quote,
                     is_maker ? f.maker_fee : f.taker_fee,
                     o->fee_asset,
                     is_maker,
                     ts,
                     Decimal{},
                     PositionSide::kBoth,
                     PositionAction::kNil};
      if (in.is_perpetual()) {
        const TradeEffect& eff = o == &buyer ? buyer_eff : seller_eff;
        af.realized_pnl = eff.realized;
        af.position_side = eff.closed.is_positive() ? eff.closed_side : eff.opened_side;
        af.position_action = eff.closed.is_positive() ? PositionAction::kClose : PositionAction::kOpen;
      }
      record_fill(accounts[o->account], std::move(af));
    }

    queue.emplace_back(FillEvent{f, maker, taker});
    queue.emplace_back(std::move(pt));
    level_changed(m, maker.side, price, lvl.total);
    for (auto& ev : perp_pending) queue.push_back(std::move(ev));
    perp_pending.clear();
  }

  /// Removes the front resting order of a level without a fill and cancels it (a reduce-only maker whose
  /// position is gone). The caller erases the level if it became empty.
  void drop_front(Market& m, Level& lvl, Entry& e) {
    lvl.orders.pop_front();
    e.resting = false;
    lvl.total -= e.order.remaining();
    level_changed(m, e.order.side, lvl.price, lvl.total);
    finish(m, e, OrderStatus::kCancelled);
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
          const Decimal cap = reducible(maker_e.order);
          if (!cap.is_positive()) {
            drop_front(m, lvl, maker_e);
            flush_balances();
            continue;
          }
          qty = Decimal::min(qty, cap);
        }
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
        if (t.reduce_only) {
          const Decimal cap = reducible(t);
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

    const bool perp = in.is_perpetual();
    if (!perp && (rq.reduce_only || rq.position_action != PositionAction::kNil ||
                  rq.position_side != PositionSide::kBoth))
      return reject(RejectReason::kInvalidParameter,
                    "reduce-only and position fields apply to perpetual instruments only, not " + in.symbol);
    if (perp && rq.quote_amount.is_positive())
      return reject(RejectReason::kInvalidParameter,
                    "perpetual orders are sized in quantity, not quote amount (" + in.symbol + ")");

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
      // Perpetual notional counts contract_size (1 for linear USDT contracts, same as spot then).
      auto value_of = [&](Decimal price) {
        return perp ? value_at(in, rq.quantity, price) : price.mul(rq.quantity, Rounding::kHalfUp);
      };
      if (by_quote) {
        notional = rq.quote_amount;
      } else if (!market) {
        notional = value_of(rq.price);
      } else if (const BookSide& opp = m.side(opposite(rq.side)); !opp.empty()) {
        notional = value_of(opp.begin()->second.price);
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

    // Funds to freeze (perpetuals: the margin reserve in the settle asset).
    const std::string& asset = perp ? in.settle_asset() : rq.side == Side::kBuy ? in.quote : in.base;
    Decimal need;
    PositionSide slot = PositionSide::kBoth;
    PositionAction action = PositionAction::kNil;
    bool reduce = false;
    if (perp) {
      PlaceResult admitted = perp_admit(m, rq, slot, action, reduce, need);
      if (!admitted.ok()) return admitted;
    } else {
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
        return reject(RejectReason::kInsufficientBalance, "insufficient " + asset + " balance: available " +
                                                              str(have) + ", required " + str(need));
    }

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
    o.fee_asset = perp ? in.settle_asset() : rq.side == Side::kBuy ? in.base : in.quote;
    o.created_ms = o.updated_ms = ts;
    o.reduce_only = reduce;
    o.position_action = action;
    o.position_side = slot;

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
    } else if (o.tif == TimeInForce::kGtc && o.reduce_only && !reducible(o).is_positive()) {
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

  // ---- perpetuals ----

  /// The exchange side of perpetuals: fee revenue, insurance fund, counterparty of funding and liquidations.
  AccountId house() const { return cfg.fee_account; }

  /// The instrument's contract for the core formulas (kind and size; the currencies are not needed here, so
  /// no string is copied on the hot path).
  static ContractSpec spec_of(const Instrument& in) {
    ContractSpec c;
    c.kind = in.contract_kind;
    c.contract_size = in.contract_size;
    return c;
  }
  /// Notional in the settle asset: linear price × qty × contract_size (exact for tick/lot prices: decimals
  /// checked at add); inverse qty × contract_size / price, rounded half-up at 18 decimals.
  static Decimal value_at(const Instrument& in, Decimal qty, Decimal price) {
    return contract::notional(spec_of(in), qty, price, Rounding::kHalfUp);
  }
  static Decimal entry_price(const Instrument& in, const PosState& p) {
    return p.size.is_positive() ? contract::entry_price(spec_of(in), p.size, p.entry_value) : Decimal{};
  }
  static Decimal mark_of(const Market& m, const PosState& p) {
    if (m.mark) return *m.mark;
    if (m.last_price) return *m.last_price;
    return entry_price(m.inst, p);
  }
  static Decimal upnl(const Market& m, const PosState& p) {
    return contract::pnl_of_values(spec_of(m.inst), p.side, p.entry_value,
                                   value_at(m.inst, p.size, mark_of(m, p)));
  }
  static Decimal maint(const Market& m, const PosState& p) {
    return value_at(m.inst, p.size, mark_of(m, p)).mul(m.inst.maintenance_margin_rate, Rounding::kHalfUp);
  }
  /// Margin an order reserves for `notional`: initial margin at `lev` plus the fee at the higher fee rate.
  static Decimal order_reserve(const Instrument& in, Decimal notional, Decimal lev) {
    const Decimal fee_rate = Decimal::max(in.maker_fee_rate, in.taker_fee_rate);
    return contract::initial_margin(notional, lev) + notional.mul(fee_rate, Rounding::kCeil);
  }
  /// Settle-asset notional of taking up to `qty` from the side opposite `side` (within `limit`); `left` gets
  /// the rest.
  static Decimal take_value(const Market& m, Side side, Decimal qty, std::optional<Decimal> limit,
                            Decimal& left) {
    Decimal v;
    for (const auto& [key, lvl] : m.side(opposite(side))) {
      if (!qty.is_positive()) break;
      if (limit && (side == Side::kBuy ? lvl.price > *limit : lvl.price < *limit)) break;
      const Decimal take = Decimal::min(lvl.total, qty);
      v += value_at(m.inst, take, lvl.price);
      qty -= take;
    }
    left = qty;
    return v;
  }

  Market* perp_market(std::string_view symbol) {
    auto it = markets.find(symbol);
    return it == markets.end() || !it->second.inst.is_perpetual() ? nullptr : &it->second;
  }
  const Market* perp_market(std::string_view symbol) const {
    auto it = markets.find(symbol);
    return it == markets.end() || !it->second.inst.is_perpetual() ? nullptr : &it->second;
  }
  PerpResult perp_error(std::string_view symbol) const {
    if (markets.find(symbol) == markets.end())
      return {RejectReason::kUnknownSymbol, "unknown symbol '" + std::string(symbol) + "'"};
    return {RejectReason::kNotPerpetual, "'" + std::string(symbol) + "' is not a perpetual"};
  }

  PositionMode mode_of(AccountId a) const {
    auto it = perp.find(a);
    return it == perp.end() ? PositionMode::kOneway : it->second.mode;
  }
  SymbolSettings settings(AccountId a, const Market& m) const {
    auto pit = perp.find(a);
    if (pit != perp.end()) {
      auto it = pit->second.settings.find(m.inst.symbol);
      if (it != pit->second.settings.end()) return it->second;
    }
    return SymbolSettings{m.inst.default_leverage, MarginMode::kCross};
  }
  SymbolSettings& settings_slot(AccountId a, const Market& m) {
    auto& map = perp[a].settings;
    auto it = map.find(m.inst.symbol);
    if (it == map.end())
      it = map.emplace(m.inst.symbol, SymbolSettings{m.inst.default_leverage, MarginMode::kCross}).first;
    return it->second;
  }
  const PosState* find_pos(AccountId a, const std::string& symbol, PositionSide slot) const {
    auto pit = perp.find(a);
    if (pit == perp.end()) return nullptr;
    auto it = pit->second.positions.find(PosKey{symbol, slot});
    return it == pit->second.positions.end() ? nullptr : &it->second;
  }
  /// How much of its position `o` may still reduce now (zero when the position is gone or on its side).
  Decimal reducible(const Order& o) const {
    const PosState* p = find_pos(o.account, o.symbol, o.position_side);
    if (p == nullptr) return {};
    const PositionSide reduces = o.side == Side::kSell ? PositionSide::kLong : PositionSide::kShort;
    return p->side == reduces ? p->size : Decimal{};
  }
  bool has_perp_activity(AccountId a, std::string_view symbol) const {
    auto pit = perp.find(a);
    if (pit != perp.end())
      for (const auto& [key, p] : pit->second.positions)
        if (symbol.empty() || key.first == symbol) return true;
    auto acc = accounts.find(a);
    if (acc != accounts.end())
      for (const auto& [id, e] : acc->second.open) {
        const Market& m = markets.find(e->order.symbol)->second;
        if (m.inst.is_perpetual() && (symbol.empty() || e->order.symbol == symbol)) return true;
      }
    return false;
  }

  Sums sums(AccountId a, std::string_view asset) const {
    Sums s;
    auto acc = accounts.find(a);
    if (acc != accounts.end())
      for (const auto& [id, e] : acc->second.open) {
        const Market& m = markets.find(e->order.symbol)->second;
        if (m.inst.is_perpetual() && m.inst.settle_asset() == asset) s.order_margin += e->order.frozen;
      }
    auto pit = perp.find(a);
    if (pit != perp.end())
      for (const auto& [key, p] : pit->second.positions) {
        const Market& m = markets.find(key.first)->second;
        if (m.inst.settle_asset() != asset) continue;
        const Decimal u = upnl(m, p);
        const Decimal mm = maint(m, p);
        s.position_margin += p.margin;
        s.upnl += u;
        s.maint += mm;
        if (settings(a, m).mode == MarginMode::kCross) {
          s.cross_upnl += u;
          s.cross_maint += mm;
          s.has_cross = true;
        } else {
          s.iso_margin += p.margin;
        }
      }
    return s;
  }
  /// Realised wallet of the settle asset: what the ledger holds for it outside spot orders.
  Decimal wallet(AccountId a, std::string_view asset, const Sums& s) const {
    return ledger.balance(a, asset).available + s.order_margin + s.position_margin;
  }
  /// What a new order may reserve: free balance, less unrealised cross losses (profits are not lent out).
  Decimal available_margin(AccountId a, std::string_view asset, const Sums& s) const {
    return ledger.balance(a, asset).available + Decimal::min(Decimal{}, s.cross_upnl);
  }

  /// Estimated liquidation price of one position, the others held at the current marks; zero = none.
  Decimal liq_price(AccountId a, const Market& m, const PosState& p, const SymbolSettings& st) const {
    if (a == house() || !p.size.is_positive()) return {};
    const Instrument& in = m.inst;
    // Equity backing this position besides its own PnL, net of the other positions' maintenance.
    Decimal buffer;
    if (st.mode == MarginMode::kIsolated) {
      buffer = p.margin;
    } else {
      const Sums s = sums(a, in.settle_asset());
      buffer = wallet(a, in.settle_asset(), s) - s.iso_margin + (s.cross_upnl - upnl(m, p)) -
               (s.cross_maint - maint(m, p));
    }
    return contract::liquidation_price(spec_of(in), p.side, p.size, p.entry_value, buffer,
                                       in.maintenance_margin_rate);
  }

  Position snapshot(AccountId a, const Market& m, const PosState& p) const {
    const SymbolSettings st = settings(a, m);
    Position out;
    out.account = a;
    out.symbol = m.inst.symbol;
    out.side = p.side;
    out.margin_mode = st.mode;
    out.position_mode = mode_of(a);
    out.leverage = st.leverage;
    out.size = p.size;
    out.entry_value = p.entry_value;
    out.entry_price = entry_price(m.inst, p);
    out.margin = p.margin;
    out.realized_pnl = p.realized;
    out.fees = p.fees;
    out.funding = p.funding;
    if (p.size.is_positive()) {
      out.mark_price = mark_of(m, p);
      out.unrealized_pnl = upnl(m, p);
      out.maintenance_margin = maint(m, p);
      out.liquidation_price = liq_price(a, m, p, st);
    }
    out.created_ms = p.created_ms;
    out.updated_ms = p.updated_ms;
    return out;
  }

  void post(Event ev) { (defer_perp ? perp_pending : queue).push_back(std::move(ev)); }
  void post_position(AccountId a, const Market& m, const PosState& p) {
    post(PositionEvent{snapshot(a, m, p)});
  }

  Bill add_bill(AccountId a, const Market& m, BillType type, PositionSide side, PositionAction action,
                Decimal amount, Decimal fee, TradeId trade_id) {
    const std::string& asset = m.inst.settle_asset();
    Bill b;
    b.id = next_bill_id++;
    b.account = a;
    b.symbol = m.inst.symbol;
    b.asset = asset;
    b.type = type;
    b.side = side;
    b.action = action;
    b.amount = amount;
    b.fee = fee;
    b.balance = wallet(a, asset, sums(a, asset));
    b.trade_id = trade_id;
    b.ts_ms = now();
    auto& bills = perp[a].bills;
    bills.push_back(b);
    while (bills.size() > std::max<std::size_t>(cfg.recent_bills_per_account, 1)) bills.pop_front();
    post(BillEvent{b});
    return b;
  }

  // Money movements. Perpetual paths never fail on the ledger: they take what is there and account for the
  // rest (insurance fund, bad debt), so the ledger stays consistent whatever the marks do.

  /// Freezes up to `amount` of available; returns what was frozen.
  Decimal freeze_upto(AccountId a, const std::string& asset, Decimal amount) {
    const Decimal take = Decimal::min(amount, ledger.balance(a, asset).available);
    if (take.is_positive()) check(ledger.freeze(a, asset, take));
    return take;
  }

  /// Takes (burns) up to `amount` from the account: available first, then (no budget) the margins of its
  /// cross positions, which back the same wallet. With a budget (isolated liquidation) at most *budget is
  /// taken, and *budget is reduced by it. Returns what was taken.
  Decimal collect(AccountId a, const std::string& asset, Decimal amount, Decimal* budget) {
    if (budget) amount = Decimal::min(amount, *budget);
    if (!amount.is_positive()) return {};
    Decimal take = Decimal::min(amount, ledger.balance(a, asset).available);
    if (take.is_positive()) check(ledger.withdraw(a, asset, take));
    if (take < amount && budget == nullptr && a != house()) {
      auto pit = perp.find(a);
      if (pit != perp.end())
        for (auto& [key, p] : pit->second.positions) {
          if (take >= amount) break;
          const Market& m = markets.find(key.first)->second;
          if (m.inst.settle_asset() != asset || settings(a, m).mode != MarginMode::kCross) continue;
          const Decimal seized = Decimal::min(p.margin, amount - take);
          if (!seized.is_positive()) continue;
          check(ledger.unfreeze(a, asset, seized));
          check(ledger.withdraw(a, asset, seized));
          p.margin -= seized;
          take += seized;
        }
    }
    if (budget) *budget -= take;
    return take;
  }

  /// Moves up to `amount` from the account to the fee account; returns what was moved.
  Decimal pay_to_house(AccountId a, const std::string& asset, Decimal amount, Decimal* budget) {
    if (a == house()) return amount;
    const Decimal paid = collect(a, asset, amount, budget);
    if (paid.is_positive()) check(ledger.deposit(house(), asset, paid));
    return paid;
  }

  /// Pays `amount` from the fee account; what it does not hold is created and counted as bad debt.
  void pay_from_house(AccountId a, const std::string& asset, Decimal amount) {
    if (a == house() || !amount.is_positive()) return;
    const Decimal from_house = Decimal::min(amount, ledger.balance(house(), asset).available);
    if (from_house.is_positive()) check(ledger.transfer_available(house(), a, asset, from_house));
    if (amount > from_house) {
      check(ledger.deposit(a, asset, amount - from_house));
      bad_debt += amount - from_house;
    }
  }

  /// Realised PnL into the wallet. A gain is credited, a loss burnt: in a matched market the gains and losses
  /// of all positions sum to zero over their lifetime, so wallets − entry values is conserved (see docs). A
  /// loss the account cannot pay is burnt from the fee account (insurance fund), the rest is bad debt.
  /// Returns the part of a loss others covered.
  Decimal settle_pnl(AccountId a, const std::string& asset, Decimal pnl, Decimal* budget) {
    if (pnl.is_positive()) {
      check(ledger.deposit(a, asset, pnl));
      return {};
    }
    if (!pnl.is_negative()) return {};
    const Decimal loss = -pnl;
    const Decimal uncovered = loss - collect(a, asset, loss, budget);
    if (!uncovered.is_positive()) return {};
    Decimal rest = uncovered;
    if (a != house()) {
      const Decimal insurance = Decimal::min(rest, ledger.balance(house(), asset).available);
      if (insurance.is_positive()) check(ledger.withdraw(house(), asset, insurance));
      rest -= insurance;
    }
    bad_debt += rest;
    return uncovered;
  }

  /// A trade of `qty` at `price` (worth `value` = price × qty × contract_size) on `side` applied to the
  /// position slot: first reduces an opposite position (realising PnL on its average cost, releasing its
  /// margin pro rata), then opens/increases with the rest (margin = ceil(entry value / leverage), frozen as
  /// far as available covers). `fee` is recorded on the position. Posts position events.
  TradeEffect apply_trade(AccountId a, const Market& m, PositionSide slot, Side side, Decimal qty,
                          Decimal price, Decimal value, Decimal fee, Decimal* budget) {
    const Instrument& in = m.inst;
    const std::string& asset = in.settle_asset();
    const bool margined = a != house();
    PerpAccount& pa = perp[a];
    const PosKey key{in.symbol, slot};
    const PositionSide dir = side == Side::kBuy ? PositionSide::kLong : PositionSide::kShort;
    const int64_t ts = now();
    TradeEffect eff;
    Decimal open_value = value;
    auto it = pa.positions.find(key);
    if (it != pa.positions.end() && it->second.side != dir) {
      PosState& p = it->second;
      const Decimal qc = Decimal::min(qty, p.size);
      const bool all = qc == p.size;
      const Decimal cost =
          all ? p.entry_value : p.entry_value.mul(qc, Rounding::kHalfUp).div(p.size, Rounding::kHalfUp);
      // Split the value so that close + open parts add up to exactly `value` (conservation).
      const Decimal close_value = qc == qty ? value : value_at(in, qc, price);
      open_value = value - close_value;
      const Decimal pnl = contract::pnl_of_values(spec_of(in), p.side, cost, close_value);
      const Decimal release = all ? p.margin : p.margin.mul(qc, Rounding::kDown).div(p.size, Rounding::kDown);
      if (margined && release.is_positive()) check(ledger.unfreeze(a, asset, release));
      if (budget) *budget += release;  // an isolated position's loss may take its own margin
      p.margin -= release;
      p.entry_value -= cost;
      p.size -= qc;
      p.realized += pnl;
      p.updated_ms = ts;
      if (qc == qty) p.fees += fee;
      eff.realized = pnl;
      eff.closed = qc;
      eff.closed_side = p.side;
      eff.covered = settle_pnl(a, asset, pnl, budget);
      post_position(a, m, p);
      if (!p.size.is_positive()) {
        pa.positions.erase(it);
        it = pa.positions.end();
      }
      qty -= qc;
    }
    if (qty.is_positive()) {
      if (it == pa.positions.end()) {
        it = pa.positions.emplace(key, PosState{}).first;
        it->second.side = dir;
        it->second.created_ms = ts;
      }
      PosState& p = it->second;
      p.entry_value += open_value;
      p.size += qty;
      p.fees += fee;
      p.updated_ms = ts;
      if (margined) {
        const Decimal target = contract::initial_margin(p.entry_value, settings(a, m).leverage);
        if (target > p.margin) p.margin += freeze_upto(a, asset, target - p.margin);
      }
      eff.opened = qty;
      eff.opened_side = dir;
      post_position(a, m, p);
    }
    return eff;
  }

  /// One side of a perpetual fill: releases the order's reserve for this fill, applies the trade to the
  /// position, charges the fee to the fee account and writes the bill(s). Returns the fee paid.
  Decimal settle_leg(const Market& m, Order& o, Decimal qty, Decimal price, Decimal value, bool is_maker,
                     TradeId trade_id, TradeEffect& eff) {
    const Instrument& in = m.inst;
    const std::string& asset = in.settle_asset();
    if (o.frozen.is_positive()) {
      const Decimal release =
          Decimal::min(o.frozen, order_reserve(in, value, settings(o.account, m).leverage));
      check(ledger.unfreeze(o.account, asset, release));
      o.frozen -= release;
    }
    const Decimal fee = value.mul(is_maker ? in.maker_fee_rate : in.taker_fee_rate, Rounding::kHalfUp);
    eff = apply_trade(o.account, m, o.position_side, o.side, qty, price, value, fee, nullptr);
    const Decimal paid = pay_to_house(o.account, asset, fee, nullptr);
    if (o.account != house()) {
      if (eff.closed.is_positive())
        add_bill(o.account, m, BillType::kTrade, eff.closed_side, PositionAction::kClose, eff.realized,
                 eff.opened.is_positive() ? Decimal{} : paid, trade_id);
      if (eff.opened.is_positive())
        add_bill(o.account, m, BillType::kTrade, eff.opened_side, PositionAction::kOpen, Decimal{}, paid,
                 trade_id);
    }
    return paid;
  }

  /// Perpetual admission: position-mode rules, reduce-only / close limits, margin. Sets the order's slot,
  /// action, reduce flag and the reserve to freeze.
  PlaceResult perp_admit(const Market& m, const OrderRequest& rq, PositionSide& slot, PositionAction& action,
                         bool& reduce, Decimal& need) {
    const Instrument& in = m.inst;
    const PositionMode mode = mode_of(rq.account);
    if (mode == PositionMode::kHedge) {
      if (rq.position_action != PositionAction::kOpen && rq.position_action != PositionAction::kClose)
        return reject(RejectReason::kPositionModeMismatch,
                      "hedge mode: the order needs a position action (open or close)");
      if (rq.reduce_only && rq.position_action == PositionAction::kOpen)
        return reject(RejectReason::kInvalidParameter, "a reduce-only order cannot open a position");
      action = rq.position_action;
      reduce = action == PositionAction::kClose;
      const bool long_side = (rq.side == Side::kBuy) == (action == PositionAction::kOpen);
      slot = long_side ? PositionSide::kLong : PositionSide::kShort;
      if (rq.position_side != PositionSide::kBoth && rq.position_side != slot)
        return reject(RejectReason::kInvalidParameter,
                      std::string(action == PositionAction::kOpen ? "open " : "close ") + side_name(rq.side) +
                          " trades the " + side_word(slot) + " position, not " + side_word(rq.position_side));
    } else {
      if (rq.position_side != PositionSide::kBoth)
        return reject(RejectReason::kPositionModeMismatch,
                      std::string("one-way mode: orders take no position side (got ") +
                          side_word(rq.position_side) + ")");
      slot = PositionSide::kBoth;
      action = PositionAction::kNil;
      reduce = rq.reduce_only || rq.position_action == PositionAction::kClose;
    }

    if (reduce) {
      need = Decimal{};
      const PositionSide reduces = rq.side == Side::kSell ? PositionSide::kLong : PositionSide::kShort;
      const PosState* p = find_pos(rq.account, in.symbol, slot);
      if (p != nullptr && p->side != reduces)
        return reject(RejectReason::kReduceOnlyWouldIncrease,
                      std::string("reduce-only ") + side_name(rq.side) + " would increase the " +
                          side_word(p->side) + " position of " + str(p->size) + " " + in.symbol);
      const Decimal held = p != nullptr ? p->size : Decimal{};
      Decimal locked;  // already promised to the account's other live close orders
      auto acc = accounts.find(rq.account);
      if (acc != accounts.end())
        for (const auto& [id, e] : acc->second.open) {
          const Order& o = e->order;
          if (o.reduce_only && o.symbol == in.symbol && o.position_side == slot && o.side == rq.side)
            locked += o.remaining();
        }
      const Decimal closable = Decimal::max(Decimal{}, held - locked);
      if (rq.quantity > closable) {
        if (!held.is_positive())
          return reject(RejectReason::kCloseExceedsPosition, std::string("close ") + str(rq.quantity) +
                                                                 ": no " + side_word(reduces) +
                                                                 " position to close on " + in.symbol);
        return reject(RejectReason::kCloseExceedsPosition,
                      "close " + str(rq.quantity) + " exceeds the closable " + side_word(reduces) +
                          " position " + str(closable) + " on " + in.symbol + " (held " + str(held) +
                          ", in open close orders " + str(locked) + ")");
      }
      return {};
    }

    // Notional this order can trade: what it would take from the book now plus the rest at its limit.
    const bool market = rq.kind == OrderKind::kMarket;
    Decimal left;
    Decimal notional =
        take_value(m, rq.side, rq.quantity, market ? std::nullopt : std::optional<Decimal>(rq.price), left);
    if (!market && left.is_positive()) notional += value_at(in, left, rq.price);
    const Decimal lev = settings(rq.account, m).leverage;
    need = order_reserve(in, notional, lev);
    const std::string& asset = in.settle_asset();
    const Decimal available = available_margin(rq.account, asset, sums(rq.account, asset));
    if (available < need) {
      const Decimal im = contract::initial_margin(notional, lev);
      return reject(RejectReason::kInsufficientMargin,
                    "insufficient margin: available " + str(available) + " " + asset + ", required " +
                        str(need) + " (initial margin " + str(im) + " = notional " + str(notional) +
                        " / leverage " + str(lev) + ", plus fee reserve " + str(need - im) + ")");
    }
    return {};
  }

  PerpResult set_leverage(AccountId a, std::string_view symbol, Decimal lev) {
    Op op(*this);
    Market* mp = perp_market(symbol);
    if (mp == nullptr) return perp_error(symbol);
    const Market& m = *mp;
    const Instrument& in = m.inst;
    if (lev < in.min_leverage || lev > in.max_leverage)
      return {RejectReason::kLeverageOutOfRange, "leverage " + str(lev) + " is outside [" +
                                                     str(in.min_leverage) + ", " + str(in.max_leverage) +
                                                     "] for " + in.symbol};
    if (settings(a, m).leverage == lev) return {};
    const std::string& asset = in.settle_asset();
    // New margins of the symbol's positions and reserves of its open orders at `lev`.
    std::vector<std::pair<PosState*, Decimal>> pos_targets;
    std::vector<std::pair<Order*, Decimal>> order_targets;
    Decimal delta;
    PerpAccount& pa = perp[a];
    for (auto& [key, p] : pa.positions)
      if (key.first == in.symbol) {
        const Decimal target = contract::initial_margin(p.entry_value, lev);
        pos_targets.emplace_back(&p, target);
        delta += target - p.margin;
      }
    if (auto acc = accounts.find(a); acc != accounts.end())
      for (auto& [id, e] : acc->second.open)
        if (e->order.symbol == in.symbol && !e->order.reduce_only) {
          const Decimal target = order_reserve(in, value_at(in, e->order.remaining(), e->order.price), lev);
          order_targets.emplace_back(&e->order, target);
          delta += target - e->order.frozen;
        }
    if (delta.is_positive()) {
      const Decimal available = available_margin(a, asset, sums(a, asset));
      if (available < delta)
        return {RejectReason::kInsufficientMargin, "insufficient margin for leverage " + str(lev) +
                                                       ": available " + str(available) + " " + asset +
                                                       ", required " + str(delta)};
    }
    // Releases first, so the increases are covered by what the check saw.
    for (int pass = 0; pass < 2; ++pass) {
      for (auto& [p, target] : pos_targets)
        if ((pass == 0) == (target < p->margin)) {
          if (pass == 0)
            check(ledger.unfreeze(a, asset, p->margin - target));
          else
            check(ledger.freeze(a, asset, target - p->margin));
          p->margin = target;
        }
      for (auto& [o, target] : order_targets)
        if ((pass == 0) == (target < o->frozen)) {
          if (pass == 0)
            check(ledger.unfreeze(a, asset, o->frozen - target));
          else
            check(ledger.freeze(a, asset, target - o->frozen));
          o->frozen = target;
        }
    }
    settings_slot(a, m).leverage = lev;
    for (auto& [p, target] : pos_targets) post_position(a, m, *p);
    return {};
  }

  /// Accounts (or isolated positions) whose equity is at or below maintenance, liquidated at the mark.
  std::size_t run_liquidations() {
    Op op(*this);
    struct Target {
      AccountId account;
      std::string asset;
      std::optional<PosKey> isolated;  ///< nullopt: every cross position in `asset`
    };
    std::vector<Target> targets;
    for (const auto& [a, pa] : perp) {
      if (a == house() || pa.positions.empty()) continue;
      std::set<std::string> cross_assets;
      for (const auto& [key, p] : pa.positions) {
        const Market& m = markets.find(key.first)->second;
        if (settings(a, m).mode == MarginMode::kIsolated)
          targets.push_back({a, m.inst.settle_asset(), key});
        else
          cross_assets.insert(m.inst.settle_asset());
      }
      for (const std::string& asset : cross_assets) targets.push_back({a, asset, std::nullopt});
    }
    // Checked one by one: an isolated liquidation returns leftover margin, which can rescue the cross side.
    std::size_t n = 0;
    for (const Target& t : targets)
      if (below_maintenance(t.account, t.asset, t.isolated)) n += liquidate(t.account, t.asset, t.isolated);
    return n;
  }

  /// Isolated: margin + uPnL <= maintenance of that position. Cross: wallet − isolated margins + cross uPnL
  /// <= Σ cross maintenance (open orders' reserves count as equity: they are cancelled first).
  bool below_maintenance(AccountId a, const std::string& asset, const std::optional<PosKey>& isolated) const {
    if (isolated) {
      const PosState* p = find_pos(a, isolated->first, isolated->second);
      if (p == nullptr) return false;
      const Market& m = markets.find(isolated->first)->second;
      return p->margin + upnl(m, *p) <= maint(m, *p);
    }
    const Sums s = sums(a, asset);
    return s.has_cross && wallet(a, asset, s) - s.iso_margin + s.cross_upnl <= s.cross_maint;
  }

  /// Closes the position(s) at the mark against the fee account, which takes them over (so open interest
  /// stays matched and money is conserved). The account's orders on those symbols are cancelled first.
  std::size_t liquidate(AccountId a, const std::string& asset, const std::optional<PosKey>& isolated) {
    PerpAccount& pa = perp[a];
    std::vector<PosKey> keys;
    if (isolated) {
      keys.push_back(*isolated);
    } else {
      for (const auto& [key, p] : pa.positions) {
        const Market& m = markets.find(key.first)->second;
        if (m.inst.settle_asset() == asset && settings(a, m).mode == MarginMode::kCross) keys.push_back(key);
      }
    }
    std::vector<OrderId> cancels;
    if (auto acc = accounts.find(a); acc != accounts.end())
      for (const auto& [id, e] : acc->second.open)
        for (const PosKey& key : keys)
          if (e->order.symbol == key.first) {
            cancels.push_back(id);
            break;
          }
    for (OrderId id : cancels) cancel_entry(a, live_entry(id), "being liquidated");
    std::size_t n = 0;
    for (const PosKey& key : keys) {
      auto it = pa.positions.find(key);
      if (it == pa.positions.end()) continue;
      const Market& m = markets.find(key.first)->second;
      const PosState before = it->second;
      const Decimal price = mark_of(m, before);
      const Decimal value = value_at(m.inst, before.size, price);
      const Side close_side = before.side == PositionSide::kLong ? Side::kSell : Side::kBuy;
      Decimal budget;
      const TradeEffect eff = apply_trade(a, m, key.second, close_side, before.size, price, value, Decimal{},
                                          isolated ? &budget : nullptr);
      apply_trade(house(), m, PositionSide::kBoth, opposite(close_side), before.size, price, value, Decimal{},
                  nullptr);
      Liquidation liq;
      liq.id = next_bill_id;  // the id of the bill written right after the event
      liq.account = a;
      liq.symbol = m.inst.symbol;
      liq.side = before.side;
      liq.margin_mode = isolated ? MarginMode::kIsolated : MarginMode::kCross;
      liq.size = before.size;
      liq.entry_price = entry_price(m.inst, before);
      liq.price = price;
      liq.realized_pnl = eff.realized;
      liq.covered_by_insurance = eff.covered;
      liq.ts_ms = now();
      pa.liquidations.push_back(liq);
      while (pa.liquidations.size() > std::max<std::size_t>(cfg.recent_bills_per_account, 1))
        pa.liquidations.pop_front();
      post(LiquidationEvent{liq});
      add_bill(a, m, BillType::kLiquidation, before.side, PositionAction::kClose, eff.realized + eff.covered,
               Decimal{}, 0);
      ++n;
    }
    return n;
  }

  std::size_t settle_funding(Market& m, Decimal rate) {
    Op op(*this);
    if (rate.is_zero()) return 0;
    const Instrument& in = m.inst;
    const std::string& asset = in.settle_asset();
    struct Due {
      AccountId account;
      PosKey key;
      Decimal amount;
      bool pays;
    };
    std::vector<Due> dues;
    for (const auto& [a, pa] : perp) {
      if (a == house()) continue;  // the fee account is the counterparty: it would pay itself
      for (const auto& [key, p] : pa.positions) {
        if (key.first != in.symbol) continue;
        // Signed for the position; payers round up, receivers down: the fee account never pays out more than
        // it collected.
        const Decimal due = contract::funding_payment(spec_of(in), p.side, p.size, mark_of(m, p), rate);
        dues.push_back({a, key, due.abs(), due.is_negative()});
      }
    }
    for (int pass = 0; pass < 2; ++pass)
      for (const Due& d : dues) {
        if (d.pays != (pass == 0)) continue;
        Decimal amount;
        if (d.pays) {
          amount = -pay_to_house(d.account, asset, d.amount, nullptr);
        } else {
          pay_from_house(d.account, asset, d.amount);
          amount = d.amount;
        }
        PosState& p = perp[d.account].positions[d.key];
        p.funding += amount;
        add_bill(d.account, m, BillType::kFunding, p.side, PositionAction::kNil, amount, Decimal{}, 0);
      }
    run_liquidations();
    return dues.size();
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
  if (in.is_perpetual()) {
    if (in.settle_asset().empty()) bad("perpetual needs a settle asset");
    if (!in.contract_size.is_positive()) bad("contract_size must be positive");
    if (in.contract_kind == ContractKind::kSpot) bad("a perpetual's contract kind must not be spot");
    // Linear values are exact; inverse ones divide by the price and round half-up at 18 decimals (both legs
    // of a fill use the same rounded value, so money is still conserved).
    if (!in.is_inverse() &&
        decimals_of(in.tick) + decimals_of(in.lot) + decimals_of(in.contract_size) > Decimal::kScale)
      bad("tick, lot and contract_size together need more than 18 decimals");
    if (in.min_leverage < Decimal::one() || in.max_leverage < in.min_leverage ||
        in.default_leverage < in.min_leverage || in.default_leverage > in.max_leverage)
      bad("leverage bounds must satisfy 1 <= min <= default <= max");
    if (in.maintenance_margin_rate.is_negative() || in.maintenance_margin_rate >= Decimal::one())
      bad("maintenance_margin_rate must be in [0, 1)");
    if (in.funding_interval_ms <= 0) bad("funding_interval_ms must be positive");
  }
  if (impl_->markets.count(in.symbol)) bad("symbol already exists");
  Market m;
  m.inst = in;
  if (in.is_perpetual()) {
    const int64_t now = impl_->now();
    m.next_funding_ms = (now / in.funding_interval_ms + 1) * in.funding_interval_ms;
  }
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

// ---- perpetuals ----

PerpResult MatchingEngine::set_position_mode(AccountId account, PositionMode mode) {
  if (impl_->mode_of(account) == mode) return {};
  if (impl_->has_perp_activity(account, {}))
    return {RejectReason::kOpenPositionsOrOrders,
            "account " + std::to_string(account) +
                ": position mode cannot change while it has perpetual positions or open orders"};
  impl_->perp[account].mode = mode;
  return {};
}

PositionMode MatchingEngine::position_mode(AccountId account) const {
  return impl_->mode_of(account);
}

PerpResult MatchingEngine::set_leverage(AccountId account, std::string_view symbol, Decimal leverage) {
  return impl_->set_leverage(account, symbol, leverage);
}

PerpResult MatchingEngine::set_margin_mode(AccountId account, std::string_view symbol, MarginMode mode) {
  const Market* m = impl_->perp_market(symbol);
  if (m == nullptr) return impl_->perp_error(symbol);
  if (impl_->settings(account, *m).mode == mode) return {};
  if (impl_->has_perp_activity(account, symbol))
    return {RejectReason::kOpenPositionsOrOrders,
            "account " + std::to_string(account) + ": margin mode of " + std::string(symbol) +
                " cannot change while it has a position or open orders"};
  impl_->settings_slot(account, *m).mode = mode;
  return {};
}

Decimal MatchingEngine::leverage(AccountId account, std::string_view symbol) const {
  const Market* m = impl_->perp_market(symbol);
  return m == nullptr ? Decimal{} : impl_->settings(account, *m).leverage;
}

MarginMode MatchingEngine::margin_mode(AccountId account, std::string_view symbol) const {
  const Market* m = impl_->perp_market(symbol);
  return m == nullptr ? MarginMode::kCross : impl_->settings(account, *m).mode;
}

bool MatchingEngine::set_mark_price(std::string_view symbol, Decimal price) {
  Market* m = impl_->perp_market(symbol);
  if (m == nullptr || !price.is_positive()) return false;
  Impl::Op op(*impl_);
  m->mark = price;
  impl_->run_liquidations();
  return true;
}

std::optional<Decimal> MatchingEngine::mark_price(std::string_view symbol) const {
  const Market* m = impl_->perp_market(symbol);
  if (m == nullptr) return std::nullopt;
  return m->mark ? m->mark : m->last_price;
}

bool MatchingEngine::set_funding_rate(std::string_view symbol, Decimal rate) {
  Market* m = impl_->perp_market(symbol);
  if (m == nullptr) return false;
  m->funding_rate = rate;
  return true;
}

Decimal MatchingEngine::funding_rate(std::string_view symbol) const {
  const Market* m = impl_->perp_market(symbol);
  return m == nullptr ? Decimal{} : m->funding_rate;
}

int64_t MatchingEngine::next_funding_ms(std::string_view symbol) const {
  const Market* m = impl_->perp_market(symbol);
  return m == nullptr ? 0 : m->next_funding_ms;
}

std::size_t MatchingEngine::settle_funding(std::string_view symbol, Decimal rate) {
  Market* m = impl_->perp_market(symbol);
  return m == nullptr ? 0 : impl_->settle_funding(*m, rate);
}

std::size_t MatchingEngine::poll_funding() {
  Impl::Op op(*impl_);
  const int64_t now = impl_->now();
  std::size_t n = 0;
  for (auto& [sym, m] : impl_->markets) {
    if (!m.inst.is_perpetual() || now < m.next_funding_ms) continue;
    const int64_t interval = m.inst.funding_interval_ms;
    m.next_funding_ms = (now / interval + 1) * interval;  // missed intervals collapse into this one
    impl_->settle_funding(m, m.funding_rate);
    ++n;
  }
  return n;
}

std::size_t MatchingEngine::check_liquidations() {
  return impl_->run_liquidations();
}

std::vector<Position> MatchingEngine::positions(AccountId account, std::string_view symbol) const {
  std::vector<Position> out;
  auto pit = impl_->perp.find(account);
  if (pit == impl_->perp.end()) return out;
  for (const auto& [key, p] : pit->second.positions)
    if (symbol.empty() || key.first == symbol)
      out.push_back(impl_->snapshot(account, impl_->markets.find(key.first)->second, p));
  return out;
}

std::optional<Position> MatchingEngine::position(AccountId account, std::string_view symbol,
                                                 PositionSide side) const {
  const Market* m = impl_->perp_market(symbol);
  if (m == nullptr) return std::nullopt;
  const bool hedge = impl_->mode_of(account) == PositionMode::kHedge;
  const PositionSide slot = hedge ? side : PositionSide::kBoth;
  const PosState* p = impl_->find_pos(account, m->inst.symbol, slot);
  if (p == nullptr || (!hedge && side != PositionSide::kBoth && p->side != side)) return std::nullopt;
  return impl_->snapshot(account, *m, *p);
}

std::vector<Bill> MatchingEngine::bills(AccountId account, int64_t since_ms, std::string_view symbol,
                                        std::size_t limit) const {
  std::vector<Bill> out;
  auto pit = impl_->perp.find(account);
  if (pit == impl_->perp.end()) return out;
  const auto& bills = pit->second.bills;
  for (auto it = bills.rbegin(); it != bills.rend() && out.size() < limit; ++it)
    if (it->ts_ms >= since_ms && (symbol.empty() || it->symbol == symbol)) out.push_back(*it);
  return out;
}

std::vector<Liquidation> MatchingEngine::liquidations(AccountId account) const {
  std::vector<Liquidation> out;
  auto pit = impl_->perp.find(account);
  if (pit == impl_->perp.end()) return out;
  out.assign(pit->second.liquidations.rbegin(), pit->second.liquidations.rend());
  return out;
}

MarginSummary MatchingEngine::margin_summary(AccountId account, std::string_view asset) const {
  const Sums s = impl_->sums(account, asset);
  MarginSummary out;
  out.asset = std::string(asset);
  out.wallet = impl_->wallet(account, asset, s);
  out.unrealized_pnl = s.upnl;
  out.equity = out.wallet + s.upnl;
  out.position_margin = s.position_margin;
  out.order_margin = s.order_margin;
  out.maintenance_margin = s.maint;
  out.available = Decimal::max(Decimal{}, impl_->available_margin(account, asset, s));
  return out;
}

Decimal MatchingEngine::bad_debt() const {
  return impl_->bad_debt;
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
