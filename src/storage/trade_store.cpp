#include "nectar/storage/trade_store.hpp"

#include "nectar/connectors/exchange_base.hpp"
#include "nectar/storage/journal_writer.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "nectar/core/clock.hpp"

namespace nectar::storage {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS orders (
  connector TEXT NOT NULL,
  client_order_id TEXT NOT NULL,
  exchange_order_id TEXT NOT NULL DEFAULT '',
  pair TEXT NOT NULL,
  order_type TEXT NOT NULL,
  trade_type TEXT NOT NULL,
  position_action TEXT NOT NULL,
  leverage INTEGER NOT NULL,
  amount TEXT NOT NULL,
  price TEXT NOT NULL,
  state TEXT NOT NULL,
  executed_base TEXT NOT NULL,
  executed_quote TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (connector, client_order_id)
);
CREATE INDEX IF NOT EXISTS orders_by_state ON orders(connector, state);
CREATE TABLE IF NOT EXISTS order_status (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  connector TEXT NOT NULL,
  client_order_id TEXT NOT NULL,
  state TEXT NOT NULL,
  timestamp_ms INTEGER NOT NULL,
  reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS order_status_by_order ON order_status(connector, client_order_id);
CREATE TABLE IF NOT EXISTS fills (
  connector TEXT NOT NULL,
  trade_id TEXT NOT NULL,
  client_order_id TEXT NOT NULL,
  exchange_order_id TEXT NOT NULL,
  pair TEXT NOT NULL,
  trade_type TEXT NOT NULL,
  price TEXT NOT NULL,
  amount TEXT NOT NULL,
  quote_amount TEXT NOT NULL,
  fees TEXT NOT NULL,
  is_maker INTEGER NOT NULL,
  timestamp_ms INTEGER NOT NULL,
  PRIMARY KEY (connector, trade_id)
);
CREATE INDEX IF NOT EXISTS fills_by_order ON fills(connector, client_order_id);
CREATE TABLE IF NOT EXISTS funding_payments (
  connector TEXT NOT NULL,
  payment_id TEXT NOT NULL,
  pair TEXT NOT NULL,
  amount TEXT NOT NULL,
  rate TEXT NOT NULL,
  timestamp_ms INTEGER NOT NULL,
  PRIMARY KEY (connector, payment_id)
);
CREATE TABLE IF NOT EXISTS positions (
  connector TEXT NOT NULL,
  pair TEXT NOT NULL,
  side TEXT NOT NULL,
  amount TEXT NOT NULL,
  entry_price TEXT NOT NULL,
  unrealized_pnl TEXT NOT NULL,
  liquidation_price TEXT NOT NULL,
  leverage INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (connector, pair, side)
);
)sql";

/// RAII prepared statement with positional binding.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw StorageError(std::string("storage: cannot prepare statement: ") + sqlite3_errmsg(db));
    }
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::string_view v) { return bind(i, std::string(v)); }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  /// Runs a statement that returns no rows; returns the number of rows changed.
  int run() {
    const int rc = sqlite3_step(stmt_);
    if (rc != SQLITE_DONE) throw StorageError(std::string("storage: write failed: ") + sqlite3_errmsg(db_));
    return sqlite3_changes(db_);
  }
  bool next() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw StorageError(std::string("storage: read failed: ") + sqlite3_errmsg(db_));
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col))
             : std::string();
  }
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  Decimal decimal(int col) const {
    auto d = Decimal::try_parse(text(col));
    if (!d) throw StorageError("storage: corrupt decimal '" + text(col) + "'");
    return *d;
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

std::string fees_text(const std::vector<TokenAmount>& fees) {
  std::string out;
  for (const auto& f : fees) out += (out.empty() ? "" : ";") + f.amount.to_string() + " " + f.token;
  return out;
}

std::vector<TokenAmount> parse_fees(const std::string& text) {
  std::vector<TokenAmount> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    const auto space = item.find(' ');
    if (space != std::string::npos) {
      if (auto amount = Decimal::try_parse(item.substr(0, space)))
        out.push_back({item.substr(space + 1), *amount});
    }
    start = end + 1;
  }
  return out;
}

