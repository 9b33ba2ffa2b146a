// Strategy configs (YAML), the shell's strategy commands (create, import, config, start, status, stop,
// history, export) and `nectar run` (headless), against a Bitget simulator in the process.
#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bitget/sim_thread_fixture.hpp"
#include "nectar/client/headless.hpp"
#include "nectar/client/history.hpp"
#include "nectar/client/shell.hpp"
#include "nectar/client/strategy_config.hpp"
#include "nectar/sim/bitget/simulator.hpp"
#include "nectar/storage/journal_lock.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nectar::Decimal;
using nectar::Endpoints;
using nectar::Secret;
using nectar::TradeType;
using nectar::client::ConfigError;
using nectar::client::ExternalSimulator;
using nectar::client::Shell;
using nectar::client::ShellOptions;
using nectar::client::StrategyConfig;
using nectar::testing_support::count;
using nectar::testing_support::kTaker;
using nectar::testing_support::read_file;

const std::string kPassword = "correct horse battery staple";

const char* kBotYaml = R"(# a Hummingbot-style config
template_version: 24
strategy: pure_market_making
exchange: bitget
market: BTC-USDT
bid_spread: 0.0001
ask_spread: 0.0001
minimum_spread: -100
order_refresh_time: 60
order_refresh_tolerance_pct: 0
filled_order_delay: 60
order_amount: 0.001
order_levels: 1
inventory_skew_enabled: false
hanging_orders_enabled: false
price_ceiling: -1
price_floor: -1
)";

// ---- YAML ----

TEST(StrategyConfigYaml, ParsesHummingbotUnitsExactly) {
  const StrategyConfig c = nectar::client::parse_strategy_config(R"(
strategy: pure_market_making
exchange: Bitget
market: btc-usdt
bid_spread: 0.1
ask_spread: 0.123456789012
order_amount: 0.000123456789012345
order_levels: 3
order_level_spread: 0.5
order_level_amount: 0.001
order_refresh_time: 30.5
order_refresh_tolerance_pct: 0.2
filled_order_delay: 0
inventory_skew_enabled: true
inventory_target_base_pct: 45.5
inventory_range_multiplier: 2
minimum_spread: 0.05
price_ceiling: 70000.01
price_floor: -1
kill_switch_enabled: true
kill_switch_rate: -5
hanging_orders_enabled: true
)",
                                                                 "a.yml");
  EXPECT_EQ(c.exchange, "bitget");
  EXPECT_EQ(c.pmm.pair.str(), "BTC-USDT");
  EXPECT_EQ(c.pmm.bid_spread, Decimal::parse("0.001"));
  EXPECT_EQ(c.pmm.ask_spread, Decimal::parse("0.00123456789012"));
  EXPECT_EQ(c.pmm.order_amount, Decimal::parse("0.000123456789012345"));  // no double on the way
  EXPECT_EQ(c.pmm.order_levels, 3);
  EXPECT_EQ(c.pmm.order_level_spread, Decimal::parse("0.005"));
  EXPECT_EQ(c.pmm.order_refresh_time, 30500ms);
  EXPECT_EQ(c.pmm.order_refresh_tolerance, Decimal::parse("0.002"));
  EXPECT_EQ(c.pmm.filled_order_delay, 0ms);
  EXPECT_TRUE(c.pmm.inventory_skew);
  EXPECT_EQ(c.pmm.inventory_target_base, Decimal::parse("0.455"));
  EXPECT_EQ(c.pmm.inventory_range_multiplier, Decimal::from_int(2));
  ASSERT_TRUE(c.pmm.minimum_spread);
  EXPECT_EQ(*c.pmm.minimum_spread, Decimal::parse("0.0005"));
  ASSERT_TRUE(c.pmm.price_ceiling);
  EXPECT_EQ(*c.pmm.price_ceiling, Decimal::parse("70000.01"));
  EXPECT_FALSE(c.pmm.price_floor);
  ASSERT_TRUE(c.pmm.kill_switch_loss);
  EXPECT_EQ(*c.pmm.kill_switch_loss, Decimal::parse("0.05"));
  EXPECT_EQ(c.ignored_keys, std::vector<std::string>{"hanging_orders_enabled"});

  // Round trip through the file.
  const auto dir = fs::temp_directory_path() / ("nectar-yaml-" + std::to_string(std::random_device{}()));
  const auto file = dir / "strategies" / "a.yml";
  nectar::client::save_strategy_config(c, file);
  const std::string text = read_file(file);
  EXPECT_NE(text.find("bid_spread: 0.1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("order_refresh_time: 30.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("kill_switch_rate: -5\n"), std::string::npos) << text;
  const StrategyConfig back = nectar::client::load_strategy_config(file);
  EXPECT_EQ(nectar::client::to_yaml(back), text);
  EXPECT_EQ(back.pmm.order_amount, c.pmm.order_amount);
  EXPECT_EQ(back.pmm.ask_spread, c.pmm.ask_spread);
  EXPECT_EQ(*back.pmm.kill_switch_loss, *c.pmm.kill_switch_loss);
  fs::remove_all(dir);
}

