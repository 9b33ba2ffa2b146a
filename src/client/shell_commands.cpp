#include "client/shell_commands.hpp"

#include <algorithm>
#include <iomanip>

#include "client/shell_session.hpp"
#include "client/shell_strategy_config.hpp"
#include "client/text.hpp"
#include "nectar/client/strategy_config.hpp"

namespace nectar::client {

namespace {

struct CommandHelp {
  const char* name;
  const char* summary;
  const char* usage;
};

// Commands that place, cancel or stop orders: a typo is never "corrected" into one of these unless nothing
// else is as close and it is one edit away.
bool acts_on_orders(std::string_view name) {
  return name == "start" || name == "stop" || name == "exit";
}

constexpr CommandHelp kCommands[] = {
    {"connect", "List exchanges and their keys, or connect one",
     "connect                      table of every exchange: Exchange, Keys Added, Keys Confirmed\n"
     "connect <exchange> [--env production|demo|simulator]\n"
     "                             asks for the exchange's API keys (hidden), checks them with a private "
     "call,\n"
     "                             then saves them in the encrypted vault. `simulator` runs a local copy of\n"
     "                             the exchange inside nectar and offers its funded test keys."},
    {"balance", "Balances of every connected exchange",
     "balance                      asset, total, available, USDT value, allocated to orders\n"
     "balance paper                the balances paper trading starts with\n"
     "balance paper <asset> <amt>  sets one (saved in <conf>/paper_balances.txt; applied to connected\n"
     "                             paper connectors at once)\n"
     "balance limit                the most of each asset a strategy may commit, per exchange\n"
     "balance limit <exchange> <asset> <amt>\n"
     "                             sets one (saved in <conf>/balance_limits.yml; -1 removes it); applied\n"
     "                             at `start` and by `nectar run`"},
    {"order_book", "Top of an order book",
     "order_book <pair> [--depth N] [--exchange <exchange>] [--live [--seconds N]]\n"
     "                             the N best bids and asks (default 10), e.g. order_book BTC-USDT;\n"
     "                             --live: redrawn every second (see `help status`)"},
    {"ticker", "Best bid, best ask, mid price and last trade",
     "ticker <pair> [--exchange <exchange>] [--live [--seconds N]]\n"
     "                             --live: redrawn every second (see `help status`)"},
    {"create", "Create a pure market making config by answering questions",
     "create                       asks the exchange (connected), market, spreads, amount, levels, refresh\n"
     "                             time and inventory skew (Enter keeps the default), then the file name;\n"
     "                             saves conf/strategies/<name>.yml and imports it"},
    {"import", "Load a strategy config",
     "import <name>                 conf/strategies/<name>.yml (or a path)"},
    {"config", "Show the loaded config, or change one value",
     "config                       every key of the loaded strategy config\n"
     "config <key> <value>         changes one key (Hummingbot units: spreads in %, times in s) and saves"},
    {"start", "Start the loaded strategy on its connected exchange",
     "start                        ticks every second; orders and fills are journaled in\n"
     "                             conf/data/<config>.sqlite, and the journal's open orders are restored"},
    {"status", "Connected exchanges, what each still waits for, and the strategy",
     "status                       exchanges, then the strategy: market, balances, positions, orders, P&L\n"
     "status --live [--seconds N]  the strategy's status redrawn every second, until Enter (on a terminal)\n"
     "                             or for N seconds (default 10 when not on a terminal)"},
    {"stop", "Stop the strategy and cancel its orders", "stop"},
    {"history", "Fills of the current config: volumes, average prices, fees, realized and unrealized P&L",
     "history [-d DAYS] [-v]       per market: trades, volumes, average prices, fees per token, realized\n"
     "                             P&L, unrealized P&L at the live mid; -d: the last DAYS days only (e.g.\n"
     "                             -d 0.5); -v: every trade too"},
    {"export", "Write the current config's fills to CSV",
     "export                       conf/data/<config>_trades.csv"},
    {"help", "List the commands, or explain one", "help [command]"},
    {"exit", "Stop the strategy (cancelling its orders), every connector, and leave",
     "exit                         stops the strategy, cancels its orders, disconnects, leaves\n"
     "exit --keep-orders           leaves the orders open on the exchange (they stay in the journal and\n"
     "                             are restored by the next `start` of the config)"},
};

// Edits between two words, a swap of neighbours counting as one (optimal string alignment): "stauts" is
// one edit from "status".
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

void cmd_help(ShellSession& shell, const std::vector<std::string>& args) {
  if (args.size() > 1) {
    for (const auto& c : kCommands) {
      if (args[1] == c.name) {
        shell.print() << c.summary << ".\n" << c.usage << "\n" << std::flush;
        return;
      }
    }
    shell.say("Error: no command '" + args[1] + "'. Type `help` for the list of commands.");
    return;
  }
  shell.print() << "Commands:\n";
  for (const auto& c : kCommands)
    shell.print() << "  " << std::left << std::setw(12) << c.name << c.summary << "\n";
  shell.print() << "Type `help <command>` for its options.\n" << std::flush;
}

std::string unknown_command_text(const std::string& cmd) {
  // The closest command within two edits; on a tie one that only reads wins, and a command that acts on
  // orders is offered only one edit away.
  std::string best;
  std::size_t best_d = 3;
  bool best_acts = false;
  for (const auto& c : kCommands) {
    const std::size_t d = edit_distance(cmd, c.name);
    const bool acts = acts_on_orders(c.name);
    if (acts && d > 1) continue;
    if (d < best_d || (d == best_d && best_acts && !acts)) {
      best_d = d;
      best = c.name;
      best_acts = acts;
    }
  }
  return "Unknown command '" + cmd + "'." + (best.empty() ? "" : " Did you mean `" + best + "`?") +
         " Type `help` for the list of commands.";
}

std::vector<std::string> complete_line(const ShellSession& shell, const std::string& before) {
  std::vector<std::string> words = split_words(before);
  const bool new_word = before.empty() || before.back() == ' ' || before.back() == '\t';
  if (new_word) words.emplace_back();
  std::vector<std::string> out;
  const std::string& word = words.back();
  auto add_if = [&](const std::string& candidate) {
    if (candidate.compare(0, word.size(), word) == 0) out.push_back(candidate);
  };
  if (words.size() == 1) {
    for (const auto& c : kCommands) add_if(c.name);
    return out;
  }
  const std::string& cmd = words[0];
  const std::string& prev = words[words.size() - 2];
  if (cmd == "help" && words.size() == 2) {
    for (const auto& c : kCommands) add_if(c.name);
  } else if (cmd == "connect") {
    if (prev == "--env") {
      for (const char* e : {"production", "demo", "simulator"}) add_if(e);
    } else if (words.size() == 2) {
      for (const auto& id : ConnectorRegistry::instance().ids()) add_if(id);
    } else {
      add_if("--env");
    }
  } else if (cmd == "import" && words.size() == 2) {
    for (const auto& n : saved_strategy_names(shell)) add_if(n);
  } else if (cmd == "config" && words.size() == 2) {
    for (const auto& k : strategy_config_keys()) add_if(k);
  } else if (cmd == "order_book" || cmd == "ticker") {
    if (prev == "--exchange") {
      for (const auto& [id, s] : shell.connections) add_if(id);
    } else if (word.rfind('-', 0) == 0) {
      add_if("--exchange");
      if (cmd == "order_book") add_if("--depth");
    } else if (prev != "--depth") {
      std::vector<std::string> pairs = {"BTC-USDT", "ETH-USDT",  "SOL-USDT",
                                        "XRP-USDT", "DOGE-USDT", "ETH-BTC"};
      for (const auto& [id, s] : shell.connections)
        for (const auto& p : s.config.trading_pairs) pairs.push_back(p.str());
      std::sort(pairs.begin(), pairs.end());
      pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
      const std::string up = upper(word);
      for (const auto& p : pairs)
        if (p.compare(0, up.size(), up) == 0) out.push_back(word.empty() ? p : word + p.substr(up.size()));
    }
  }
  return out;
}

std::vector<std::string> command_names() {
  std::vector<std::string> out;
  for (const auto& c : kCommands) out.emplace_back(c.name);
  return out;
}

}  // namespace nectar::client