template <class T, class Parse>
T parse_or_throw(const std::string& text, Parse parse, const char* what) {
  auto v = parse(text);
  if (!v) throw StorageError(std::string("storage: corrupt ") + what + " '" + text + "'");
  return *v;
}

std::optional<OrderState> parse_state(std::string_view s) {
  for (auto st : {OrderState::kPendingCreate, OrderState::kOpen, OrderState::kPartiallyFilled,
                  OrderState::kPendingCancel, OrderState::kFilled, OrderState::kCanceled, OrderState::kFailed,
                  OrderState::kExpired}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

std::optional<PositionSide> parse_side(std::string_view s) {
  for (auto v : {PositionSide::kLong, PositionSide::kShort, PositionSide::kBoth})
    if (to_string(v) == s) return v;
  return std::nullopt;
}

/// Position fields that change only by trading (not with the mark price): what makes a new snapshot worth
/// writing.
bool same_holding(const std::vector<Position>& a, const std::vector<Position>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].pair != b[i].pair || a[i].side != b[i].side || a[i].amount != b[i].amount ||
        a[i].entry_price != b[i].entry_price || a[i].leverage != b[i].leverage)
      return false;
  }
  return true;
}

std::optional<PositionAction> parse_action(std::string_view s) {
  for (auto a : {PositionAction::kOpen, PositionAction::kClose, PositionAction::kNil})
    if (to_string(a) == s) return a;
  return std::nullopt;
}

}  // namespace

TradeStore::TradeStore(const std::string& path) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StorageError("storage: cannot open " + path + ": " + why);
  }
  sqlite3_busy_timeout(db_, 5000);
  // WAL: a killed process loses nothing committed; NORMAL sync is durable against process crashes.
  exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  exec(kSchema);
}

TradeStore::~TradeStore() {
  sqlite3_close(db_);
}

void TradeStore::exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string why = err ? err : "unknown error";
    sqlite3_free(err);
    throw StorageError("storage: " + path_ + ": " + why);
  }
}

void TradeStore::save_order(const std::string& connector, const InFlightOrder& o) {
  Stmt s(
      db_,
      "INSERT INTO orders (connector, client_order_id, exchange_order_id, pair, order_type, trade_type, "
      "position_action, leverage, amount, price, state, executed_base, executed_quote, created_ms, "
      "updated_ms) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
      "ON CONFLICT(connector, client_order_id) DO UPDATE SET exchange_order_id=excluded.exchange_order_id, "
      "state=excluded.state, executed_base=excluded.executed_base, executed_quote=excluded.executed_quote, "
      "updated_ms=excluded.updated_ms");
  s.bind(1, connector)
      .bind(2, o.client_order_id())
      .bind(3, o.exchange_order_id())
      .bind(4, o.pair().str())
      .bind(5, to_string(o.order_type()))
      .bind(6, to_string(o.trade_type()))
      .bind(7, to_string(o.position_action()))
      .bind(8, static_cast<int64_t>(o.leverage()))
      .bind(9, o.amount().to_string())
      .bind(10, o.price().to_string())
      .bind(11, to_string(o.state()))
      .bind(12, o.executed_base().to_string())
      .bind(13, o.executed_quote().to_string())
      .bind(14, o.creation_timestamp_ms())
      .bind(15, o.last_update_timestamp_ms());
  s.run();
}

void TradeStore::record_status(const std::string& connector, const std::string& client_order_id,
                               OrderState state, int64_t timestamp_ms, const std::string& reason) {
  Stmt s(db_,
         "INSERT INTO order_status (connector, client_order_id, state, timestamp_ms, reason) VALUES "
         "(?,?,?,?,?)");
  s.bind(1, connector)
      .bind(2, client_order_id)
      .bind(3, to_string(state))
      .bind(4, timestamp_ms)
      .bind(5, reason);
  s.run();
}