std::string parse_error(const std::string& yaml) {
  try {
    nectar::client::parse_strategy_config(yaml, "conf/strategies/x.yml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(StrategyConfigYaml, ValidationErrorsNameFileAndKey) {
  const std::string base = "strategy: pure_market_making\nexchange: bitget\nmarket: BTC-USDT\n";
  EXPECT_EQ(parse_error(base + "bid_spread: 1\nask_spread: 1\norder_amount: abc\n"),
            "conf/strategies/x.yml: order_amount: 'abc' is not a decimal number");
  EXPECT_EQ(parse_error(base + "bid_spread: 1\nask_spread: 1\norder_amount: 0\n"),
            "conf/strategies/x.yml: order_amount: must be positive (base units)");
  EXPECT_EQ(parse_error(base + "bid_spread: 100\nask_spread: 1\norder_amount: 1\n"),
            "conf/strategies/x.yml: bid_spread: must be from 0 to below 100 (%)");
  EXPECT_EQ(parse_error(base + "bid_spread: 1\nask_spread: 1\n"),
            "conf/strategies/x.yml: order_amount: missing");
  EXPECT_EQ(parse_error(base + "bid_spread: 1\nask_spread: 1\norder_amount: 1\norder_levels: 1.5\n"),
            "conf/strategies/x.yml: order_levels: must be a whole number from 1 to 100");
  EXPECT_EQ(
      parse_error(base + "bid_spread: 1\nask_spread: 1\norder_amount: 1\ninventory_skew_enabled: maybe\n"),
      "conf/strategies/x.yml: inventory_skew_enabled: 'maybe' is not Yes or No");
  EXPECT_EQ(
      parse_error(base + "bid_spread: 1\nask_spread: 1\norder_amount: 1\nkill_switch_rate: 5\n"),
      "conf/strategies/x.yml: kill_switch_rate: must be a loss in % from -100 to below 0 (e.g. -5 stops "
      "at a 5 % loss)");
  EXPECT_EQ(parse_error(base + "bid_spread: [1, 2]\nask_spread: 1\norder_amount: 1\n"),
            "conf/strategies/x.yml: bid_spread: expected a single value");
  EXPECT_EQ(parse_error("strategy: avellaneda\n"),
            "conf/strategies/x.yml: strategy: 'avellaneda' is not supported (only pure_market_making)");
  EXPECT_EQ(parse_error("market: BTCUSDT\n"),
            "conf/strategies/x.yml: market: 'BTCUSDT' is not a trading pair like BTC-USDT");
  EXPECT_NE(parse_error("a: [").find("conf/strategies/x.yml: not valid YAML"), std::string::npos);
  try {
    nectar::client::load_strategy_config("/nonexistent/nope.yml");
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/nope.yml"), std::string::npos);
  }
  StrategyConfig c = nectar::client::parse_strategy_config(kBotYaml, "bot.yml");
  EXPECT_THROW(nectar::client::set_config_value(c, "bid_spread", "-1", "bot.yml"), ConfigError);
  EXPECT_EQ(c.pmm.bid_spread, Decimal::parse("0.000001"));  // unchanged
  nectar::client::set_config_value(c, "bid_spread", "0.25", "bot.yml");
  EXPECT_EQ(c.pmm.bid_spread, Decimal::parse("0.0025"));
  EXPECT_THROW(nectar::client::set_config_value(c, "nosuch", "1"), ConfigError);
}

TEST(History, SummaryCountsFeesOnce) {
  using nectar::storage::StoredFill;
  std::vector<StoredFill> fills(3);
  const nectar::TradingPair pair{"BTC", "USDT"};
  fills[0] = {"bitget",
              "t1",
              "c1",
              "e1",
              pair,
              TradeType::kBuy,
              Decimal::parse("100"),
              Decimal::parse("2"),
              Decimal::parse("200"),
              {{"BTC", Decimal::parse("0.002")}},
              true,
              1000};
  fills[1] = {"bitget",
              "t2",
              "c2",
              "e2",
              pair,
              TradeType::kSell,
              Decimal::parse("110"),
              Decimal::parse("1"),
              Decimal::parse("110"),
              {{"USDT", Decimal::parse("0.11")}},
              true,
              2000};
  fills[2] = {"bitget",
              "t3",
              "c3",
              "e3",
              pair,
              TradeType::kSell,
              Decimal::parse("130"),
              Decimal::parse("1"),
              Decimal::parse("130"),
              {{"USDT", Decimal::parse("0.13")}},
              false,
              3000};
  const auto s = nectar::client::summarize_fills(fills);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].trades, 3u);
  EXPECT_EQ(*s[0].avg_buy_price, Decimal::parse("100"));
  EXPECT_EQ(*s[0].avg_sell_price, Decimal::parse("120"));
  EXPECT_EQ(s[0].fees.at("BTC"), Decimal::parse("0.002"));
  EXPECT_EQ(s[0].fees.at("USDT"), Decimal::parse("0.24"));
  EXPECT_EQ(s[0].fees_in_quote, Decimal::parse("0.44"));  // 0.002 BTC at 100 + 0.24 USDT
  EXPECT_EQ(s[0].realized_pnl, Decimal::parse("40"));     // 2 matched × (120 − 100)
  EXPECT_EQ(s[0].realized_pnl_net, Decimal::parse("39.56"));
  // Everything sold (2 bought, 2 sold): nothing open, nothing unrealized.
  EXPECT_EQ(nectar::client::unrealized_pnl(s[0], Decimal::parse("999")), Decimal{});

  // Long 1 left open after the first two fills: 1 × (mid − avg buy 100).
  const auto long_open = nectar::client::summarize_fills({fills[0], fills[1]});
  EXPECT_EQ(long_open[0].open_base(), Decimal::parse("1"));
  EXPECT_EQ(nectar::client::unrealized_pnl(long_open[0], Decimal::parse("105.5")), Decimal::parse("5.5"));
  // realized + unrealized = the value change of every fill at the mid: -200 + 110 + 1 × 105.5 = 15.5
  EXPECT_EQ(long_open[0].realized_pnl + nectar::client::unrealized_pnl(long_open[0], Decimal::parse("105.5")),
            Decimal::parse("15.5"));
  // Short 1 (only a sell): 1 × (avg sell 130 − mid).
  const auto short_open = nectar::client::summarize_fills({fills[2]});
  EXPECT_EQ(nectar::client::unrealized_pnl(short_open[0], Decimal::parse("131")), Decimal::parse("-1"));

  // history: the text shows unrealized P&L at the given mid; -d selects by time; -v lists the trades.
  nectar::client::HistoryOptions ho;
  ho.mids["bitget BTC-USDT"] = Decimal::parse("105.5");
  std::string text = nectar::client::format_history({fills[0], fills[1]}, "bot", ho);
  EXPECT_NE(text.find("Unrealized P&L        5.50000000 USDT on 1 BTC open at mid 105.5"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Total P&L - fees      15.19000000 USDT"), std::string::npos) << text;  // 15.5 − 0.31
  EXPECT_EQ(text.find("  Trades:"), std::string::npos) << text;
  ho.verbose = true;
  text = nectar::client::format_history({fills[0], fills[1]}, "bot", ho);
  EXPECT_NE(text.find("  Trades:"), std::string::npos) << text;
  EXPECT_NE(text.find("buy  2 BTC @ 100"), std::string::npos) << text;
  ho.since_ms = 1500;  // only the sell
  text = nectar::client::format_history({fills[0], fills[1]}, "bot", ho);
  EXPECT_NE(text.find("Trades                1 (0 buy, 1 sell)"), std::string::npos) << text;
  ho.since_ms = 5000;
  text = nectar::client::format_history({fills[0], fills[1]}, "bot", ho);
  EXPECT_NE(text.find("No trades for bot since"), std::string::npos) << text;
  ho.mids.clear();
  ho.since_ms = 0;
  text = nectar::client::format_history({fills[0]}, "bot", ho);
  EXPECT_NE(text.find("Unrealized P&L        n/a"), std::string::npos) << text;
}

// ---- shell and headless against the simulator ----

class StrategyTest : public nectar::testing_support::SimThreadTest {
 protected:
  void SetUp() override {
    nectar::sim::bitget::SimulatorOptions so;
    so.activity_interval_ms = 50;
    so.book_push_interval_ms = 50;
    // The bot quotes inside the simulator's makers: no random takers, so only this test's taker fills it.
    start_sim(so, quiet_market_with_funded_taker);
    dir = nectar::testing_support::make_temp_dir("nectar-strategy-test-");
    fs::create_directories(dir / "conf" / "strategies");
  }
  void TearDown() override {
    SimThreadTest::TearDown();
    nectar::testing_support::remove_temp_dir(dir);
  }

  ShellOptions options(std::istream& in, std::ostream& out) {
    ShellOptions o;
    o.config_dir = dir / "conf";
    o.in = &in;
    o.out = &out;
    o.line_editing = false;
    o.kdf.n = 1 << 10;
    const auto& c = sim->credentials();
    o.simulator = ExternalSimulator{Endpoints{sim->rest_url(), sim->ws_public_url(), sim->ws_private_url()},
                                    {{"api_key", Secret(c.api_key)},
                                     {"secret_key", Secret(c.secret_key)},
                                     {"passphrase", Secret(c.passphrase)}}};
    o.tick_interval = 200ms;
    return o;
  }

  std::vector<nectar::sim::Order> open_orders() {
    return on_sim([this] { return sim->engine().open_orders(sim->credentials().account, "BTCUSDT"); });
  }

  /// A shell with the vault created (first start) and bitget connected to the simulator.
  std::unique_ptr<Shell> first_shell(std::istringstream& in, std::ostringstream& out) {
    in.str(kPassword + "\n" + kPassword + "\n\n\n\n");
    auto shell = std::make_unique<Shell>(options(in, out));
    EXPECT_TRUE(shell->unlock());
    shell->execute("connect bitget --env simulator");
    EXPECT_NE(out.str().find("You are now connected to bitget."), std::string::npos) << out.str();
    return shell;
  }

  /// A later session on the same config directory (`shell`): the vault unlocked with the password, bitget
  /// connected with the saved keys, bot.yml imported and started.
  void next_shell_started(std::istringstream& in, std::ostringstream& out, std::unique_ptr<Shell>& shell) {
    in.str(kPassword + "\n");
    shell = std::make_unique<Shell>(options(in, out));
    ASSERT_TRUE(shell->unlock()) << out.str();
    shell->connect_saved();
    start_bot(*shell);
  }

  /// Runs `command` in `shell`; what it printed (all that `out` holds then).
  static std::string output_of(Shell& shell, std::ostringstream& out, const std::string& command) {
    out.str("");
    shell.execute(command);
    return out.str();
  }

  /// Imports bot.yml and starts it.
  static void start_bot(Shell& shell) {
    shell.execute("import bot");
    shell.execute("start");
  }

  void write_bot() { std::ofstream(dir / "conf" / "strategies" / "bot.yml") << kBotYaml; }

  /// The first session (`shell`, from first_shell) with bot.yml written, imported and started, once its bid
  /// and ask rest on the exchange.
  void first_shell_quoting(std::istringstream& in, std::ostringstream& out, std::unique_ptr<Shell>& shell) {
    write_bot();
    shell = first_shell(in, out);
    start_bot(*shell);
    ASSERT_TRUE(eventually([this] { return open_orders().size() == 2; })) << out.str();
  }

  fs::path dir;
};

TEST_F(StrategyTest, CreateWithScriptedAnswersWritesTheFile) {
  std::istringstream in;
  std::ostringstream out;
  auto shell = first_shell(in, out);
  // Answers: strategy (default), exchange (not connected, then default), market, bid, ask, refresh (bad, then
  // default), amount, levels, level spread, level amount, skew, file name.
  in.clear();
  in.str("\nbinance\n\nETH-USDT\n0.5\n0.25\nsoon\n\n0.01\n2\n1\n0.005\nno\nmybot\n");
  shell->execute("create");
  shell->execute("config");
  shell->execute("config order_amount 0.02");
  shell->execute("config bid_spread -3");
  shell->execute("exit");
  const std::string o = out.str();
  const auto file = dir / "conf" / "strategies" / "mybot.yml";
  ASSERT_TRUE(fs::exists(file)) << o;
  EXPECT_NE(o.find("'binance' is not connected"), std::string::npos) << o;
  EXPECT_NE(o.find("order_refresh_time: 'soon' is not a decimal number"), std::string::npos) << o;
  EXPECT_NE(o.find("A new config file has been created: " + file.string()), std::string::npos) << o;
  EXPECT_NE(o.find("New configuration saved: order_amount: 0.02"), std::string::npos) << o;
  EXPECT_NE(o.find("Error: " + file.string() + ": bid_spread: must be from 0 to below 100 (%)"),
            std::string::npos)
      << o;
  const StrategyConfig c = nectar::client::load_strategy_config(file);
  EXPECT_EQ(c.exchange, "bitget");
  EXPECT_EQ(c.pmm.pair.str(), "ETH-USDT");
  EXPECT_EQ(c.pmm.bid_spread, Decimal::parse("0.005"));
  EXPECT_EQ(c.pmm.ask_spread, Decimal::parse("0.0025"));
  EXPECT_EQ(c.pmm.order_refresh_time, 30s);
  EXPECT_EQ(c.pmm.order_amount, Decimal::parse("0.02"));
  EXPECT_EQ(c.pmm.order_levels, 2);
  EXPECT_EQ(c.pmm.order_level_spread, Decimal::parse("0.01"));
  EXPECT_EQ(c.pmm.order_level_amount, Decimal::parse("0.005"));
  EXPECT_FALSE(c.pmm.inventory_skew);
  EXPECT_NE(o.find("bid_spread    "), std::string::npos) << o;  // the config table
}

TEST_F(StrategyTest, StartStatusStopHistoryExport) {
  write_bot();
  std::istringstream in;
  std::ostringstream out;
  auto shell = first_shell(in, out);
  shell->execute("history");  // nothing loaded
  shell->execute("start");
  shell->execute("import bot");
  shell->execute("start");
  ASSERT_NE(out.str().find("Configuration from bot.yml file is imported."), std::string::npos) << out.str();
  ASSERT_NE(out.str().find("Strategy 'bot' started successfully"), std::string::npos) << out.str();
  ASSERT_TRUE(eventually([this] { return open_orders().size() == 2; })) << out.str();
  const auto orders = open_orders();
  shell->execute("status");
  std::string o = out.str();
  EXPECT_NE(o.find("Strategy 'bot' (pure_market_making on bitget BTC-USDT): running"), std::string::npos)
      << o;
  for (const auto& order : orders) EXPECT_NE(o.find(order.client_id), std::string::npos) << o;

  // A taker sells into the bot's bid.
  const nectar::sim::Order* bid = nullptr;
  for (const auto& order : orders)
    if (order.side == TradeType::kBuy) bid = &order;
  ASSERT_NE(bid, nullptr);
  const Decimal bid_price = bid->price;
  on_sim([&] {
    auto r = nectar::sim::OrderRequest::limit(kTaker, "BTCUSDT", TradeType::kSell, bid_price,
                                              Decimal::parse("0.001"), nectar::sim::TimeInForce::kIoc);
    auto res = sim->engine().place(r);
    EXPECT_TRUE(res.ok());
    return 0;
  });
  ASSERT_TRUE(eventually([&] {
    return output_of(*shell, out, "history").find("Trades                1 (1 buy, 0 sell)") !=
           std::string::npos;
  })) << out.str();
  o = out.str();
  EXPECT_NE(o.find("Bought                0.001 BTC"), std::string::npos) << o;
  EXPECT_NE(o.find("Fees                  "), std::string::npos) << o;
  EXPECT_NE(o.find(" BTC\n"), std::string::npos) << o;  // the buyer's fee is in BTC
  EXPECT_NE(o.find("Realized P&L"), std::string::npos) << o;

  // Connected: history values the open inventory at the live mid; -v lists the trade.
  EXPECT_NE(o.find("Unrealized P&L        "), std::string::npos) << o;
  EXPECT_EQ(o.find("Unrealized P&L        n/a"), std::string::npos) << o;
  EXPECT_NE(o.find("on 0.001 BTC open at mid"), std::string::npos) << o;
  EXPECT_EQ(o.find("  Trades:"), std::string::npos) << o;
  o = output_of(*shell, out, "history -v -d 1");
  EXPECT_NE(o.find("  Trades:"), std::string::npos) << o;
  EXPECT_NE(o.find("buy  0.001 BTC @ " + bid_price.to_string()), std::string::npos) << o;
  o = output_of(*shell, out, "history -d nope");
  EXPECT_NE(o.find("Error: -d needs a positive number of days"), std::string::npos) << o;

  // status: market, balances, orders and P&L of the running strategy; --live redraws.
  o = output_of(*shell, out, "status");
  EXPECT_NE(o.find("  Market     bitget BTC-USDT   bid "), std::string::npos) << o;
  EXPECT_NE(o.find("  Balances\n"), std::string::npos) << o;
  EXPECT_NE(o.find("  Orders\n"), std::string::npos) << o;
  EXPECT_NE(o.find("  P&L        1 trades (1 buy, 0 sell)"), std::string::npos) << o;
  o = output_of(*shell, out, "status --live --seconds 1");
  EXPECT_GE(count(o, ": running   (live, "), 2u) << o;
  EXPECT_GE(count(o, "  Market     bitget BTC-USDT"), 2u) << o;
  o = output_of(*shell, out, "status --live --seconds x");
  EXPECT_NE(o.find("Error: --seconds needs a whole number"), std::string::npos) << o;

  o = output_of(*shell, out, "export");
  const auto csv = dir / "conf" / "data" / "bot_trades.csv";
  EXPECT_NE(o.find("Exported 1 trade(s) to " + csv.string()), std::string::npos) << o;
  const std::string text = read_file(csv);
  EXPECT_EQ(count(text, "\n"), 2u) << text;
  EXPECT_NE(text.find(",bitget,BTC-USDT,buy," + bid_price.to_string() + ",0.001,"), std::string::npos)
      << text;

  o = output_of(*shell, out, "stop");
  EXPECT_NE(o.find("All the strategy's orders are cancelled."), std::string::npos) << o;
  EXPECT_TRUE(eventually([this] { return open_orders().empty(); }, 5s));
  o = output_of(*shell, out, "history");  // after stop: read from the database file
  EXPECT_NE(o.find("Trades                1 (1 buy, 0 sell)"), std::string::npos) << o;
  shell->execute("status");
  EXPECT_NE(out.str().find("not running"), std::string::npos) << out.str();
}

TEST_F(StrategyTest, ExitKeepOrdersLeavesThemForTheNextStart) {
  std::istringstream in;
  std::ostringstream out;
  {
    std::unique_ptr<Shell> shell;
    ASSERT_NO_FATAL_FAILURE(first_shell_quoting(in, out, shell));
    shell->execute("exit --now");
    EXPECT_NE(out.str().find("Error: usage: exit [--keep-orders]"), std::string::npos) << out.str();
    EXPECT_FALSE(shell->execute("exit --keep-orders"));
    EXPECT_NE(out.str().find("2 order(s) left open on the exchange as asked"), std::string::npos)
        << out.str();
  }
  ASSERT_EQ(open_orders().size(), 2u) << out.str();
  // The next session's start restores them, and its stop cancels them.
  std::istringstream in2;
  std::ostringstream out2;
  std::unique_ptr<Shell> shell;
  ASSERT_NO_FATAL_FAILURE(next_shell_started(in2, out2, shell));
  EXPECT_NE(out2.str().find("Restored 2 open order(s) of a previous run"), std::string::npos) << out2.str();
  shell->execute("stop");
  EXPECT_TRUE(eventually([this] { return open_orders().empty(); }, 5s)) << out2.str();
  shell->execute("exit");
}

TEST_F(StrategyTest, OneRunPerJournal) {
  write_bot();
  std::istringstream in;
  std::ostringstream out;
  auto shell = first_shell(in, out);
  shell->execute("import bot");
  {
    // As if `nectar run` were running this config in another process.
    nectar::storage::JournalLock other(dir / "conf" / "data" / "bot.sqlite");
    shell->execute("start");
    EXPECT_NE(out.str().find("Error: the strategy could not start: another nectar run is using the journal"),
              std::string::npos)
        << out.str();
    EXPECT_TRUE(open_orders().empty());
  }
  shell->execute("start");
  EXPECT_NE(out.str().find("Strategy 'bot' started successfully"), std::string::npos) << out.str();
  ASSERT_TRUE(eventually([this] { return open_orders().size() == 2; })) << out.str();
  // While it runs, the journal is held.
  EXPECT_THROW(nectar::storage::JournalLock(dir / "conf" / "data" / "bot.sqlite"),
               nectar::storage::JournalBusyError);
  shell->execute("stop");
  EXPECT_NO_THROW(nectar::storage::JournalLock(dir / "conf" / "data" / "bot.sqlite"));
  EXPECT_FALSE(shell->execute("exit"));
}

TEST_F(StrategyTest, BalanceLimitCapsWhatTheStrategyCommits) {
  write_bot();
  std::istringstream in;
  std::ostringstream out;
  auto shell = first_shell(in, out);
  EXPECT_NE(output_of(*shell, out, "balance limit").find("No balance limits"), std::string::npos);
  EXPECT_NE(output_of(*shell, out, "balance limit nosuch USDT 1").find("'nosuch' is not an exchange"),
            std::string::npos);
  EXPECT_NE(output_of(*shell, out, "balance limit bitget USDT lots").find("'lots' is not an amount"),
            std::string::npos);
  // 10 USDT cannot buy 0.001 BTC at ~65000: the bid shrinks to what 10 USDT pays, the ask (BTC not limited)
  // keeps its 0.001.
  EXPECT_NE(
      output_of(*shell, out, "balance limit bitget usdt 10").find("Limit for USDT on bitget set to 10."),
      std::string::npos)
      << out.str();
  std::string listed = output_of(*shell, out, "balance limit");
  EXPECT_NE(listed.find("bitget      USDT     10"), std::string::npos) << listed;
  start_bot(*shell);
  ASSERT_TRUE(eventually([this] { return open_orders().size() == 2; })) << out.str();
  for (const auto& o : open_orders()) {
    if (o.side == TradeType::kSell) {
      EXPECT_EQ(o.quantity, Decimal::parse("0.001"));
    } else {
      EXPECT_LE(o.price.mul(o.quantity), Decimal::from_int(10)) << o.quantity;
      EXPECT_GT(o.price.mul(o.quantity), Decimal::parse("9.9")) << "not the whole limit used: " << o.quantity;
    }
  }
  shell->execute("stop");
  ASSERT_TRUE(eventually([this] { return open_orders().empty(); }, 5s));

  // Removed: both sides again. The file keeps what was set, as exact text.
  EXPECT_NE(output_of(*shell, out, "balance limit bitget USDT -1").find("removed"), std::string::npos);
  EXPECT_EQ(nectar::client::load_balance_limits(dir / "conf" / "balance_limits.yml")["bitget"].count("USDT"),
            0u);
  shell->execute("balance limit bitget BTC 0.5");
  EXPECT_EQ(nectar::client::load_balance_limits(dir / "conf" / "balance_limits.yml")["bitget"]["BTC"],
            Decimal::parse("0.5"));
  shell->execute("start");
  EXPECT_TRUE(eventually([this] { return open_orders().size() == 2; })) << out.str();
  shell->execute("stop");
  EXPECT_FALSE(shell->execute("exit"));
}

TEST(BalanceLimits, FileRoundTripAndErrors) {
  const auto file = fs::temp_directory_path() / ("nectar-limits-" + std::to_string(::getpid()) + ".yml");
  nectar::client::BalanceLimits limits;
  limits["bitget"]["USDT"] = Decimal::parse("100.000000000000000001");
  limits["bitget_perpetual"]["USDT"] = Decimal::parse("0");
  nectar::client::save_balance_limits(limits, file);
  EXPECT_EQ(nectar::client::load_balance_limits(file), limits);
  std::ofstream(file, std::ios::trunc) << "bitget:\n  USDT: -5\n";
  try {
    nectar::client::load_balance_limits(file);
    ADD_FAILURE() << "a negative limit was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bitget: USDT: '-5' is not a non-negative amount"),
              std::string::npos)
        << e.what();
  }
  std::ofstream(file, std::ios::trunc) << "bitget: [";
  EXPECT_THROW(nectar::client::load_balance_limits(file), ConfigError);
  fs::remove(file);
  EXPECT_TRUE(nectar::client::load_balance_limits(file).empty());  // no file: no limits
}

