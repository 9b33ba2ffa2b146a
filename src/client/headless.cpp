#include "nectar/client/headless.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <thread>

#include "client/embedded_simulator.hpp"
#include "client/strategy_runner.hpp"
#include "client/terminal.hpp"
#include "nectar/client/connectors.hpp"
#include "nectar/client/status_view.hpp"
#include "nectar/client/strategy_config.hpp"
#include "nectar/connectors/registry.hpp"
#include "nectar/core/clock.hpp"
#include "nectar/sim/exchange_simulator.hpp"
#include "nectar/storage/journal_lock.hpp"
#include "nectar/storage/trade_store.hpp"

namespace nectar::client {

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::optional<SimBanner> parse_sim_banner(std::string_view json_line, std::string_view connector_id) {
  const auto parsed = sim::SimulatorBanner::parse(json_line);
  if (!parsed) return std::nullopt;
  auto endpoints = banner_endpoints(*parsed, connector_id);
  if (!endpoints) return std::nullopt;
  SimBanner banner;
  banner.exchange = parsed->exchange;
  banner.endpoints = std::move(*endpoints);
  for (const auto& [name, value] : parsed->credentials) banner.credentials.emplace(name, Secret(value));
  return banner;
}

std::string sim_command_for(std::string_view connector_id) {
  register_all_connectors();
  const auto* info = sim::SimulatorRegistry::instance().find_for_connector(connector_id);
  return "`nectar sim " + (info ? info->exchange : std::string("<exchange>")) + "`";
}

namespace {

struct Run {
  const HeadlessOptions& options;
  StrategyConfig config;
  std::string name;
  std::filesystem::path db;
  Connector* connector = nullptr;
  std::shared_ptr<spdlog::logger> log;
  std::ostream* out = nullptr;  ///< status and messages (besides the log)
  bool live = false;            ///< redraw a status block in place (out is a terminal)
  bool embedded_sim = false;    ///< the exchange is a simulator this process started (new every run)
  int block_lines = 0;          ///< lines of the block last drawn, right above the cursor (0: none)
  std::optional<storage::JournalLock>
      lock;  ///< taken before anything touches the journal; the runner keeps it
  bool stop = false;
  int rc = 0;

  void say(const std::string& line) {
    log->info("{}", line);
    if (out) *out << line << "\n" << std::flush;
    block_lines = 0;  // the next block goes below this line instead of over it
  }
};

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::use_awaitable);
}

std::string fixed_or_dash(const std::optional<Decimal>& d, int decimals) {
  return d ? d->to_string_fixed(decimals) : std::string("-");
}

/// One status line: `[  12s] mid 65000.25 | orders[...] fills ... (pnl ...) | BTC 1 USDT 10000`.
std::string status_line(const Run& run, const StrategyRunner& runner, int64_t secs) {
  const Connector& c = *run.connector;
  const TradingPair& pair = run.config.pmm.pair;
  const OrderBook* b = c.order_book(pair);
  const auto mid = b ? b->mid_price() : std::nullopt;
  return fmt::format("[{:4}s] mid {} | {} | {} {} {} {}", secs, fixed_or_dash(mid, 2), runner.status_line(),
                     pair.base, c.balance(pair.base).to_string(), pair.quote,
                     c.balance(pair.quote).to_string());
}