StoredFill to_stored_fill(const std::string& connector, const OrderFilledEvent& f,
                          const std::string& exchange_order_id) {
  StoredFill out;
  out.connector = connector;
  out.trade_id = f.trade_id;
  out.client_order_id = f.client_order_id;
  out.exchange_order_id = exchange_order_id;
  out.pair = f.pair;
  out.trade_type = f.trade_type;
  out.price = f.price;
  out.amount = f.amount;
  out.quote_amount = f.price.mul(f.amount);
  out.fees = f.fee.flat_fees;
  out.is_maker = f.is_maker;
  out.timestamp_ms = f.timestamp_ms;
  return out;
}

bool TradeStore::record_fill(const std::string& connector, const OrderFilledEvent& f,
                             const std::string& exchange_order_id) {
  Stmt s(db_,
         "INSERT OR IGNORE INTO fills (connector, trade_id, client_order_id, exchange_order_id, pair, "
         "trade_type, "
         "price, amount, quote_amount, fees, is_maker, timestamp_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
  s.bind(1, connector)
      .bind(2, f.trade_id)
      .bind(3, f.client_order_id)
      .bind(4, exchange_order_id)
      .bind(5, f.pair.str())
      .bind(6, to_string(f.trade_type))
      .bind(7, f.price.to_string())
      .bind(8, f.amount.to_string())
      .bind(9, to_stored_fill(connector, f, exchange_order_id).quote_amount.to_string())
      .bind(10, fees_text(f.fee.flat_fees))
      .bind(11, static_cast<int64_t>(f.is_maker ? 1 : 0))
      .bind(12, f.timestamp_ms);
  return s.run() > 0;
}

bool TradeStore::record_funding(const std::string& connector, const FundingPaymentEvent& p) {
  Stmt s(db_,
         "INSERT OR IGNORE INTO funding_payments (connector, payment_id, pair, amount, rate, timestamp_ms) "
         "VALUES (?,?,?,?,?,?)");
  s.bind(1, connector)
      .bind(2, p.payment_id)
      .bind(3, p.pair.str())
      .bind(4, p.amount.to_string())
      .bind(5, p.funding_rate.to_string())
      .bind(6, p.timestamp_ms);
  return s.run() > 0;
}

std::vector<StoredFill> TradeStore::fills(const std::string& connector) const {
  Stmt s(db_,
         "SELECT trade_id, client_order_id, exchange_order_id, pair, trade_type, price, amount, "
         "quote_amount, fees, "
         "is_maker, timestamp_ms FROM fills WHERE connector = ? ORDER BY timestamp_ms, trade_id");
  s.bind(1, connector);
  std::vector<StoredFill> out;
  while (s.next()) {
    StoredFill f;
    f.connector = connector;
    f.trade_id = s.text(0);
    f.client_order_id = s.text(1);
    f.exchange_order_id = s.text(2);
    f.pair = parse_or_throw<TradingPair>(s.text(3), TradingPair::try_parse, "pair");
    f.trade_type = parse_or_throw<TradeType>(s.text(4), parse_trade_type, "trade type");
    f.price = s.decimal(5);
    f.amount = s.decimal(6);
    f.quote_amount = s.decimal(7);
    f.fees = parse_fees(s.text(8));
    f.is_maker = s.integer(9) != 0;
    f.timestamp_ms = s.integer(10);
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<InFlightOrder> TradeStore::load_active_orders(const std::string& connector) {
  Stmt s(db_,
         "SELECT client_order_id, exchange_order_id, pair, order_type, trade_type, position_action, "
         "leverage, amount, "
         "price, state, created_ms, updated_ms FROM orders WHERE connector = ? AND state NOT IN "
         "('FILLED','CANCELED','FAILED','EXPIRED') ORDER BY created_ms");
  s.bind(1, connector);
  std::vector<InFlightOrder> out;
  while (s.next()) {
    InFlightOrder o(s.text(0), parse_or_throw<TradingPair>(s.text(2), TradingPair::try_parse, "pair"),
                    parse_or_throw<OrderType>(s.text(3), parse_order_type, "order type"),
                    parse_or_throw<TradeType>(s.text(4), parse_trade_type, "trade type"), s.decimal(7),
                    s.decimal(8), s.integer(10),
                    parse_or_throw<PositionAction>(s.text(5), parse_action, "position action"),
                    static_cast<int>(s.integer(6)));
    o.restore(parse_or_throw<OrderState>(s.text(9), parse_state, "order state"), s.text(1), s.integer(11));
    out.push_back(std::move(o));
  }
  // Replay the stored fills so that the order's amounts and seen trade ids are as before the restart.
  std::map<std::string, InFlightOrder*> by_id;
  for (auto& o : out) by_id[o.client_order_id()] = &o;
  for (const auto& f : fills(connector)) {
    auto it = by_id.find(f.client_order_id);
    if (it == by_id.end()) continue;
    TradeUpdate t;
    t.trade_id = f.trade_id;
    t.client_order_id = f.client_order_id;
    t.exchange_order_id = f.exchange_order_id;
    t.pair = f.pair;
    t.fill_price = f.price;
    t.fill_base_amount = f.amount;
    t.fill_quote_amount = f.quote_amount;
    t.fee.flat_fees = f.fees;
    t.fill_timestamp_ms = f.timestamp_ms;
    t.is_maker = f.is_maker;
    it->second->apply_trade(t);
  }
  return out;
}

int TradeStore::status_count(const std::string& connector, const std::string& client_order_id) const {
  Stmt s(db_, "SELECT COUNT(*) FROM order_status WHERE connector = ? AND client_order_id = ?");
  s.bind(1, connector).bind(2, client_order_id);
  return s.next() ? static_cast<int>(s.integer(0)) : 0;
}

std::vector<FundingPaymentEvent> TradeStore::funding_payments(const std::string& connector) const {
  Stmt s(db_,
         "SELECT payment_id, pair, amount, rate, timestamp_ms FROM funding_payments WHERE connector = ? "
         "ORDER BY timestamp_ms, payment_id");
  s.bind(1, connector);
  std::vector<FundingPaymentEvent> out;
  while (s.next()) {
    out.push_back(FundingPaymentEvent{s.integer(4),
                                      parse_or_throw<TradingPair>(s.text(1), TradingPair::try_parse, "pair"),
                                      s.decimal(2), s.decimal(3), s.text(0)});
  }
  return out;
}

void TradeStore::save_positions(const std::string& connector, const std::vector<Position>& positions,
                                int64_t timestamp_ms) {
  // A savepoint: its own transaction alone, nested inside a batch (JournalWriter).
  exec("SAVEPOINT save_positions");
  try {
    Stmt(db_, "DELETE FROM positions WHERE connector = ?").bind(1, connector).run();
    for (const auto& p : positions) {
      Stmt(db_,
           "INSERT INTO positions (connector, pair, side, amount, entry_price, unrealized_pnl, "
           "liquidation_price, leverage, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
          .bind(1, connector)
          .bind(2, p.pair.str())
          .bind(3, to_string(p.side))
          .bind(4, p.amount.to_string())
          .bind(5, p.entry_price.to_string())
          .bind(6, p.unrealized_pnl.to_string())
          .bind(7, p.liquidation_price.to_string())
          .bind(8, static_cast<int64_t>(p.leverage))
          .bind(9, timestamp_ms)
          .run();
    }
    exec("RELEASE save_positions");
  } catch (...) {
    exec("ROLLBACK TO save_positions; RELEASE save_positions");
    throw;
  }
}

void TradeStore::begin_batch() {
  exec("BEGIN IMMEDIATE");
}

void TradeStore::commit_batch() {
  exec("COMMIT");
}

std::vector<Position> TradeStore::positions(const std::string& connector) const {
  Stmt s(db_,
         "SELECT pair, side, amount, entry_price, unrealized_pnl, liquidation_price, leverage FROM positions "
         "WHERE connector = ? ORDER BY pair, side");
  s.bind(1, connector);
  std::vector<Position> out;
  while (s.next()) {
    Position p;
    p.pair = parse_or_throw<TradingPair>(s.text(0), TradingPair::try_parse, "pair");
    p.side = parse_or_throw<PositionSide>(s.text(1), parse_side, "position side");
    p.amount = s.decimal(2);
    p.entry_price = s.decimal(3);
    p.unrealized_pnl = s.decimal(4);
    p.liquidation_price = s.decimal(5);
    p.leverage = static_cast<int>(s.integer(6));
    out.push_back(p);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

OrderJournal::OrderJournal(Connector& connector, TradeStore& store) : connector_(connector), store_(&store) {
  subscription_ = connector_.events().subscribe([this](const Event& e) { on_event(e); });
}

OrderJournal::OrderJournal(Connector& connector, JournalWriter& writer)
    : connector_(connector), writer_(&writer) {
  subscription_ = connector_.events().subscribe([this](const Event& e) { on_event(e); });
  if (auto* base = dynamic_cast<ExchangeBase*>(&connector_)) {
    auto ex = base->executor();
    base->set_submit_barrier([&writer, ex]() { return writer.committed(ex); });
  }
}

OrderJournal::~OrderJournal() {
  if (writer_) {
    if (auto* base = dynamic_cast<ExchangeBase*>(&connector_)) base->set_submit_barrier(nullptr);
  }
}

void OrderJournal::write(std::function<void(TradeStore&)> op, bool durable) {
  if (store_) {
    op(*store_);
    return;
  }
  writer_->post(std::move(op));
  if (durable) writer_->wait_committed();
}

bool OrderJournal::sync_positions() {
  const auto* perp = dynamic_cast<const PerpetualConnector*>(&connector_);
  if (!perp) return false;
  std::vector<Position> now = perp->positions();
  std::sort(now.begin(), now.end(), [](const Position& a, const Position& b) {
    return std::tie(a.pair, a.side) < std::tie(b.pair, b.side);
  });
  if (positions_saved_ && same_holding(now, last_positions_)) return false;
  write([name = connector_.name(), now, ts = wall_clock_ms()](TradeStore& s) {
    s.save_positions(name, now, ts);
  });
  last_positions_ = std::move(now);
  positions_saved_ = true;
  return true;
}

void OrderJournal::on_event(const Event& event) {
  const std::string& name = connector_.name();
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, FundingPaymentEvent>) {
          write([name, e](TradeStore& s) { s.record_funding(name, e); });
        } else if constexpr (!requires { e.client_order_id; }) {
          // not order history (balances, position mode, liquidations)
        } else {
          const InFlightOrder* order = connector_.order(e.client_order_id);
          std::string reason;
          if constexpr (std::is_same_v<T, OrderFailedEvent>) reason = e.reason;
          // One write per event, with copies: the writer thread must not touch the connector's objects.
          std::optional<InFlightOrder> snapshot;
          if (order) snapshot = *order;
          std::optional<OrderFilledEvent> fill;
          std::string exchange_id;
          if constexpr (std::is_same_v<T, OrderFilledEvent>) {
            fill = e;
            exchange_id = order ? order->exchange_order_id() : e.exchange_order_id;
          }
          const bool durable = fill.has_value();
          write(
              [name, snapshot = std::move(snapshot), fill = std::move(fill), exchange_id, reason,
               ts = e.timestamp_ms](TradeStore& s) {
                if (fill) s.record_fill(name, *fill, exchange_id);
                if (!snapshot) return;
                s.save_order(name, *snapshot);
                s.record_status(name, snapshot->client_order_id(), snapshot->state(), ts, reason);
              },
              durable);
        }
      },
      event);
}

}  // namespace nectar::storage
