#include "nectar/client/headless.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "client/strategy_runner.hpp"
#include "client/terminal.hpp"
#include "nectar/client/connectors.hpp"
#include "nectar/client/strategy_config.hpp"
#include "nectar/connectors/bitget/bitget_exchange.hpp"
#include "nectar/connectors/registry.hpp"
#include "nectar/sim/bitget/simulator.hpp"

namespace nectar::client {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct Run {
  const HeadlessOptions& options;
  StrategyConfig config;
  std::string name;
  std::filesystem::path db;
  Connector* connector = nullptr;
  std::shared_ptr<spdlog::logger> log;
  bool stop = false;
  int rc = 0;

  void say(const std::string& line) {
    log->info("{}", line);
    if (options.out) *options.out << line << "\n" << std::flush;
  }
};

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::use_awaitable);
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
    runner.emplace(c, run.config, run.db);
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
      const OrderBook* b = c.order_book(run.config.pmm.pair);
      const auto mid = b ? b->mid_price() : std::nullopt;
      const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now - started).count();
      run.say("[" + std::to_string(secs) + "s] mid " + (mid ? mid->to_string() : std::string("-")) + " | " +
              runner->status_line());
      next_status = now + std::chrono::seconds(std::max(1, run.options.status_interval_s));
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
  run.say("Stopped: " + std::to_string(st.orders_placed) + " orders placed, " +
          std::to_string(st.orders_cancelled) + " cancelled, " + std::to_string(st.fills) +
          " fills; open orders left: " + std::to_string(left));
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
  try {
    config = load_strategy_config(options.config_file);
  } catch (const ConfigError& e) {
    say_err(std::string("Error: ") + e.what());
    return 2;
  }
  const std::string name = options.config_file.stem().string();

  // Logging: conf/logs/<config>.log, and stdout unless the caller reads `out`.
  std::shared_ptr<spdlog::logger> log;
  try {
    std::filesystem::create_directories(options.config_dir / "logs");
    std::vector<spdlog::sink_ptr> sinks;
    sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(
        (options.config_dir / "logs" / (name + ".log")).string()));
    if (!options.out) sinks.push_back(std::make_shared<spdlog::sinks::stdout_sink_mt>());
    log = std::make_shared<spdlog::logger>("nectar-run", sinks.begin(), sinks.end());
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
  if (!ConnectorRegistry::instance().find(cc.id)) {
    say_err("Error: " + options.config_file.string() + ": exchange: '" + cc.id +
            "' is not an exchange nectar knows.");
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

  // The embedded simulator (its own thread), when asked for.
  std::unique_ptr<asio::io_context> sim_io;
  std::unique_ptr<sim::bitget::BitgetSimulator> sim;
  std::thread sim_thread;
  if (cc.environment == Environment::kSimulator) {
    sim_io = std::make_unique<asio::io_context>();
    sim = std::make_unique<sim::bitget::BitgetSimulator>(*sim_io, sim::bitget::SimulatorOptions{});
    sim->start();
    sim_thread = std::thread([&sim_io] {
      auto guard = asio::make_work_guard(*sim_io);
      sim_io->run();
    });
    cc.endpoint_override = Endpoints{sim->rest_url(), sim->ws_public_url(), sim->ws_private_url()};
    const auto& k = sim->credentials();
    cc.credentials = {{"api_key", Secret(k.api_key)},
                      {"secret_key", Secret(k.secret_key)},
                      {"passphrase", Secret(k.passphrase)}};
    log->info("embedded Bitget simulator at {}", sim->rest_url());
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
  if (sim) {
    sim->stop();
    sim_io->stop();
    if (sim_thread.joinable()) sim_thread.join();
  }
  log->flush();
  return rc;
}

}  // namespace nectar::client
