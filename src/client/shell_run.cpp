#include "client/shell_run.hpp"

#include <thread>

#include <spdlog/spdlog.h>

#include "client/shell_connect.hpp"
#include "client/shell_io.hpp"
#include "client/shell_live_view.hpp"
#include "client/shell_session.hpp"
#include "client/strategy_runner.hpp"
#include "client/text.hpp"
#include "nectar/client/status_view.hpp"

namespace nectar::client {

using namespace std::chrono_literals;

namespace {

/// What a connector still waits for, e.g. "order books, balances"; empty when it is ready.
std::string describe_missing(const ConnectorStatus& s, bool has_pairs) {
  std::string out;
  auto add = [&](bool ok, const std::string& what) {
    if (!ok) out += (out.empty() ? "" : ", ") + what;
  };
  add(s.trading_rules, "trading rules");
  if (has_pairs) add(s.order_books, "order books");
  add(s.balances, "balances");
  add(s.user_stream, "user stream");
  add(s.orders_reconciled, "reconciliation of restored orders");
  return out;
}

/// Ticks the running strategy every tick_interval until `ticking` is cleared.
void schedule_tick(ShellSession& shell) {  // io thread
  shell.io->tick_timer.expires_after(shell.options.tick_interval);
  shell.io->tick_timer.async_wait([&shell](const boost::system::error_code& ec) {
    if (ec || !shell.ticking || !shell.runner) return;
    try {
      shell.runner->tick();
    } catch (const std::exception& e) {
      spdlog::error("strategy tick: {}", e.what());
    }
    schedule_tick(shell);
  });
}

std::string strategy_title(const ShellSession& shell) {
  return "'" + shell.strategy_name + "' (pure_market_making on " + shell.strategy->exchange + " " +
         shell.strategy->pmm.pair.str() + ")";
}

/// The running strategy's status block (market, balances, positions, orders, P&L).
std::string strategy_status_text(ShellSession& shell) {
  return shell.on_io([&shell] { return render_status(shell.runner->status_snapshot()); });
}

/// The strategy part of `status`: not running, or its status block.
void status_strategy(ShellSession& shell) {
  if (!shell.strategy) return;
  if (!shell.running) {
    shell.say("Strategy " + strategy_title(shell) + ": not running; `start` to run it.");
    return;
  }
  shell.say("Strategy " + strategy_title(shell) + ": running");
  shell.print() << strategy_status_text(shell) << std::flush;
}

/// `status --live`: the strategy's status view, redrawn.
void status_live(ShellSession& shell, int seconds) {
  if (!shell.running) {
    shell.say(shell.strategy ? "Strategy " + strategy_title(shell) + ": not running; `start` to run it."
                             : "No strategy is running; `import` a config and `start` it first.");
    return;
  }
  live_view(shell, "Strategy " + strategy_title(shell) + ": running", seconds, [&shell] {
    return shell.running ? strategy_status_text(shell) : std::string("  (the strategy stopped)\n");
  });
}

}  // namespace

void cmd_start(ShellSession& shell, const std::vector<std::string>& args) {
  if (args.size() > 1) {
    shell.say("Error: `start` takes no arguments; `import <name>` chooses the config.");
    return;
  }
  if (shell.running) {
    shell.say("The strategy is already running; `stop` it first.");
    return;
  }
  if (!shell.strategy) {
    shell.say("Error: no strategy config loaded; `import <name>` or `create` first.");
    return;
  }
  auto it = shell.connections.find(shell.strategy->exchange);
  if (it == shell.connections.end()) {
    shell.say("Error: " + shell.strategy->exchange + " is not connected; use `connect " +
              shell.strategy->exchange + "` first.");
    return;
  }
  Connection& s = it->second;
  if (!ensure_pair(shell, s, shell.strategy->pmm.pair)) return;
  Connector* c = s.connector.get();
  StrategyConfig config = *shell.strategy;
  if (const auto limits = load_balance_limits(shell.balance_limits_file()); limits.count(config.exchange))
    config.pmm.balance_limits = limits.at(config.exchange);
  const std::filesystem::path db = shell.db_path();
  std::size_t restored = 0;
  std::string error;
  shell.on_io([&] {
    try {
      shell.runner = std::make_unique<StrategyRunner>(*c, config, db);
      restored = shell.runner->restored_count();
      shell.ticking = true;
      shell.runner->tick();
      schedule_tick(shell);
    } catch (const std::exception& e) {
      error = e.what();
      shell.runner.reset();
    }
    return 0;
  });
  if (!error.empty()) {
    shell.say("Error: the strategy could not start: " + error);
    return;
  }
  shell.running = true;
  shell.running_exchange = shell.strategy->exchange;
  if (restored > 0)
    shell.say("Restored " + std::to_string(restored) +
              " open order(s) of a previous run from the journal; they are tracked again and cancelled by "
              "`stop`.");
  shell.say("Strategy '" + shell.strategy_name + "' started successfully: pure market making on " +
            shell.strategy->exchange + " " + shell.strategy->pmm.pair.str() +
            ". Orders and fills are journaled in " + db.string() + ".");
}

void stop_strategy(ShellSession& shell) {
  if (!shell.running) return;
  shell.say("Winding down: cancelling the strategy's orders...");
  shell.on_io([&shell] {
    shell.ticking = false;
    shell.io->tick_timer.cancel();
    shell.runner->cancel_all();
    return 0;
  });
  const auto deadline = std::chrono::steady_clock::now() + shell.options.stop_timeout;
  std::size_t left = 0;
  for (int round = 0;; ++round) {
    left = shell.on_io([&shell] { return shell.runner->active_order_ids().size(); });
    if (left == 0 || std::chrono::steady_clock::now() >= deadline) break;
    if (round > 0 && round % 30 == 0)
      shell.on_io([&shell] {  // every ~3 s: ask again
        shell.runner->cancel_all();
        return 0;
      });
    std::this_thread::sleep_for(100ms);
  }
  const std::string summary = shell.on_io([&shell] {
    const auto& st = shell.runner->strategy().stats();
    return std::to_string(st.orders_placed) + " order(s) placed, " + std::to_string(st.fills) +
           " fill(s) in this run";
  });
  shell.on_io([&shell] {
    shell.runner.reset();
    return 0;
  });
  shell.running = false;
  if (left > 0)
    shell.say("Warning: " + std::to_string(left) +
              " order(s) not confirmed cancelled yet; they stay in the journal and are restored at the next "
              "`start`.");
  else
    shell.say("All the strategy's orders are cancelled.");
  shell.say("Strategy '" + shell.strategy_name + "' stopped (" + summary + ").");
}

void leave_orders_open(ShellSession& shell) {
  const std::size_t left = shell.on_io([&shell] {
    shell.ticking = false;
    shell.io->tick_timer.cancel();
    const std::size_t n = shell.runner->active_order_ids().size();
    shell.runner.reset();
    return n;
  });
  shell.running = false;
  shell.say(
      "Strategy '" + shell.strategy_name + "' stopped; " + std::to_string(left) +
      " order(s) left open on the exchange as asked. They stay in the journal and are restored by the next "
      "`start`.");
}

void stop_strategy_if_running(ShellSession& shell) {
  if (shell.running) stop_strategy(shell);
}

void cmd_stop(ShellSession& shell) {
  if (!shell.running) {
    shell.say("No strategy is running.");
    return;
  }
  stop_strategy(shell);
}

void drop_strategy(ShellSession& shell) {
  if (shell.running) {  // dropped without cancelling: like a kill (the journal restores its orders next time)
    shell.on_io([&shell] {
      shell.ticking = false;
      shell.io->tick_timer.cancel();
      shell.runner.reset();
      return 0;
    });
    shell.running = false;
  }
}

void cmd_status(ShellSession& shell, const std::vector<std::string>& args) {
  bool live = false;
  int seconds = shell.terminal ? 0 : 10;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--live") {
      live = true;
    } else if (args[i] == "--seconds" && i + 1 < args.size()) {
      const auto n = parse_seconds(shell, args[++i]);
      if (!n) return;
      seconds = *n;
    } else {
      shell.say("Error: usage: status [--live [--seconds N]]");
      return;
    }
  }
  if (live) return status_live(shell, seconds);
  std::vector<std::vector<std::string>> rows;
  for (auto& [id, s] : shell.connections) {
    Connector* c = s.connector.get();
    const bool has_pairs = !s.config.trading_pairs.empty();
    const auto st = shell.on_io([c] { return c->status(); });
    const std::string missing = describe_missing(st, has_pairs);
    rows.push_back({id, std::string(to_string(s.config.environment)),
                    missing.empty() ? "ready" : "waiting for " + missing});
  }
  for (const auto& id : shell.vault->connectors()) {
    if (!shell.connections.count(id) && ConnectorRegistry::instance().find(id))
      rows.push_back({id, "-", "keys saved, not connected (use `connect " + id + "`)"});
  }
  if (rows.empty())
    shell.say(
        "No exchange connected. Use `connect` to list the exchanges and `connect <exchange>` to add keys.");
  else
    shell.print() << table({"Exchange", "Environment", "Status"}, rows) << std::flush;
  status_strategy(shell);
}

}  // namespace nectar::client
