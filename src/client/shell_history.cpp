#include "client/shell_history.hpp"

#include <filesystem>
#include <optional>
#include <set>
#include <utility>

#include "client/shell_session.hpp"
#include "client/strategy_runner.hpp"
#include "nectar/client/history.hpp"
#include "nectar/core/clock.hpp"
#include "nectar/storage/trade_store.hpp"

namespace nectar::client {

namespace {

/// The loaded config's fills from its journal: on the journal's writer thread while its strategy runs,
/// else from the file (none when there is no file yet); nullopt (after saying why) without a config.
std::optional<std::vector<storage::StoredFill>> load_fills(ShellSession& shell) {
  if (!shell.strategy) {
    shell.say("Error: no strategy config loaded; `import <name>` first.");
    return std::nullopt;
  }
  const std::string exchange = shell.strategy->exchange;
  if (shell.running && shell.running_exchange == exchange) {
    // Read on the journal's writer thread (after its queued writes), not on the event loop.
    auto fills = shell.on_io([&shell, &exchange] {
      return shell.runner->journal().read([exchange](storage::TradeStore& s) { return s.fills(exchange); });
    });
    return fills.get();
  }
  if (!std::filesystem::exists(shell.db_path())) return std::vector<storage::StoredFill>{};
  storage::TradeStore store(shell.db_path().string());
  return store.fills(exchange);
}

}  // namespace

void cmd_history(ShellSession& shell, const std::vector<std::string>& args) {
  HistoryOptions ho;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "-v" || args[i] == "--verbose") {
      ho.verbose = true;
    } else if ((args[i] == "-d" || args[i] == "--days") && i + 1 < args.size()) {
      const auto days = Decimal::try_parse(args[++i]);
      if (!days || !days->is_positive() || *days > Decimal::from_int(36500)) {
        shell.say("Error: -d needs a positive number of days, e.g. -d 1 or -d 0.25.");
        return;
      }
      const int64_t span_ms = days->mul(Decimal::from_int(86400000)).steps_of(Decimal::one());
      ho.since_ms = wall_clock_ms() - span_ms;
    } else {
      shell.say("Error: usage: history [-d DAYS] [-v]");
      return;
    }
  }
  auto fills = load_fills(shell);
  if (!fills) return;
  // Unrealized P&L needs a live mid: once for each connected market the fills touch.
  std::set<std::pair<std::string, TradingPair>> markets;
  for (const auto& f : *fills) markets.emplace(f.connector, f.pair);
  for (const auto& [id, pair] : markets) {
    auto it = shell.connections.find(id);
    if (it == shell.connections.end()) continue;
    Connector* c = it->second.connector.get();
    auto mid = shell.on_io([c, pair = pair]() -> std::optional<Decimal> {
      const OrderBook* b = c->order_book(pair);
      return b ? b->mid_price() : std::nullopt;
    });
    if (mid) ho.mids[id + " " + pair.str()] = *mid;
  }
  shell.print() << format_history(*fills, shell.strategy_name, ho) << std::flush;
}

void cmd_export(ShellSession& shell, const std::vector<std::string>& args) {
  if (args.size() > 2 || (args.size() == 2 && args[1] != "trades")) {
    shell.say("Error: usage: export [trades]");
    return;
  }
  auto fills = load_fills(shell);
  if (!fills) return;
  const auto file = shell.data_dir() / (shell.strategy_name + "_trades.csv");
  write_trades_csv(*fills, file);
  shell.say("Exported " + std::to_string(fills->size()) + " trade(s) to " + file.string());
}

}  // namespace nectar::client
