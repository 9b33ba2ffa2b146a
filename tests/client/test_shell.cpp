// The interactive shell driven by scripted input, against a Bitget simulator in the process.
#include <gtest/gtest.h>

#include <regex>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "bitget/sim_thread_fixture.hpp"
#include "nectar/client/shell.hpp"
#include "nectar/sim/bitget/simulator.hpp"

namespace {

// A row of the `connect` table (column widths follow the longest connector id).
bool has_row(const std::string& text, const std::string& exchange, const std::string& added,
             const std::string& confirmed) {
  return std::regex_search(text, std::regex("\\n +" + exchange + " +" + added + " +" + confirmed + "\\n"));
}

namespace fs = std::filesystem;
using nectar::Decimal;
using nectar::Endpoints;
using nectar::Secret;
using nectar::client::ExternalSimulator;
using nectar::client::Shell;
using nectar::client::ShellOptions;
using nectar::testing_support::count;
using nectar::testing_support::read_file;

const std::string kPassword = "correct horse battery staple";

class ShellTest : public nectar::testing_support::SimThreadTest {
 protected:
  void SetUp() override {
    nectar::sim::bitget::SimulatorOptions so;
    so.activity_interval_ms = 50;
    so.book_push_interval_ms = 50;
    start_sim(so);
    dir = nectar::testing_support::make_temp_dir("nectar-client-test-");
  }
  void TearDown() override {
    SimThreadTest::TearDown();
    nectar::testing_support::remove_temp_dir(dir);
  }

  ShellOptions options(std::istream& in, std::ostream& out, bool external_sim = true) {
    ShellOptions o;
    o.config_dir = dir / "conf";
    o.in = &in;
    o.out = &out;
    o.line_editing = false;
    o.kdf.n = 1 << 10;  // fast scrypt for tests
    if (external_sim) {
      const auto& c = sim->credentials();
      o.simulator = ExternalSimulator{Endpoints{sim->rest_url(), sim->ws_public_url(), sim->ws_private_url()},
                                      {{"api_key", Secret(c.api_key)},
                                       {"secret_key", Secret(c.secret_key)},
                                       {"passphrase", Secret(c.passphrase)}}};
    }
    o.data_timeout = std::chrono::milliseconds(15000);
    return o;
  }

  /// Runs the shell on `script` (one line per element); returns the exit code and fills `output`.
  int run(const std::vector<std::string>& script, std::string& output, bool external_sim = true) {
    std::string text;
    for (const auto& l : script) text += l + "\n";
    std::istringstream in(text);
    std::ostringstream out;
    const int rc = nectar::client::run_shell(options(in, out, external_sim));
    output = out.str();
    if (std::getenv("NECTAR_SHOW_TRANSCRIPT")) std::cout << output;  // for reading the transcript
    return rc;
  }

  std::vector<std::string> good_keys() const {
    const auto& c = sim->credentials();
    return {c.api_key, c.secret_key, c.passphrase};
  }

  void expect_no_secret(const std::string& output) const {
    const auto& c = sim->credentials();
    EXPECT_EQ(output.find(c.secret_key), std::string::npos) << output;
    EXPECT_EQ(output.find(c.passphrase), std::string::npos) << output;
    EXPECT_EQ(output.find(c.api_key), std::string::npos) << output;
    EXPECT_EQ(output.find(kPassword), std::string::npos) << output;
  }