TEST_F(StrategyTest, ExitStopsTheStrategyAndCancels) {
  std::istringstream in;
  std::ostringstream out;
  std::unique_ptr<Shell> shell;
  ASSERT_NO_FATAL_FAILURE(first_shell_quoting(in, out, shell));
  EXPECT_FALSE(shell->execute("exit"));
  EXPECT_TRUE(open_orders().empty()) << out.str();
}

TEST_F(StrategyTest, RestartRestoresTheJournal) {
  std::set<std::string> old_ids;
  {
    std::istringstream in;
    std::ostringstream out;
    std::unique_ptr<Shell> shell;
    ASSERT_NO_FATAL_FAILURE(first_shell_quoting(in, out, shell));
    std::this_thread::sleep_for(500ms);  // let the journal see the acks
    for (const auto& o : open_orders()) old_ids.insert(o.client_id);
    shell->shutdown();  // killed: no cancel
  }
  ASSERT_EQ(open_orders().size(), 2u);

  std::istringstream in;
  std::ostringstream out;
  std::unique_ptr<Shell> shell;
  ASSERT_NO_FATAL_FAILURE(next_shell_started(in, out, shell));
  ASSERT_NE(out.str().find("Restored 2 open order(s) of a previous run"), std::string::npos) << out.str();
  ASSERT_TRUE(eventually([this] { return open_orders().size() == 4; })) << out.str();  // + the new ladder
  std::this_thread::sleep_for(1s);
  std::multiset<std::string> ids;
  for (const auto& o : open_orders()) ids.insert(o.client_id);
  EXPECT_EQ(ids.size(), 4u);
  for (const auto& id : old_ids) EXPECT_EQ(ids.count(id), 1u) << id;  // tracked again, not duplicated
  output_of(*shell, out, "status");
  for (const auto& id : old_ids) EXPECT_NE(out.str().find(id), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("restored from journal: 2 (2 live)"), std::string::npos) << out.str();
  shell->execute("stop");
  EXPECT_TRUE(eventually([this] { return open_orders().empty(); }, 5s)) << out.str();  // old ones too
  shell->execute("exit");
}