/// Columns of the terminal on stdout (80 when unknown).
std::size_t terminal_columns() {
  winsize ws{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

/// The live view: a title line, then the shared status block (client/status_view.hpp: market, balances,
/// active orders, P&L from the journal's fills), each line cut to the terminal's width so that the block
/// takes exactly one screen row per line and can be redrawn in place.
std::vector<std::string> status_block(Run& run, StrategyRunner& runner, int64_t secs) {
  const Connector& c = *run.connector;
  const StatusSnapshot snap = runner.status_snapshot();
  std::vector<std::string> lines;
  lines.push_back(fmt::format("Strategy '{}': pure market making on {} {}, {}s, {}", run.name, c.name(),
                              run.config.pmm.pair.str(), secs, c.ready() ? "ready" : "connecting..."));
  std::istringstream text(render_status(snap));
  for (std::string l; std::getline(text, l);) lines.push_back(std::move(l));
  const std::size_t width = terminal_columns() > 1 ? terminal_columns() - 1 : 1;
  for (auto& l : lines)
    if (l.size() > width) l.resize(width);
  return lines;
}

void show_status(Run& run, StrategyRunner& runner, int64_t secs) {
  if (!run.live) {
    run.say(status_line(run, runner, secs));
    return;
  }
  run.log->info("{}", status_line(run, runner, secs));
  const auto lines = status_block(run, runner, secs);
  std::ostream& os = *run.out;
  // Back to the first line of the previous block (ESC[nF), then clear to the end of the screen (ESC[J).
  if (run.block_lines > 0) os << "\x1b[" << run.block_lines << "F\x1b[J";
  for (const auto& l : lines) os << l << "\n";
  os << std::flush;
  run.block_lines = static_cast<int>(lines.size());
}

/// Orders a previous run left open on its own embedded simulator cannot be anywhere any more: that exchange
/// ended with the process. Restoring them would ask a brand-new simulator about them (whose order ids, from
/// the same seed, can even coincide), so the journal closes them as FAILED, with the reason, instead.
std::size_t close_orders_of_a_gone_simulator(const std::filesystem::path& db, const std::string& connector) {
  if (!std::filesystem::exists(db)) return 0;
  storage::TradeStore store(db.string());
  const int64_t now = wall_clock_ms();
  auto orders = store.load_active_orders(connector);
  for (auto& o : orders) {
    o.restore(OrderState::kFailed, o.exchange_order_id(), now);
    store.save_order(connector, o);
    store.record_status(connector, o.client_order_id(), OrderState::kFailed, now,
                        "placed on the embedded simulator of an earlier run, which no longer exists");
  }
  return orders.size();
}

asio::awaitable<void> drive(Run& run) {
  Connector& c = *run.connector;
  std::string error;
  try {
    co_await c.check_credentials();
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!error.empty()) {
    run.say("Error: " + c.name() + ": " + error);
    run.rc = 2;
    co_return;
  }
  c.start();
  std::optional<StrategyRunner> runner;
  try {
    if (run.embedded_sim) {
      if (const auto n = close_orders_of_a_gone_simulator(run.db, c.name()); n > 0)
        run.say(
            "The journal had " + std::to_string(n) +
            " open order(s) of an earlier run on an embedded simulator, which ended with that run: closed "
            "as FAILED, not restored.");
    }
    runner.emplace(c, run.config, run.db, std::move(run.lock));
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!error.empty()) {
    run.say("Error: the strategy could not start: " + error);
    run.rc = 1;
    co_await c.stop();
    co_return;
  }
  if (runner->restored_count() > 0)
    run.say("Restored " + std::to_string(runner->restored_count()) +
            " open order(s) of a previous run from the journal " + run.db.string());
  run.say("Strategy '" + run.name + "' started: pure market making on " + run.config.exchange + " " +
          run.config.pmm.pair.str() + "; journal " + run.db.string() + ". Ctrl-C (SIGINT/SIGTERM) stops it.");
  const auto started = std::chrono::steady_clock::now();
  auto next_status = started;
  bool was_ready = false;
  while (!run.stop) {
    const auto now = std::chrono::steady_clock::now();
    if (run.options.duration_s > 0 && now - started >= std::chrono::seconds(run.options.duration_s)) break;
    if (!was_ready && c.ready()) {
      was_ready = true;
      run.say(c.name() + " is ready.");
    }
    if (!was_ready && now - started > run.options.ready_timeout) {
      run.say("Error: " + c.name() + " not ready after " +
              std::to_string(run.options.ready_timeout.count() / 1000) + " s.");
      run.rc = 1;
      break;
    }
    try {
      runner->tick();
    } catch (const std::exception& e) {
      run.log->error("strategy tick: {}", e.what());
    }
    if (now >= next_status) {
      show_status(run, *runner, std::chrono::duration_cast<std::chrono::seconds>(now - started).count());
      // The live view redraws every second; status lines come every status_interval_s.
      next_status = now + std::chrono::seconds(run.live ? 1 : std::max(1, run.options.status_interval_s));
    }
    co_await pause(run.options.tick_interval);
  }
  run.say("Stopping: cancelling the strategy's orders...");
  runner->cancel_all();
  for (int i = 0; i < 150 && !runner->active_order_ids().empty(); ++i) {
    if (i > 0 && i % 30 == 0) runner->cancel_all();
    co_await pause(100ms);
  }
  const std::size_t left = runner->active_order_ids().size();
  const auto& st = runner->strategy().stats();
  const TradingPair& pair = run.config.pmm.pair;
  run.say(fmt::format(
      "Stopped: {} orders placed, {} cancelled, {} fills (bought {}, sold {} {}); portfolio {} -> "
      "{} {}; open orders left: {}",
      st.orders_placed, st.orders_cancelled, st.fills, st.base_bought.to_string(), st.base_sold.to_string(),
      pair.base, st.start_value.to_string_fixed(2), st.value.to_string_fixed(2), pair.quote, left));
  if (left > 0) {
    run.say("Warning: " + std::to_string(left) +
            " order(s) not confirmed cancelled; they stay in the journal and are restored at the next run.");
    if (run.rc == 0) run.rc = 1;
  }
  runner.reset();
  co_await c.stop();
}

std::optional<std::string> password(const HeadlessOptions& o) {
  if (o.read_password) return o.read_password("Enter your password >>> ");
  if (const char* p = std::getenv("NECTAR_PASSWORD")) return std::string(p);
  return read_hidden_from_terminal("Enter your password >>> ");
}

}  // namespace

int run_headless(const HeadlessOptions& options) {
  auto say_err = [&](const std::string& line) {
    (options.out ? *options.out : std::cerr) << line << "\n" << std::flush;
  };
  StrategyConfig config;
  std::string name;
  if (options.config) {
    config = *options.config;
    name = options.config_name.empty() ? std::string("strategy") : options.config_name;
  } else {
    try {
      config = load_strategy_config(options.config_file);
    } catch (const ConfigError& e) {
      say_err(std::string("Error: ") + e.what());
      return 2;
    }
    name = options.config_file.stem().string();
  }
  const std::string source = options.config ? name : options.config_file.string();
  try {
    const auto limits = load_balance_limits(options.config_dir / "balance_limits.yml");
    if (auto it = limits.find(config.exchange); it != limits.end()) config.pmm.balance_limits = it->second;
  } catch (const ConfigError& e) {
    say_err(std::string("Error: ") + e.what());
    return 2;
  }

  // The live view needs the terminal to itself: status to stdout, logs to the file only.
  const bool live = options.live_view && (options.out == nullptr || options.out == &std::cout) &&
                    isatty(STDOUT_FILENO) != 0;
  std::ostream* out = live ? &std::cout : options.out;

  // Logging: conf/logs/<config>.log, and stdout unless the caller reads `out`.
  std::shared_ptr<spdlog::logger> log;
  try {
    std::filesystem::create_directories(options.config_dir / "logs");
    std::vector<spdlog::sink_ptr> sinks;
    sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(
        (options.config_dir / "logs" / (name + ".log")).string()));
    if (!out) sinks.push_back(std::make_shared<spdlog::sinks::stdout_sink_mt>());
    log = std::make_shared<spdlog::logger>("nectar-run", sinks.begin(), sinks.end());
    log->flush_on(spdlog::level::info);  // a killed run's log is complete up to its last line
  } catch (const std::exception& e) {
    say_err(std::string("Error: cannot open the log file in ") + (options.config_dir / "logs").string() +
            ": " + e.what());
    return 1;
  }
  auto previous_logger = spdlog::default_logger();
  spdlog::set_default_logger(log);
  struct RestoreLogger {
    std::shared_ptr<spdlog::logger> previous;
    ~RestoreLogger() { spdlog::set_default_logger(previous); }
  } restore_logger{previous_logger};

  register_all_connectors();
  ConnectorConfig cc;
  cc.id = config.exchange;
  cc.trading_pairs = {config.pmm.pair};
  const ConnectorInfo* info = ConnectorRegistry::instance().find(cc.id);
  if (!info) {
    say_err("Error: " + source + ": exchange: '" + cc.id + "' is not an exchange nectar knows.");
    return 2;
  }
  std::optional<Environment> env;
  if (!options.environment.empty()) {
    env = parse_environment(options.environment);
    if (!env) {
      say_err("Error: unknown environment '" + options.environment + "' (production, demo, simulator).");
      return 2;
    }
  }
  std::optional<SimBanner> banner;
  if (!options.sim_banner.empty()) {
    if (env && *env != Environment::kSimulator) {
      say_err("Error: --sim-banner describes a simulator; it cannot be used with --env " +
              options.environment + ".");
      return 2;
    }
    banner = parse_sim_banner(options.sim_banner, cc.id);
    if (!banner) {
      say_err("Error: --sim-banner is not the JSON line printed by " + sim_command_for(cc.id) + ".");
      return 2;
    }
    env = Environment::kSimulator;
  }
  if (env != Environment::kSimulator) {
    const auto dir = options.config_dir / "secrets";
    if (!security::Vault::exists(dir)) {
      say_err("Error: no vault in " + dir.string() + "; add keys with `nectar` then `connect " + cc.id +
              "`, or use --env simulator.");
      return 2;
    }
    auto text = password(options);
    if (!text) {
      say_err("Error: no password given.");
      return 2;
    }
    std::optional<security::Vault> vault;
    try {
      Secret pw(*text);
      security::secure_wipe(*text);
      vault.emplace(security::Vault::open(dir, pw));
    } catch (const std::exception& e) {
      say_err(std::string("Error: ") + e.what());
      return 2;
    }
    auto creds = vault->load(cc.id);
    if (!creds) {
      say_err("Error: no keys saved for " + cc.id + "; `connect " + cc.id + "` in the shell first.");
      return 2;
    }
    Environment saved = Environment::kProduction;
    if (auto it = creds->find("environment"); it != creds->end()) {
      saved = parse_environment(it->second.reveal()).value_or(Environment::kProduction);
      creds->erase(it);
    }
    if (!env) env = saved;
    cc.credentials = std::move(*creds);
  }
  cc.environment = *env;

  // One run per journal: a second process on the same journal would restore (and at its stop cancel) the
  // first one's orders. The lock goes with the process, also when it is killed.
  std::optional<storage::JournalLock> journal_lock;
  try {
    journal_lock.emplace(options.config_dir / "data" / (name + ".sqlite"));
  } catch (const storage::JournalBusyError& e) {
    say_err(std::string("Error: ") + e.what() + ".");
    return 2;
  } catch (const storage::StorageError& e) {
    say_err(std::string("Error: ") + e.what());
    return 1;
  }

  // The simulator: the external one of the banner, else an embedded one (its own thread).
  std::unique_ptr<EmbeddedSimulator> sim;
  if (banner) {
    cc.endpoint_override = banner->endpoints;
    for (const auto& spec : info->credentials) {
      auto it = banner->credentials.find(spec.name);
      if (it == banner->credentials.end()) {
        say_err("Error: --sim-banner has no '" + spec.name + "' for " + cc.id + ".");
        return 2;
      }
      cc.credentials[spec.name] = it->second;
    }
    if (out) *out << "Simulator at " << banner->endpoints.rest << " (from --sim-banner)\n" << std::flush;
    log->info("external simulator at {}", banner->endpoints.rest);
  } else if (cc.environment == Environment::kSimulator) {
    sim::SimulatorOptions so;
    so.seed = options.sim_seed;
    try {
      sim = std::make_unique<EmbeddedSimulator>(cc.id, so);
    } catch (const std::invalid_argument& e) {
      say_err(std::string("Error: ") + e.what() + ".");
      return 2;
    }
    cc.endpoint_override = sim->endpoints(cc.id);
    cc.credentials = sim->credentials();
    const std::string& name = sim->info().display_name;
    if (out)
      *out << "Embedded " << name << " simulator at " << sim->rest_url() << " (seed " << options.sim_seed
           << ")\n"
           << std::flush;
    log->info("embedded {} simulator at {} (seed {})", name, sim->rest_url(), options.sim_seed);
  }

  int rc = 0;
  {
    asio::io_context io;
    std::unique_ptr<Connector> connector;
    try {
      connector = ConnectorRegistry::instance().create(io.get_executor(), cc);
    } catch (const std::exception& e) {
      say_err(std::string("Error: ") + e.what());
      rc = 2;
    }
    if (connector) {
      Run run{options, config, name, options.config_dir / "data" / (name + ".sqlite"), connector.get(), log};
      run.out = out;
      run.live = live;
      run.embedded_sim = sim != nullptr;
      run.lock = std::move(journal_lock);
      asio::signal_set signals(io, SIGINT, SIGTERM);
      signals.async_wait([&run](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        run.log->info("signal {}: stopping", sig);
        run.stop = true;
      });
      asio::co_spawn(io, drive(run), [&](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            run.say(std::string("Error: ") + ex.what());
          }
          run.rc = 1;
        }
        signals.cancel();
        io.stop();
      });
      io.run();
      connector.reset();
      rc = run.rc;
    }
  }
  sim.reset();  // stops it and joins its thread
  log->flush();
  return rc;
}

}  // namespace nectar::client