  fs::path dir;
  std::ostringstream log_text;
};

TEST_F(ShellTest, FirstStartConnectBalanceOrderBookHelp) {
  std::vector<std::string> script = {kPassword, kPassword, "connect", "connect bitget --env simulator"};
  for (const auto& k : good_keys()) script.push_back(k);
  script.insert(script.end(),
                {"connect", "balance", "order_book BTC-USDT --depth 5", "ticker BTC-USDT", "balance",
                 "ticker BTC-USDT --live --seconds 1", "order_book BTC-USDT --depth 2 --live --seconds 1",
                 "ticker BTC-USDT --live --seconds x", "status", "help", "help connect", "frobnicate",
                 "conect", "exit"});
  std::string out;
  ASSERT_EQ(run(script, out), 0) << out;

  EXPECT_TRUE(fs::exists(dir / "conf" / "secrets" / "credentials.json"));
  // First table: nothing added; second: bitget added and confirmed.
  const auto first_table = out.find("Exchange");
  ASSERT_NE(first_table, std::string::npos) << out;
  const auto connected = out.find("You are now connected to bitget.\n");
  ASSERT_NE(connected, std::string::npos) << out;
  const std::string before = out.substr(first_table, connected - first_table);
  EXPECT_TRUE(has_row(before, "bitget", "No", "No")) << out;
  EXPECT_TRUE(has_row(before, "bitget_perpetual", "No", "No")) << out;
  const std::string after = out.substr(connected);
  EXPECT_TRUE(has_row(after, "bitget", "Yes", "Yes")) << out;
  EXPECT_TRUE(has_row(after, "bitget_perpetual", "No", "No")) << out;

  // balance: the funded account
  const auto bal = after.find("bitget:\n");
  ASSERT_NE(bal, std::string::npos) << out;
  EXPECT_NE(after.find("USDT", bal), std::string::npos);
  EXPECT_NE(after.find("10000", bal), std::string::npos) << out;

  // Before BTC-USDT is followed, BTC has no USDT value; after `order_book BTC-USDT` it has, at the mid.
  EXPECT_NE(after.find("USDT Value    Allocated"), std::string::npos) << out;
  EXPECT_NE(after.find("without a followed USDT market not counted"), std::string::npos) << out;
  const auto second = after.find("bitget:\n", after.find("Mid Price"));
  ASSERT_NE(second, std::string::npos) << out;
  std::istringstream rows(after.substr(second));
  std::string line;
  Decimal sum;
  std::optional<Decimal> total;
  while (std::getline(rows, line)) {
    std::istringstream cells(line);
    std::vector<std::string> c;
    for (std::string w; cells >> w;) c.push_back(w);
    if (c.size() == 5 && (c[0] == "BTC" || c[0] == "USDT")) {
      const auto value = Decimal::try_parse(c[3]);
      ASSERT_TRUE(value.has_value()) << line;  // valued, not n/a
      EXPECT_TRUE(value->is_positive()) << line;
      EXPECT_EQ(c[4], "0%") << line;  // nothing held by orders
      sum += *value;
    }
    if (c.size() >= 4 && c[0] == "Total" && c[1] == "value:") {
      total = Decimal::parse(c[2]);
      break;
    }
  }
  ASSERT_TRUE(total.has_value()) << out;
  EXPECT_LE((*total - sum).abs(), Decimal::parse("0.02")) << out;  // per-row rounding to cents

  // --live views: one frame per second off a terminal.
  EXPECT_GE(count(after, "Ticker   (live, "), 2u) << out;
  EXPECT_GE(count(after, "Order book   (live, "), 2u) << out;
  EXPECT_NE(after.find("Error: --seconds needs a whole number of seconds"), std::string::npos) << out;

  // order book with 5 levels
  const auto ob = after.find("bid_price");
  ASSERT_NE(ob, std::string::npos) << out;
  EXPECT_NE(after.find("ask_volume", ob), std::string::npos);
  EXPECT_NE(after.find("  market: bitget BTC-USDT"), std::string::npos);
  EXPECT_NE(after.find("Best Bid"), std::string::npos) << out;
  EXPECT_NE(after.find("Mid Price"), std::string::npos) << out;
  EXPECT_NE(after.find("ready"), std::string::npos) << out;

  for (const auto& cmd : Shell::commands()) EXPECT_NE(after.find("  " + cmd), std::string::npos) << cmd;
  EXPECT_NE(after.find("connect <exchange> [--env production|demo|simulator]"), std::string::npos);
  EXPECT_NE(after.find("Unknown command 'frobnicate'. Type `help`"), std::string::npos) << out;
  EXPECT_NE(after.find("Did you mean `connect`?"), std::string::npos) << out;
  expect_no_secret(out);
}

TEST_F(ShellTest, WrongSecretKeepsPreviousKeysAndRestartReconnects) {
  std::vector<std::string> script = {kPassword, kPassword, "connect bitget --env simulator"};
  for (const auto& k : good_keys()) script.push_back(k);
  const auto& c = sim->credentials();
  script.insert(script.end(),
                {"connect bitget --env simulator", "Yes", c.api_key, "not-the-secret", c.passphrase, "exit"});
  std::string out;
  ASSERT_EQ(run(script, out), 0) << out;
  EXPECT_EQ(count(out, "You are now connected to bitget."), 1u) << out;
  EXPECT_NE(out.find("Would you like to replace your existing keys? (Yes/No)"), std::string::npos) << out;
  EXPECT_NE(out.find("secret key is wrong"), std::string::npos) << out;
  EXPECT_NE(out.find("Your previous keys for bitget were kept."), std::string::npos) << out;
  EXPECT_EQ(out.find("not-the-secret"), std::string::npos) << out;
  expect_no_secret(out);

  // Restart: the password opens the vault and the saved (good) keys reconnect.
  std::string out2;
  ASSERT_EQ(run({kPassword, "connect", "balance", "exit"}, out2), 0) << out2;
  EXPECT_NE(out2.find("You are now connected to bitget."), std::string::npos) << out2;
  EXPECT_TRUE(has_row(out2, "bitget", "Yes", "Yes")) << out2;
  EXPECT_NE(out2.find("10000"), std::string::npos) << out2;
  expect_no_secret(out2);
}

TEST_F(ShellTest, YesNoIsAskedAgainAndTyposAreNeverCorrectedIntoTrading) {
  std::vector<std::string> script = {kPassword, kPassword, "connect bitget --env simulator"};
  for (const auto& k : good_keys()) script.push_back(k);
  // "maybe" and a command typed at the prompt are not answers: asked again, nothing swallowed as No.
  script.insert(script.end(), {"connect bitget", "maybe", "status", "n", "stauts", "exit"});
  std::string out;
  ASSERT_EQ(run(script, out), 0) << out;
  EXPECT_EQ(count(out, "Would you like to replace your existing keys? (Yes/No)"), 3u) << out;
  EXPECT_EQ(count(out, "Please answer Yes or No."), 2u) << out;
  EXPECT_NE(out.find("Keys not changed; you are still connected to bitget."), std::string::npos) << out;
  // A read-only typo suggests the read-only command, not `start`.
  EXPECT_NE(out.find("Unknown command 'stauts'. Did you mean `status`?"), std::string::npos) << out;
  EXPECT_EQ(out.find("Did you mean `start`?"), std::string::npos) << out;
  expect_no_secret(out);
}

TEST_F(ShellTest, WrongPasswordIsRefusedAndVaultUntouched) {
  std::string out;
  ASSERT_EQ(run({kPassword, kPassword, "exit"}, out), 0) << out;
  const auto file = dir / "conf" / "secrets" / "credentials.json";
  const std::string before = read_file(file);
  ASSERT_FALSE(before.empty());

  std::string out2;
  EXPECT_EQ(run({"wrong1", "wrong2", "wrong3", "connect"}, out2), 1) << out2;
  EXPECT_EQ(count(out2, "Invalid password"), 3u) << out2;
  EXPECT_NE(out2.find("left unchanged"), std::string::npos) << out2;
  EXPECT_EQ(out2.find("Exchange"), std::string::npos) << out2;  // no command ran
  EXPECT_EQ(read_file(file), before);

  // One wrong try, then the right one.
  std::string out3;
  EXPECT_EQ(run({"wrong", kPassword, "exit"}, out3), 0) << out3;
  EXPECT_EQ(count(out3, "Invalid password - please try again."), 1u) << out3;
  EXPECT_EQ(read_file(file), before);
}

TEST_F(ShellTest, MismatchedNewPasswordsAskAgain) {
  std::string out;
  ASSERT_EQ(run({"one", "two", kPassword, kPassword, "exit"}, out), 0) << out;
  EXPECT_NE(out.find("do not match"), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(dir / "conf" / "secrets" / "credentials.json"));
}

TEST_F(ShellTest, EmbeddedSimulatorWithDefaultTestKeys) {
  std::string out;
  ASSERT_EQ(run({kPassword, kPassword, "connect bitget --env simulator", "", "", "",
                 "connect bitget_perpetual --env simulator", "", "", "", "balance", "status", "exit"},
                out,
                /*external_sim=*/false),
            0)
      << out;
  EXPECT_NE(out.find("Started the embedded Bitget simulator"), std::string::npos) << out;
  EXPECT_NE(out.find("You are now connected to bitget."), std::string::npos) << out;
  EXPECT_NE(out.find("10000"), std::string::npos) << out;
  EXPECT_NE(out.find("You are now connected to bitget_perpetual."), std::string::npos) << out;
  EXPECT_NE(out.find("bitget_perpetual:\n"), std::string::npos) << out;
  EXPECT_EQ(count(out, "Started the embedded Bitget simulator"), 1u) << out;  // one simulator for both
  expect_no_secret(out);
}

TEST_F(ShellTest, BalancePaperSetsSavesAndApplies) {
  std::string out;
  ASSERT_EQ(
      run({kPassword, kPassword, "balance paper USDT 5000", "connect bitget_paper_trade --env simulator",
           "balance", "balance paper BTC 2.5", "balance", "balance paper", "balance paper USDT lots", "exit"},
          out, /*external_sim=*/false),
      0)
      << out;
  EXPECT_NE(out.find("Paper balance for USDT set to 5000."), std::string::npos) << out;
  EXPECT_NE(out.find("USDT     5000     5000"), std::string::npos) << "applied at connect: " << out;
  EXPECT_NE(out.find("BTC      2.5      2.5"), std::string::npos)
      << "applied to the connected paper account: " << out;
  EXPECT_NE(out.find("Paper trading starts with:"), std::string::npos) << out;
  EXPECT_NE(out.find("Error: 'lots' is not an amount"), std::string::npos) << out;
  std::string again;
  ASSERT_EQ(run({kPassword, "balance paper", "exit"}, again, /*external_sim=*/false), 0) << again;
  EXPECT_TRUE(std::regex_search(again, std::regex("USDT +5000"))) << "saved across restarts: " << again;
  EXPECT_TRUE(std::regex_search(again, std::regex("BTC +2.5"))) << again;
}

TEST_F(ShellTest, PaperTradeConnectsWithoutKeys) {
  std::string out;
  ASSERT_EQ(run({kPassword, kPassword, "connect bitget_paper_trade --env simulator", "balance", "exit"}, out,
                /*external_sim=*/false),
            0)
      << out;
  EXPECT_NE(out.find("You are now connected to bitget_paper_trade."), std::string::npos) << out;
  EXPECT_NE(out.find("bitget_paper_trade:\n"), std::string::npos) << out;
  EXPECT_NE(out.find("USDT     10000"), std::string::npos) << out;
}

TEST_F(ShellTest, ExchangesNotBuiltYetAreListedInWords) {
  std::string out;
  ASSERT_EQ(run({kPassword, kPassword, "connect", "connect hitbtc", "exit"}, out), 0) << out;
  // The table: every registered connector, then the roadmap's ones not built into this nectar.
  EXPECT_NE(out.find("bitget_perpetual"), std::string::npos) << out;
  EXPECT_NE(out.find("hitbtc"), std::string::npos) << out;
  EXPECT_NE(out.find("not available yet"), std::string::npos) << out;
  EXPECT_NE(out.find("hitbtc (HitBTC) is not available yet in this nectar; available now: bitget,"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("connected to hitbtc"), std::string::npos) << out;
}

TEST_F(ShellTest, ErrorsAreOneLiners) {
  std::string out;
  ASSERT_EQ(run({kPassword, kPassword, "balance", "order_book", "order_book BTCUSDT", "connect nosuch",
                 "connect bitget --env mars", "help nosuch", "exit"},
                out),
            0)
      << out;
  EXPECT_NE(out.find("Error: no exchange connected; use `connect <exchange>` first."), std::string::npos)
      << out;
  EXPECT_NE(out.find("Error: which trading pair?"), std::string::npos) << out;
  EXPECT_NE(out.find("'BTCUSDT' is not a trading pair like BTC-USDT"), std::string::npos) << out;
  EXPECT_NE(out.find("Error: 'nosuch' is not an exchange nectar knows (known: bitget, bitget_paper_trade, "
                     "bitget_perpetual, bitget_perpetual_paper_trade)."),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("unknown environment 'mars'"), std::string::npos) << out;
  EXPECT_NE(out.find("Error: no command 'nosuch'"), std::string::npos) << out;
}

TEST_F(ShellTest, CorruptedFilesGiveClearErrorsAndLoseNothing) {
  std::string out;
  std::vector<std::string> script = {kPassword, kPassword, "connect bitget --env simulator"};
  for (const auto& k : good_keys()) script.push_back(k);
  script.push_back("exit");
  ASSERT_EQ(run(script, out), 0) << out;
  const fs::path conf = dir / "conf";

  // A strategy config that is not YAML, and one with a bad value: import says which file and key, loads
  // nothing, and leaves the file byte-identical; the config imported before stays loaded.
  fs::create_directories(conf / "strategies");
  std::ofstream(conf / "strategies" / "good.yml")
      << "strategy: pure_market_making\nexchange: bitget\nmarket: BTC-USDT\nbid_spread: 1\nask_spread: 1\n"
         "order_amount: 0.001\n";
  const std::string broken = "strategy: pure_market_making\nexchange: [bitget\n\x01\xff garbage";
  std::ofstream(conf / "strategies" / "broken.yml", std::ios::binary) << broken;
  const std::string bad_value =
      "strategy: pure_market_making\nexchange: bitget\nmarket: BTC-USDT\nbid_spread: lots\nask_spread: "
      "1\norder_amount: 0.001\n";
  std::ofstream(conf / "strategies" / "badvalue.yml") << bad_value;
  const std::string paper_garbage = "USDT:ten thousand,BTC";
  std::ofstream(conf / "paper_balances.txt") << paper_garbage;
  ASSERT_EQ(run({kPassword, "import good", "import broken", "import badvalue", "config bid_spread",
                 "balance paper", "exit"},
                out),
            0)
      << out;
  EXPECT_NE(out.find("broken.yml: not valid YAML"), std::string::npos) << out;
  EXPECT_NE(out.find("badvalue.yml: bid_spread: 'lots' is not a decimal number"), std::string::npos) << out;
  EXPECT_NE(out.find("  bid_spread: 1\n"), std::string::npos) << "good.yml stays loaded: " << out;
  EXPECT_EQ(read_file(conf / "strategies" / "broken.yml"), broken);
  EXPECT_EQ(read_file(conf / "strategies" / "badvalue.yml"), bad_value);
  EXPECT_NE(out.find("paper_balances.txt: paper balance 'USDT:ten thousand' needs"), std::string::npos)
      << "names the bad file: " << out;
  EXPECT_EQ(read_file(conf / "paper_balances.txt"), paper_garbage);

  // A vault file that is not a vault: a clear error, exit code 1, the file untouched (keys may still be
  // recovered from a backup of it); never replaced by a new empty vault.
  const fs::path vault = conf / "secrets" / "credentials.json";
  const std::string good_vault = read_file(vault);
  const std::string truncated = good_vault.substr(0, good_vault.size() / 2);
  std::ofstream(vault, std::ios::binary | std::ios::trunc) << truncated;
  EXPECT_EQ(run({kPassword, kPassword, kPassword, "exit"}, out), 1) << out;
  EXPECT_NE(out.find("credentials.json"), std::string::npos) << out;
  EXPECT_EQ(read_file(vault), truncated);
  expect_no_secret(out);
}

TEST_F(ShellTest, NoSecretInLogs) {
  // Everything the process logs while keys are entered, validated (one refused), saved and used.
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text);
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  std::vector<std::string> script = {kPassword, kPassword, "connect bitget --env simulator"};
  for (const auto& k : good_keys()) script.push_back(k);
  const auto& c = sim->credentials();
  script.insert(script.end(), {"connect bitget --env simulator", "Yes", c.api_key, "wrong-secret-1234",
                               c.passphrase, "balance", "exit"});
  std::string out;
  const int rc = run(script, out);
  std::string second;
  const int rc2 = run({kPassword, "balance", "exit"}, second);  // reconnect from the vault
  spdlog::set_default_logger(previous);
  ASSERT_EQ(rc, 0) << out;
  ASSERT_EQ(rc2, 0) << second;
  const std::string logged = log_text.str();
  EXPECT_FALSE(logged.empty());
  expect_no_secret(logged);
  EXPECT_EQ(logged.find("wrong-secret-1234"), std::string::npos) << logged;
  expect_no_secret(out);
  expect_no_secret(second);
  EXPECT_EQ(out.find("wrong-secret-1234"), std::string::npos) << out;
  // Nothing under the config directory holds a key in clear text.
  for (const auto& e : fs::recursive_directory_iterator(dir / "conf")) {
    if (!e.is_regular_file()) continue;
    const std::string text = read_file(e.path());
    EXPECT_EQ(text.find(c.secret_key), std::string::npos) << e.path();
    EXPECT_EQ(text.find(c.api_key), std::string::npos) << e.path();
    EXPECT_EQ(text.find(c.passphrase), std::string::npos) << e.path();
  }
}

TEST_F(ShellTest, Completion) {
  std::istringstream in;
  std::ostringstream out;
  Shell shell(options(in, out));
  EXPECT_EQ(shell.complete("conn"), std::vector<std::string>{"connect"});
  EXPECT_EQ(shell.complete("connect bit"),
            (std::vector<std::string>{"bitget", "bitget_paper_trade", "bitget_perpetual",
                                      "bitget_perpetual_paper_trade"}));
  EXPECT_EQ(shell.complete("connect bitget --env s"), std::vector<std::string>{"simulator"});
  EXPECT_EQ(shell.complete("order_book BTC"), std::vector<std::string>{"BTC-USDT"});
  EXPECT_EQ(shell.complete("help ti"), std::vector<std::string>{"ticker"});
  EXPECT_EQ(shell.complete("").size(), Shell::commands().size());
}

}  // namespace