TEST_F(StrategyTest, HeadlessRunOnEmbeddedSimulator) {
  write_bot();
  std::ostringstream out;
  nectar::client::HeadlessOptions o;
  o.config_file = dir / "conf" / "strategies" / "bot.yml";
  o.config_dir = dir / "conf";
  o.environment = "simulator";
  o.duration_s = 4;
  o.status_interval_s = 1;
  o.out = &out;
  EXPECT_EQ(nectar::client::run_headless(o), 0) << out.str();
  const std::string text = out.str();
  EXPECT_NE(text.find("Stopped: 2 orders placed"), std::string::npos) << text;
  EXPECT_NE(text.find("open orders left: 0"), std::string::npos) << text;
  EXPECT_GE(count(text, "] mid "), 2u) << text;
  EXPECT_TRUE(fs::exists(dir / "conf" / "logs" / "bot.log"));
  EXPECT_TRUE(fs::exists(dir / "conf" / "data" / "bot.sqlite"));

  // SIGINT stops it (long duration as a safety net).
  std::ostringstream out2;
  o.out = &out2;
  o.duration_s = 60;
  std::thread killer([] {
    std::this_thread::sleep_for(4s);
    std::raise(SIGINT);
  });
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(nectar::client::run_headless(o), 0) << out2.str();
  killer.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 30s);
  EXPECT_NE(out2.str().find("open orders left: 0"), std::string::npos) << out2.str();

  // Errors: a bad config, missing vault.
  std::ostringstream out3;
  o.out = &out3;
  std::ofstream(dir / "conf" / "strategies" / "bad.yml")
      << "strategy: pure_market_making\nexchange: bitget\n";
  o.config_file = dir / "conf" / "strategies" / "bad.yml";
  EXPECT_EQ(nectar::client::run_headless(o), 2);
  EXPECT_NE(out3.str().find("bad.yml: market: missing"), std::string::npos) << out3.str();
  o.config_file = dir / "conf" / "strategies" / "bot.yml";
  o.environment = "";
  EXPECT_EQ(nectar::client::run_headless(o), 2);
  EXPECT_NE(out3.str().find("no vault"), std::string::npos) << out3.str();
}

}  // namespace

namespace {

TEST(StrategyCompletion, NewCommandsAndConfigKeys) {
  std::istringstream in;
  std::ostringstream out;
  ShellOptions o;
  o.config_dir = fs::temp_directory_path() / "nectar-completion-unused";
  o.in = &in;
  o.out = &out;
  o.line_editing = false;
  Shell shell(o);
  EXPECT_EQ(shell.complete("imp"), std::vector<std::string>{"import"});
  EXPECT_EQ(shell.complete("hist"), std::vector<std::string>{"history"});
  EXPECT_EQ(shell.complete("config bid"), std::vector<std::string>{"bid_spread"});
  EXPECT_EQ(shell.complete("st"), (std::vector<std::string>{"start", "status", "stop"}));
}

}  // namespace
