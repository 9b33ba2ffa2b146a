// Crash recovery at the process level: `nectar run --sim-banner` (a real child process, the real bitget
// connector over loopback) is killed with SIGKILL while its orders rest and a fill is in flight; more of its
// orders fill while it is down; it is restarted on the same config directory and must reconcile exactly:
// every fill the exchange made recorded once in the SQLite journal, no order forgotten, nothing counted
// twice, and after a clean SIGTERM stop none of its orders left open on the exchange.
//
// The exchange is a BitgetSimulator in this process (its market activity paused, so only this test trades
// with the bot); the bot reaches it through the banner line `nectar sim bitget` prints. The taker is a second
// funded account driven through the matching engine directly.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bitget/sim_thread_fixture.hpp"
#include "nectar/core/decimal.hpp"
#include "nectar/sim/bitget/simulator.hpp"
#include "nectar/storage/trade_store.hpp"

#ifndef NECTAR_EXECUTABLE
#error "NECTAR_EXECUTABLE (the path of build/bin/nectar) must be defined"
#endif

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nectar::Decimal;
using nectar::TradeType;
using nectar::testing_support::kTaker;
using nectar::testing_support::read_file;

constexpr const char* kSymbol = "BTCUSDT";

// Quotes one level 0.0001 % from the mid: inside the simulator's makers, so the test's taker hits the bot's
// orders first. A long refresh time: the ladder stays put while the test trades against it;
// filled_order_delay (600 s, or what the test sets) is how long the strategy waits after a fill before it
// re-quotes.
std::string bot_yaml(int order_refresh_time_s = 600, int filled_order_delay_s = 600) {
  return std::string(R"(strategy: pure_market_making
exchange: bitget
market: BTC-USDT
bid_spread: 0.0001
ask_spread: 0.0001
minimum_spread: -100
order_refresh_tolerance_pct: 1
order_amount: 0.001
order_levels: 1
inventory_skew_enabled: false
price_ceiling: -1
price_floor: -1
)") +
         "order_refresh_time: " + std::to_string(order_refresh_time_s) +
         "\nfilled_order_delay: " + std::to_string(filled_order_delay_s) + "\n";
}

/// A journal row of `orders`, as the bot last wrote it.
struct JournalOrder {
  std::string client_id;
  std::string exchange_id;
  std::string side;
  std::string state;
  Decimal amount;
  Decimal executed_base;
  bool terminal() const {
    return state == "FILLED" || state == "CANCELED" || state == "FAILED" || state == "EXPIRED";
  }
};

/// A journal row of `fills`.
struct JournalFill {
  std::string trade_id;
  std::string client_id;
  std::string side;
  Decimal price;
  Decimal amount;
  Decimal quote_amount;
};

/// Reads the bot's journal with plain SQL (a second connection; the bot may be writing: WAL readers do not
/// block it).
class Journal {
 public:
  explicit Journal(const fs::path& file) {
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw std::runtime_error("cannot open " + file.string() + ": " + why);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  ~Journal() { sqlite3_close(db_); }
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  std::map<std::string, JournalOrder> orders() const {
    std::map<std::string, JournalOrder> out;
    query(
        "SELECT client_order_id, exchange_order_id, trade_type, state, amount, executed_base FROM orders "
        "WHERE connector = 'bitget'",
        [&](sqlite3_stmt* s) {
          JournalOrder o{text(s, 0),
                         text(s, 1),
                         text(s, 2),
                         text(s, 3),
                         Decimal::parse(text(s, 4)),
                         Decimal::parse(text(s, 5))};
          out[o.client_id] = o;
        });
    return out;
  }
  std::vector<JournalFill> fills() const {
    std::vector<JournalFill> out;
    query(
        "SELECT trade_id, client_order_id, trade_type, price, amount, quote_amount FROM fills WHERE "
        "connector = "
        "'bitget' ORDER BY trade_id",
        [&](sqlite3_stmt* s) {
          out.push_back(JournalFill{text(s, 0), text(s, 1), text(s, 2), Decimal::parse(text(s, 3)),
                                    Decimal::parse(text(s, 4)), Decimal::parse(text(s, 5))});
        });
    return out;
  }

 private:
  static std::string text(sqlite3_stmt* s, int col) {
    const auto* t = sqlite3_column_text(s, col);
    return t ? reinterpret_cast<const char*>(t) : "";
  }
  template <class F>
  void query(const char* sql, F&& row) const {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("journal query: ") + sqlite3_errmsg(db_));
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) row(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) throw std::runtime_error(std::string("journal query: ") + sqlite3_errmsg(db_));
  }
  sqlite3* db_ = nullptr;
};

