// The matching core of the simulator's MatchingEngine (private to src/sim): markets with their
// price-time-priority books, the orders the engine remembers, order kinds and time in force, the event queue
// and its delivery. It never moves money itself: every market names the settlement policy
// (sim/settlement.hpp: spot, perpetual) that reserves, settles fills and releases (docs/matching-engine.md).
#pragma once

#include <cstdint>
#include <deque>
#include <exception>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "nectar/sim/matching_engine.hpp"

namespace nectar::sim::engine {

class Settlement;

/// Fractional digits needed to write `d` exactly (0..18).
int decimals_of(Decimal d);
inline bool is_multiple(Decimal value, Decimal step) {
  return value.raw() % step.raw() == 0;
}
inline std::string str(Decimal d) {
  return d.to_string();
}
inline const char* side_name(Side s) {
  return s == Side::kBuy ? "buy" : "sell";
}
/// The engine only moves what it reserved itself, so a ledger failure is a bug in the engine: throws
/// std::logic_error naming it.
void check(const LedgerResult& r);
/// A refused request (no order created unless the caller sets order_id).
PlaceResult rejected(RejectReason reason, std::string message);

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

/// One instrument's book and market data; `settlement` is the policy that moves its money (never null).
struct Market {
  Instrument inst;
  Settlement* settlement = nullptr;
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

/// Books, orders and events; settlement is delegated to each market's policy.
class Core {
 public:
  /// Marks an operation: events are queued while it runs and delivered when the outermost one ends.
  /// A listener may throw out of dispatch (hence noexcept(false)); an exception from the operation itself
  /// means a broken invariant, and its half-built events are dropped rather than delivered.
  class Op {
   public:
    explicit Op(Core& core) : core_(core) { ++core_.depth_; }
    Op(const Op&) = delete;
    Op& operator=(const Op&) = delete;
    ~Op() noexcept(false);

   private:
    Core& core_;
    int uncaught_ = std::uncaught_exceptions();
  };

  explicit Core(EngineConfig config);
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  int64_t now() const { return cfg.clock(); }
  /// The exchange side: fee revenue (and, for perpetuals, insurance fund and counterparty).
  AccountId house() const { return cfg.fee_account; }

  /// Checks the rules every instrument obeys, then the policy's own; throws std::invalid_argument naming the
  /// symbol and the rule. The policy settles the new market from then on.
  void add_instrument(const Instrument& in, Settlement& policy);
  PlaceResult place(const OrderRequest& rq);
  /// Cancels `e` (nullptr or not live or another account's: kUnknownOrder naming `what`).
  CancelResult cancel_entry(AccountId account, Entry* e, std::string_view what);
  Entry* live_entry(OrderId id);

  /// Queues an event of a settlement policy. During a fill's settlement it waits until the fill's own events
  /// (fill, public trade, level) are queued, so listeners see the fill before what it did to positions.
  void post(Event ev) { (deferring_ ? deferred_ : queue_).push_back(std::move(ev)); }

  EngineConfig cfg;
  Ledger ledger;
  std::map<std::string, Market, std::less<>> markets;  ///< node-based: Market addresses are stable
  std::unordered_map<OrderId, Entry> orders;           ///< node-based: Entry addresses are stable
  std::unordered_map<AccountId, AccountOrders> accounts;
  TradeId next_trade_id = 1;
  std::vector<EngineListener*> listeners;

 private:
  void flush_balances();
  void dispatch();
  void deliver(const Event& ev);
  void level_changed(Market& m, Side side, Decimal price, Decimal qty);

  void finish(Market& m, Entry& e, OrderStatus status);
  void rest(Market& m, Entry& e);
  void record_fill(AccountOrders& acc, AccountFill f);
  void execute(Market& m, Level& lvl, Entry& maker_e, Entry& taker_e, Decimal qty);
  void drop_front(Market& m, Level& lvl, Entry& e);
  static Decimal liquidity(const Market& m, Side side, Decimal limit);
  static bool crosses(const Market& m, Side side, Decimal price);
  bool match(Market& m, Entry& taker_e);
  PlaceResult check_request(const Market& m, const OrderRequest& rq) const;

  OrderId next_order_id_ = 1;
  std::vector<Event> queue_;
  std::vector<BalanceChange> pending_balances_;
  std::vector<Event> deferred_;
  bool deferring_ = false;
  int depth_ = 0;  ///< nesting of operations in progress
  bool dispatching_ = false;
};

}  // namespace nectar::sim::engine
