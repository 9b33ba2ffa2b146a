// nectar: command-line entry point.
//   nectar demo [--exchange ID] [--duration S] [--seed N]  `run` of a built-in pure market making config on
//                                           an embedded exchange simulator, with a live status view
//   nectar sim <exchange> [--port N] [--seed S]  a local exchange simulator on 127.0.0.1
//   nectar probe <connector> [...]           connect a connector, show book/balances, try one order
//   nectar [shell] [--conf DIR]              the interactive client (connect, balance, order_book, ...)
//   nectar run --config FILE [--headless]    run a strategy config without the shell (until SIGINT/SIGTERM);
//     [--env simulator [--sim-banner JSON]]  with --env simulator on an embedded simulator, or with
//                                           --sim-banner on a running `nectar sim <exchange>`
// Exchanges, connectors and simulators come from the registries (src/exchanges.cpp.in).
#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/system/system_error.hpp>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <filesystem>

#include "demo.hpp"
#include "nectar/client/connectors.hpp"
#include "nectar/client/headless.hpp"
#include "nectar/client/shell.hpp"
#include "nectar/connectors/registry.hpp"
#include "nectar/sim/exchange_simulator.hpp"
#include "probe.hpp"

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

// `nectar sim <exchange>`: a local exchange simulator on 127.0.0.1 until killed. The first stdout line is
// JSON with the URLs and the funded test account's keys (sim::SimulatorBanner).
int run_sim(const std::string& exchange, uint16_t port, uint64_t seed) {
  const auto& registry = nectar::sim::SimulatorRegistry::instance();
  const auto* info = registry.find(exchange);
  if (!info) {
    std::fprintf(stderr, "nectar sim: no simulator for '%s' yet (available: %s)\n", exchange.c_str(),
                 joined(registry.exchanges()).c_str());
    return 2;
  }
  boost::asio::io_context io;
  nectar::sim::SimulatorOptions options;
  options.port = port;
  options.seed = seed;
  auto sim = info->factory(io, options);
  try {
    sim->start();
  } catch (const boost::system::system_error& e) {
    std::fprintf(stderr, "nectar sim: cannot listen on 127.0.0.1:%u: %s\n", static_cast<unsigned>(port),
                 e.code().message().c_str());
    return 1;
  }
  std::printf("%s\n", sim->banner().to_json().c_str());
  std::fflush(stdout);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    sim->stop();
    io.stop();
  });
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  nectar::client::register_all_connectors();
  const auto simulators = nectar::sim::SimulatorRegistry::instance().exchanges();
  const std::string simulator_list = joined(simulators);
  const std::string connector_list = joined(nectar::ConnectorRegistry::instance().ids());
  CLI::App app{"nectar: an algorithmic trading engine"};
  app.require_subcommand(0, 1);  // `nectar` alone opens the interactive shell
  std::string conf_dir = "conf";
  app.add_option("--conf", conf_dir,
                 "Configuration directory (encrypted keys in <conf>/secrets, logs in <conf>/logs); before or "
                 "after the subcommand: nectar --conf DIR run ... or nectar run ... --conf DIR");
  app.fallthrough();  // subcommands made below inherit it: --conf may follow the subcommand
  auto* shell_cmd =
      app.add_subcommand("shell", "Interactive client: connect, balance, order_book, ticker, status");
  int duration = 0;
  uint64_t seed = 42;
  std::string demo_exchange;
  auto* demo = app.add_subcommand(
      "demo", "Run the main job: a pure market making bot on an embedded exchange simulator");
  demo->add_option("--exchange", demo_exchange,
                   "Spot connector to trade on (default: the first simulator's, " +
                       nectar::app::default_demo_exchange() + ")");
  demo->add_option("--duration", duration, "Stop after this many seconds (0 = until Ctrl-C)");
  demo->add_option("--seed", seed, "Seed of the market activity");
  auto* sim = app.add_subcommand("sim", "Run a local exchange simulator (" + simulator_list +
                                            "): nectar sim <exchange> [--port N] [--seed S]");
  std::string exchange;
  int port = 0;
  sim->add_option("exchange", exchange, "Exchange to simulate (" + simulator_list + ")")->required();
  sim->add_option("--port", port, "TCP port on 127.0.0.1 (0 picks a free one)")->check(CLI::Range(0, 65535));
  sim->add_option("--seed", seed, "Seed of the market activity");
  nectar::app::ProbeOptions probe;
  auto* probe_cmd = app.add_subcommand(
      "probe", "Connect one connector, show its rules, book and balances, and optionally place one order");
  probe_cmd->add_option("connector", probe.connector, "Connector id (" + connector_list + ")")->required();
  probe_cmd->add_option("--env", probe.environment, "production | demo | simulator");
  probe_cmd->add_option("--sim-banner", probe.sim_banner,
                        "The JSON line printed by `nectar sim <exchange>` (URLs and test keys)");
  probe_cmd->add_option("--rest", probe.rest, "REST base URL (overrides the environment)");
  probe_cmd->add_option("--ws-public", probe.ws_public, "Public WebSocket URL");
  probe_cmd->add_option("--ws-private", probe.ws_private, "Private WebSocket URL");
  probe_cmd->add_option("--pair", probe.pair, "Trading pair, e.g. BTC-USDT");
  probe_cmd->add_option("--side", probe.side, "Place one order: buy | sell")
      ->check(CLI::IsMember({"buy", "sell"}));
  probe_cmd->add_option("--amount", probe.amount, "Order amount in base units");
  probe_cmd->add_option("--price", probe.price, "Limit price (not for market orders)");
  probe_cmd->add_option("--type", probe.type, "limit | limit_maker | market")
      ->check(CLI::IsMember({"limit", "limit_maker", "market"}));
  probe_cmd->add_option("--action", probe.action, "Perpetuals: open | close")
      ->check(CLI::IsMember({"open", "close"}));
  probe_cmd->add_option("--cancel-after", probe.cancel_after_s,
                        "Cancel a still-open order after S seconds (negative: leave it open)");
  probe_cmd->add_option("--timeout", probe.timeout_s, "Give up after S seconds");
  nectar::client::HeadlessOptions run_options;
  std::string run_config;
  bool run_headless_flag = false;
  auto* run_cmd = app.add_subcommand(
      "run",
      "Run a strategy config without the shell: nectar run --config FILE [--headless] [--env simulator]");
  run_cmd
      ->add_option("--config", run_config, "Strategy config file (e.g. conf/strategies/conf_pure_mm_1.yml)")
      ->required();
  run_cmd->add_flag("--headless", run_headless_flag,
                    "No shell (the only mode of `run`; accepted for clarity)");
  run_cmd->add_option("--env", run_options.environment,
                      "production | demo | simulator (embedded simulator with its test keys); default: the "
                      "environment saved with the keys");
  run_cmd->add_option(
      "--sim-banner", run_options.sim_banner,
      "Trade on a running `nectar sim <exchange>`: the JSON line it printed (URLs and test keys); "
      "implies --env simulator");
  run_cmd->add_option("--status-interval", run_options.status_interval_s, "A status line every N seconds");
  run_cmd->add_flag("--live", run_options.live_view,
                    "On a terminal: a status block (market, balances, orders, P&L) redrawn every second");
  run_cmd->add_option("--duration", run_options.duration_s,
                      "Stop after this many seconds (0 = until Ctrl-C)");
  CLI11_PARSE(app, argc, argv);
  // Every failure is reported in words with a non-zero exit, never as `terminate called`.
  try {
    if (run_cmd->parsed()) {
      run_options.config_file = run_config;
      run_options.config_dir = conf_dir;
      return nectar::client::run_headless(run_options);
    }
    if (probe_cmd->parsed()) return nectar::app::run_probe(probe);
    if (demo->parsed()) return nectar::app::run_demo(demo_exchange, duration, seed, conf_dir);
    if (sim->parsed()) return run_sim(exchange, static_cast<uint16_t>(port), seed);
    if (shell_cmd->parsed() || app.get_subcommands().empty()) {
      // Connector warnings go to a log file, not over the prompt.
      try {
        std::filesystem::create_directories(conf_dir + "/logs");
        spdlog::set_default_logger(spdlog::basic_logger_mt("nectar", conf_dir + "/logs/nectar.log"));
        // The log of a crashed or killed run is the one that matters: every line at info and above is on
        // disk when it is written, debug lines within a second.
        spdlog::flush_on(spdlog::level::info);
        spdlog::flush_every(std::chrono::seconds(1));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "nectar: cannot open the log file in %s/logs: %s\n", conf_dir.c_str(), e.what());
      }
      nectar::client::ShellOptions o;
      o.config_dir = conf_dir;
      return nectar::client::run_shell(o);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nectar: %s\n", e.what());
    return 1;
  }
  return 0;
}