class Kill9Recovery : public nectar::testing_support::SimThreadTest {
 protected:
  void SetUp() override {
    wait_limit = 30s;
    nectar::sim::bitget::SimulatorOptions so;
    so.activity_interval_ms = 50;
    so.book_push_interval_ms = 50;
    so.seed = 7;
    // Only this test's taker trades with the bot: every fill the bot gets is one the test made.
    start_sim(so, quiet_market_with_funded_taker);
    dir = nectar::testing_support::make_temp_dir("nectar-kill9-");
    conf = dir / "conf";
    fs::create_directories(conf / "strategies");
    std::ofstream(conf / "strategies" / "bot.yml") << bot_yaml();
    account = sim->credentials().account;
  }

  void TearDown() override {
    if (bot > 0) {
      kill(bot, SIGKILL);
      waitpid(bot, nullptr, 0);
    }
    SimThreadTest::TearDown();
    if (!HasFailure()) {
      nectar::testing_support::remove_temp_dir(dir);
    } else {
      std::cerr << "kept " << dir << " for inspection\n";
    }
  }

  /// Starts `nectar --conf <conf> run --config bot.yml --sim-banner <banner>`; its output goes to `out_file`.
  void start_bot(const fs::path& out_file) {
    const std::string exe = NECTAR_EXECUTABLE;
    const std::string conf_dir = conf.string();
    const std::string config = (conf / "strategies" / "bot.yml").string();
    const std::string banner = sim->banner_json();
    std::vector<std::string> args = {
        exe, "--conf", conf_dir, "run", "--config", config, "--sim-banner", banner, "--status-interval", "1"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    const int rc = posix_spawn(&bot, exe.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ASSERT_EQ(rc, 0) << "cannot start " << exe << ": " << std::strerror(rc);
  }

  /// Starts the bot again on the same config directory (output to `out_file`) and waits until it is ready: it
  /// must have restored the two open orders the killed run left in the journal.
  void restart_bot(const fs::path& out_file) {
    start_bot(out_file);
    ASSERT_TRUE(eventually([&] { return read_file(out_file).find("bitget is ready.") != std::string::npos; }))
        << output(out_file);
    EXPECT_NE(read_file(out_file).find("Restored 2 open order(s) of a previous run"), std::string::npos)
        << output(out_file);
  }

  /// Waits for the bot to exit; its exit code, or -1 (still running after `timeout`) / 128+signal.
  int wait_bot(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      const pid_t r = waitpid(bot, &status, WNOHANG);
      if (r == bot) {
        bot = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(50ms);
    }
    return -1;
  }

  std::vector<nectar::sim::Order> open_orders() {
    return on_sim([this] { return sim->engine().open_orders(account, kSymbol); });
  }
  std::vector<nectar::sim::AccountFill> exchange_fills() {
    return on_sim([this] { return sim->engine().recent_fills(account, kSymbol); });
  }
  std::optional<nectar::sim::Order> exchange_order(const std::string& client_id) {
    return on_sim([&] { return sim->engine().order_by_client_id(account, client_id); });
  }
  /// The taker sells (into the bot's bid) or buys (from its ask) `qty` at exactly `price`, immediate or
  /// cancel: it can only trade with the bot's order at that price (the bot quotes inside the makers).
  void take(TradeType taker_side, Decimal price, const std::string& qty) {
    const bool ok = on_sim([&] {
      auto r = nectar::sim::OrderRequest::limit(kTaker, kSymbol, taker_side, price, Decimal::parse(qty),
                                                nectar::sim::TimeInForce::kIoc);
      return sim->engine().place(r).ok();
    });
    ASSERT_TRUE(ok);
  }

  fs::path db() const { return conf / "data" / "bot.sqlite"; }

  /// The bot's output so far (for failure messages).
  std::string output(const fs::path& file) const {
    return read_file(file) + read_file(conf / "logs" / "bot.log");
  }

  /// The exact reconciliation checks: journal fills == exchange fills (each trade once, same order, side,
  /// price, amount, quote); each journaled order's executed amount == the exchange's == the sum of its
  /// journaled fills; every order live on the exchange known to the journal as not terminal, and every
  /// journal order the exchange finished, terminal in the journal.
  void expect_reconciled(const std::string& context) {
    SCOPED_TRACE(context);
    const Journal journal(db());
    const auto fills = journal.fills();
    const auto orders = journal.orders();
    const auto ex_fills = exchange_fills();
    std::map<std::string, nectar::sim::AccountFill> by_trade;
    for (const auto& f : ex_fills) by_trade[std::to_string(f.trade_id)] = f;
    ASSERT_EQ(by_trade.size(), ex_fills.size());
    std::set<std::string> seen;
    for (const auto& f : fills) {
      EXPECT_TRUE(seen.insert(f.trade_id).second) << "trade " << f.trade_id << " journaled twice";
      auto it = by_trade.find(f.trade_id);
      if (it == by_trade.end()) {
        ADD_FAILURE() << "journal has trade " << f.trade_id << " the exchange never made";
        continue;
      }
      const auto& x = it->second;
      EXPECT_EQ(f.client_id, x.client_id) << f.trade_id;
      EXPECT_EQ(f.side, x.side == TradeType::kBuy ? "BUY" : "SELL") << f.trade_id;
      EXPECT_EQ(f.price, x.price) << f.trade_id;
      EXPECT_EQ(f.amount, x.qty) << f.trade_id;
      EXPECT_EQ(f.quote_amount, x.quote_qty) << f.trade_id;
    }
    for (const auto& [id, x] : by_trade)
      EXPECT_EQ(seen.count(id), 1u) << "exchange trade " << id << " (order " << x.client_id << ", " << x.qty
                                    << ") missing from the journal";
    EXPECT_EQ(fills.size(), ex_fills.size());

    std::map<std::string, Decimal> filled_by_order;
    for (const auto& f : fills) filled_by_order[f.client_id] += f.amount;
    for (const auto& [id, o] : orders) {
      const auto x = exchange_order(id);
      if (!x) {
        // Never reached the exchange: only acceptable as a failed order.
        EXPECT_EQ(o.state, "FAILED") << id;
        continue;
      }
      EXPECT_EQ(o.executed_base, x->filled_qty) << id << " (" << o.state << ")";
      EXPECT_EQ(o.executed_base, filled_by_order[id]) << id;
      EXPECT_EQ(o.exchange_id, x->id_string()) << id;
      if (!x->is_live()) EXPECT_TRUE(o.terminal()) << id << " done on the exchange but " << o.state;
    }
    for (const auto& x : open_orders()) {
      auto it = orders.find(x.client_id);
      ASSERT_NE(it, orders.end()) << "order " << x.client_id
                                  << " open on the exchange, unknown to the journal";
      EXPECT_FALSE(it->second.terminal()) << x.client_id << " open on the exchange but " << it->second.state;
    }
  }

  nectar::sim::AccountId account = 0;
  fs::path dir, conf;
  pid_t bot = -1;
};

TEST_F(Kill9Recovery, FillsWhileDownAreJournaledOnceAndNoOrderIsForgotten) {
  const fs::path out1 = dir / "run1.out";
  start_bot(out1);

  // 1. The bot quotes: a bid and an ask rest on the exchange, both acknowledged in the journal.
  ASSERT_TRUE(eventually([&] {
    const auto open = open_orders();
    if (open.size() != 2 || !fs::exists(db())) return false;
    const auto orders = Journal(db()).orders();
    for (const auto& x : open) {
      auto it = orders.find(x.client_id);
      if (it == orders.end() || it->second.exchange_id.empty() || it->second.state != "OPEN") return false;
    }
    return true;
  })) << output(out1);
  const auto quotes = open_orders();
  const nectar::sim::Order* bid_p = nullptr;
  const nectar::sim::Order* ask_p = nullptr;
  for (const auto& o : quotes) (o.side == TradeType::kBuy ? bid_p : ask_p) = &o;
  ASSERT_TRUE(bid_p && ask_p);
  const nectar::sim::Order bid = *bid_p;
  const nectar::sim::Order ask = *ask_p;
  ASSERT_EQ(bid.quantity, Decimal::parse("0.001"));
  ASSERT_EQ(ask.quantity, Decimal::parse("0.001"));

  // 2. A fill while it runs, journaled before the crash (it must not be counted again after the restart).
  take(TradeType::kSell, bid.price, "0.0004");
  ASSERT_TRUE(eventually([&] {
    const auto f = Journal(db()).fills();
    return f.size() == 1 && f[0].amount == Decimal::parse("0.0004");
  })) << output(out1);

  // 3. A fill in flight: the bot is frozen (SIGSTOP), the taker trades (the exchange pushes the fill to the
  //    bot's socket, where nobody reads it), then the bot is killed with SIGKILL: it never saw that fill.
  ASSERT_EQ(kill(bot, SIGSTOP), 0);
  take(TradeType::kSell, bid.price, "0.0003");
  std::this_thread::sleep_for(200ms);  // the push is sent
  ASSERT_EQ(kill(bot, SIGKILL), 0);
  ASSERT_EQ(wait_bot(10s), 128 + SIGKILL);
  ASSERT_EQ(Journal(db()).fills().size(), 1u);
  // The killed run's log is on disk up to its last lines (flushed at info), not lost in a buffer.
  {
    const std::string log = read_file(conf / "logs" / "bot.log");
    EXPECT_NE(log.find("bitget public: connected to ws://"), std::string::npos) << log;
    EXPECT_NE(log.find("bitget private: connected to ws://"), std::string::npos) << log;
  }

  // 4. While it is down: the rest of the bid fills (the order completes on the exchange) and part of the ask.
  take(TradeType::kSell, bid.price, "0.0003");
  take(TradeType::kBuy, ask.price, "0.0006");
  ASSERT_EQ(exchange_fills().size(), 4u);
  {
    const auto open = open_orders();
    ASSERT_EQ(open.size(), 1u);  // only the partly filled ask
    EXPECT_EQ(open[0].client_id, ask.client_id);
    const auto journaled = Journal(db()).orders();
    EXPECT_FALSE(journaled.at(bid.client_id).terminal());  // the journal still believes both are open
    EXPECT_FALSE(journaled.at(ask.client_id).terminal());
  }

  // 5. Restart on the same config directory: the journal's open orders are restored and reconciled with the
  //    exchange (status and fills) before the strategy resumes.
  const fs::path out2 = dir / "run2.out";
  ASSERT_NO_FATAL_FAILURE(restart_bot(out2));
  // The fresh ladder goes out next to the restored ask.
  ASSERT_TRUE(eventually([&] { return open_orders().size() == 3; })) << output(out2);
  ASSERT_TRUE(eventually([&] {
    const auto orders = Journal(db()).orders();
    return orders.size() == 4 && Journal(db()).fills().size() == 4 &&
           orders.at(bid.client_id).state == "FILLED" && orders.at(ask.client_id).state == "PARTIALLY_FILLED";
  })) << output(out2);
  {
    const auto orders = Journal(db()).orders();
    EXPECT_EQ(orders.at(bid.client_id).executed_base, Decimal::parse("0.001"));
    EXPECT_EQ(orders.at(ask.client_id).executed_base, Decimal::parse("0.0006"));
  }
  expect_reconciled("restarted, running");

  // 6. A fill on the restored order while the restarted bot runs is tracked too.
  take(TradeType::kBuy, ask.price, "0.0001");
  ASSERT_TRUE(eventually([&] { return Journal(db()).fills().size() == 5; })) << output(out2);
  expect_reconciled("restarted, after one more fill");

  // 7. A clean stop cancels everything: the restored ask and the new ladder.
  ASSERT_EQ(kill(bot, SIGTERM), 0);
  EXPECT_EQ(wait_bot(60s), 0) << output(out2);
  const std::string text = read_file(out2);
  EXPECT_NE(text.find("open orders left: 0"), std::string::npos) << output(out2);
  EXPECT_TRUE(open_orders().empty()) << output(out2);
  expect_reconciled("after a clean stop");
  for (const auto& [id, o] : Journal(db()).orders()) EXPECT_TRUE(o.terminal()) << id << " " << o.state;
  nectar::storage::TradeStore store(db().string());
  EXPECT_TRUE(store.load_active_orders("bitget").empty());  // nothing to restore next time
}

// An order whose placement request is on its way when the bot dies: journaled as PENDING_CREATE (the journal
// writes an order before its request leaves), created by the exchange only after the process is gone. The
// restarted bot must find it by its client order id, track it (OPEN) and cancel it at the stop: the exchange
// must not keep an order the bot forgot.
TEST_F(Kill9Recovery, OrderCreatedAfterTheKillIsFoundAndCancelled) {
  std::ofstream(conf / "strategies" / "bot.yml") << bot_yaml(2, 1);  // re-quotes soon after a fill
  const fs::path out1 = dir / "run1.out";
  start_bot(out1);
  ASSERT_TRUE(eventually([&] {
    const auto open = open_orders();
    return open.size() == 2 && fs::exists(db()) && Journal(db()).orders().size() == 2 &&
           Journal(db()).orders().begin()->second.state == "OPEN" &&
           Journal(db()).orders().rbegin()->second.state == "OPEN";
  })) << output(out1);
  const auto quotes = open_orders();
  const auto& bid = quotes[0].side == TradeType::kBuy ? quotes[0] : quotes[1];

  // Every REST answer now takes 2 s, and the exchange acts on a request only after that delay. The bid fills
  // completely; a second later the strategy cancels the ask and then sends a new ladder.
  sim->faults().delay_rest(2000ms);
  take(TradeType::kSell, bid.price, "0.001");
  std::set<std::string> pending;
  ASSERT_TRUE(eventually(
      [&] {
        pending.clear();
        for (const auto& [id, o] : Journal(db()).orders())
          if (o.state == "PENDING_CREATE") pending.insert(id);
        return pending.size() == 2;
      },
      30s))
      << output(out1);
  std::this_thread::sleep_for(500ms);  // the requests are written; the exchange holds them for 2 s
  ASSERT_EQ(kill(bot, SIGKILL), 0);
  ASSERT_EQ(wait_bot(10s), 128 + SIGKILL);
  sim->faults().delay_rest(0ms);
  // The exchange creates both orders after the bot died; the journal only knows them as PENDING_CREATE.
  ASSERT_TRUE(eventually([&] { return open_orders().size() == 2; }, 10s));
  for (const auto& x : open_orders()) EXPECT_EQ(pending.count(x.client_id), 1u) << x.client_id;
  for (const auto& id : pending) EXPECT_EQ(Journal(db()).orders().at(id).exchange_id, "") << id;

  const fs::path out2 = dir / "run2.out";
  ASSERT_NO_FATAL_FAILURE(restart_bot(out2));
  ASSERT_TRUE(eventually([&] {
    const auto orders = Journal(db()).orders();
    for (const auto& id : pending)
      if (orders.at(id).state != "OPEN" || orders.at(id).exchange_id.empty()) return false;
    return true;
  })) << output(out2);
  ASSERT_TRUE(eventually([&] { return open_orders().size() == 4; })) << output(out2);  // + the new ladder
  expect_reconciled("restarted, running");

  ASSERT_EQ(kill(bot, SIGTERM), 0);
  EXPECT_EQ(wait_bot(60s), 0) << output(out2);
  EXPECT_TRUE(open_orders().empty()) << output(out2);
  expect_reconciled("after a clean stop");
  for (const auto& [id, o] : Journal(db()).orders()) EXPECT_TRUE(o.terminal()) << id << " " << o.state;
}

}  // namespace
