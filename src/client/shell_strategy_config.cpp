#include "client/shell_strategy_config.hpp"

#include <algorithm>
#include <cctype>
#include <functional>

#include "client/shell_session.hpp"
#include "client/text.hpp"
#include "nectar/client/strategy_config.hpp"

namespace nectar::client {

namespace {

/// One question with its default (Enter keeps it), the answer trimmed; nullopt at end of input.
std::optional<std::string> ask(ShellSession& shell, const std::string& question,
                               const std::string& default_text) {
  const std::string prompt =
      question + (default_text.empty() ? "" : " (default " + default_text + ")") + " >>> ";
  auto answer = shell.reader->read_answer(prompt);
  if (!answer) return std::nullopt;
  std::string a = *answer;
  while (!a.empty() && std::isspace(static_cast<unsigned char>(a.back()))) a.pop_back();
  while (!a.empty() && std::isspace(static_cast<unsigned char>(a.front()))) a.erase(a.begin());
  return a.empty() ? default_text : a;
}

/// Asks one key until its answer is valid (3 tries). False: cancelled.
bool ask_key(ShellSession& shell, StrategyConfig& c, const std::string& key, const std::string& question,
             const std::string& default_text,
             const std::function<std::string(const std::string&)>& extra = {}) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto answer = ask(shell, question, default_text);
    if (!answer) return false;
    if (extra) {
      if (const std::string why = extra(*answer); !why.empty()) {
        shell.say("Error: " + key + ": " + why);
        continue;
      }
    }
    try {
      set_config_value(c, key, *answer, {}, /*check_all=*/false);
      return true;
    } catch (const ConfigError& e) {
      shell.say(std::string("Error: ") + e.what());
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> saved_strategy_names(const ShellSession& shell) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(shell.strategies_dir(), ec))
    if (e.path().extension() == ".yml") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

void cmd_create(ShellSession& shell, const std::vector<std::string>& args) {
  if (args.size() > 1) {
    shell.say("Error: `create` takes no arguments; it asks its questions.");
    return;
  }
  if (shell.running) {
    shell.say("Error: a strategy is running; `stop` it before creating another config.");
    return;
  }
  auto cancelled = [&shell] { shell.say("Cancelled: no config was created."); };
  StrategyConfig c;
  if (!ask_key(shell, c, "strategy", "What is your market making strategy?", "pure_market_making"))
    return cancelled();
  const std::string first_exchange =
      shell.connections.empty() ? std::string() : shell.connections.begin()->first;
  if (!ask_key(shell, c, "exchange", "Enter your maker spot connector (a connected exchange)", first_exchange,
               [&shell](const std::string& a) -> std::string {
                 if (shell.connections.count(lower(a))) return {};
                 return "'" + a + "' is not connected; use `connect " + a + "` first.";
               }))
    return cancelled();
  if (!ask_key(shell, c, "market",
               "Enter the token trading pair you would like to trade on " + c.exchange + " (e.g. BTC-USDT)",
               "BTC-USDT"))
    return cancelled();
  if (!ask_key(shell, c, "bid_spread",
               "How far away from the mid price do you want to place the first bid order? (Enter 1 to "
               "indicate 1%)",
               "1"))
    return cancelled();
  if (!ask_key(shell, c, "ask_spread",
               "How far away from the mid price do you want to place the first ask order? (Enter 1 to "
               "indicate 1%)",
               "1"))
    return cancelled();
  if (!ask_key(shell, c, "order_refresh_time",
               "How often do you want to cancel and replace bids and asks (in seconds)?", "30"))
    return cancelled();
  if (!ask_key(shell, c, "order_amount",
               "What is the amount of " + c.pmm.pair.base + " per order? (in " + c.pmm.pair.base + ")", ""))
    return cancelled();
  if (!ask_key(shell, c, "order_levels", "How many orders do you want to place on both sides?", "1"))
    return cancelled();
  if (c.pmm.order_levels > 1) {
    if (!ask_key(shell, c, "order_level_spread", "How far apart in % of price should the levels be?", "1"))
      return cancelled();
    if (!ask_key(shell, c, "order_level_amount",
                 "How much should the amount grow per level? (in " + c.pmm.pair.base + ")", "0"))
      return cancelled();
  }
  if (!ask_key(shell, c, "inventory_skew_enabled", "Would you like to enable inventory skew? (Yes/No)", "No"))
    return cancelled();
  if (c.pmm.inventory_skew) {
    if (!ask_key(shell, c, "inventory_target_base_pct",
                 "What is your target base asset percentage? (Enter 50 to indicate 50%)", "50"))
      return cancelled();
    if (!ask_key(shell, c, "inventory_range_multiplier", "What is your inventory range multiplier?", "1"))
      return cancelled();
  }
  if (const std::string why = c.pmm.validate(); !why.empty()) {
    shell.say("Error: " + why + ". No config was created.");
    return;
  }
  std::string default_name;
  for (int n = 1;; ++n) {
    default_name = "conf_pure_mm_" + std::to_string(n) + ".yml";
    if (!std::filesystem::exists(shell.strategies_dir() / default_name)) break;
  }
  std::filesystem::path file;
  for (int attempt = 0;; ++attempt) {
    if (attempt == 3) return cancelled();
    auto name = ask(shell, "Enter a new file name for your configuration", default_name);
    if (!name) return cancelled();
    std::string n = *name;
    if (n.size() < 4 || n.substr(n.size() - 4) != ".yml") n += ".yml";
    if (n.find('/') != std::string::npos || n.find('\\') != std::string::npos || n[0] == '.') {
      shell.say("Error: a file name without a directory, e.g. " + default_name);
      continue;
    }
    file = shell.strategies_dir() / n;
    if (std::filesystem::exists(file)) {
      shell.say("Error: " + file.string() + " already exists; choose another name.");
      continue;
    }
    break;
  }
  save_strategy_config(c, file);
  shell.strategy = std::move(c);
  shell.strategy_file = file;
  shell.strategy_name = file.stem().string();
  shell.say("A new config file has been created: " + file.string());
  shell.say("Enter `start` to start market making.");
}

void cmd_import(ShellSession& shell, const std::vector<std::string>& args) {
  if (args.size() != 2) {
    shell.say("Error: which config? `import <name>` (in " + shell.strategies_dir().string() + ")");
    return;
  }
  if (shell.running) {
    shell.say("Error: a strategy is running; `stop` it before importing another config.");
    return;
  }
  std::filesystem::path file = args[1];
  if (!std::filesystem::exists(file) || file.parent_path().empty()) {
    std::string n = args[1];
    if (n.size() < 4 || n.substr(n.size() - 4) != ".yml") n += ".yml";
    file = shell.strategies_dir() / n;
  }
  StrategyConfig c;
  try {
    c = load_strategy_config(file);
  } catch (const ConfigError& e) {
    shell.say(std::string("Error: ") + e.what());
    return;
  }
  if (!c.ignored_keys.empty()) {
    std::string keys;
    for (const auto& k : c.ignored_keys) keys += (keys.empty() ? "" : ", ") + k;
    shell.say("Note: keys nectar does not use were ignored: " + keys + ".");
  }
  shell.strategy = std::move(c);
  shell.strategy_file = file;
  shell.strategy_name = file.stem().string();
  shell.say("Configuration from " + file.filename().string() + " file is imported.");
  if (!shell.connections.count(shell.strategy->exchange))
    shell.say(shell.strategy->exchange + " is not connected; `connect " + shell.strategy->exchange +
              "` before `start`.");
  else
    shell.say("Enter `start` to start market making.");
}

void cmd_config(ShellSession& shell, const std::vector<std::string>& args) {
  if (!shell.strategy) {
    shell.say("Error: no strategy config loaded; `import <name>` or `create` first.");
    return;
  }
  if (args.size() == 1) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& k : strategy_config_keys()) rows.push_back({k, config_value(*shell.strategy, k)});
    shell.print() << "  " << shell.strategy_file.string() << ":\n"
                  << table({"Key", "Value"}, rows) << std::flush;
    return;
  }
  if (args.size() == 2) {
    shell.say("  " + args[1] + ": " + config_value(*shell.strategy, args[1]));
    return;
  }
  if (shell.running) {
    shell.say("Error: the strategy is running; `stop` it before changing its config.");
    return;
  }
  std::string value = args[2];
  for (std::size_t i = 3; i < args.size(); ++i) value += " " + args[i];
  try {
    set_config_value(*shell.strategy, args[1], value, shell.strategy_file.string());
    save_strategy_config(*shell.strategy, shell.strategy_file);
  } catch (const ConfigError& e) {
    shell.say(std::string("Error: ") + e.what());
    return;
  }
  shell.say("New configuration saved: " + args[1] + ": " + config_value(*shell.strategy, args[1]));
}

}  // namespace nectar::client
