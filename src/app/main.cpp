// nectar: command-line entry point.
//   nectar demo [--duration S] [--seed N]   simulator core + a smoke client quoting around the mid
//   nectar sim bitget [--port N] [--seed S]  local Bitget V2 exchange on 127.0.0.1
//   nectar probe bitget [...]                connect a connector, show book/balances, try one order
#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "nectar/sim/activity.hpp"
#include "nectar/sim/bitget/simulator.hpp"
#include "nectar/sim/matching_engine.hpp"
#include "probe.hpp"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) {
  g_stop = 1;
}

using nectar::Decimal;
using nectar::operator""_d;

// A smoke client on the simulator core: quotes one bid and one ask around the mid every second, re-quotes,
// and prints the market and its own balances, so one can watch orders rest, fill and balances move exactly.
int run_demo(int duration_s, uint64_t seed) {
  namespace sim = nectar::sim;
  sim::MatchingEngine engine;
  sim::Instrument btc;
  btc.symbol = "BTCUSDT";
  btc.base = "BTC";
  btc.quote = "USDT";
  btc.tick = "0.01"_d;
  btc.lot = "0.000001"_d;
  btc.min_notional = "1"_d;
  btc.maker_fee_rate = "0.001"_d;
  btc.taker_fee_rate = "0.001"_d;
  btc.price_decimals = 2;
  btc.size_decimals = 6;
  engine.add_instrument(btc);

  sim::ActivityConfig act;
  act.symbol = "BTCUSDT";
  act.seed = seed;
  act.mid_start = "65000"_d;
  act.levels = 15;
  act.max_walk_ticks = 300;
  act.level_spacing_ticks = 50;
  act.maker_min_lots = 1000;
  act.maker_max_lots = 200000;
  act.taker_min_lots = 1000;
  act.taker_max_lots = 50000;
  act.taker_probability = 0.6;
  act.initial_base = "1000"_d;
  act.initial_quote = "100000000"_d;
  sim::ActivityGenerator market(engine, act);

  constexpr sim::AccountId kMe = 1;
  engine.ledger().deposit(kMe, "USDT", "10000"_d);
  engine.ledger().deposit(kMe, "BTC", "0.1"_d);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::printf("nectar demo: simulator core with seeded market activity (seed %llu); Ctrl-C to stop\n",
              static_cast<unsigned long long>(seed));
  const auto start = std::chrono::steady_clock::now();
  uint64_t client_seq = 0;
  for (int second = 0; !g_stop; ++second) {
    if (duration_s > 0 && std::chrono::steady_clock::now() - start >= std::chrono::seconds(duration_s)) break;
    engine.cancel_all(kMe, "BTCUSDT");
    market.run_steps(20);
    const auto bid = engine.best_bid("BTCUSDT");
    const auto ask = engine.best_ask("BTCUSDT");
    if (bid && ask) {
      const Decimal mid = (*bid + *ask).div(Decimal::from_int(2));
      for (auto side : {sim::Side::kBuy, sim::Side::kSell}) {
        sim::OrderRequest r;
        r.account = kMe;
        r.symbol = "BTCUSDT";
        r.client_id = "demo" + std::to_string(++client_seq);
        r.side = side;
        r.kind = sim::OrderKind::kPostOnly;
        r.price = (side == sim::Side::kBuy ? mid.mul("0.9998"_d) : mid.mul("1.0002"_d))
                      .quantize(btc.tick,
                                side == sim::Side::kBuy ? nectar::Rounding::kFloor : nectar::Rounding::kCeil);
        r.quantity = "0.002"_d;
        engine.place(r);
      }
    }
    const auto btc_bal = engine.ledger().balance(kMe, "BTC");
    const auto usdt_bal = engine.ledger().balance(kMe, "USDT");
    const auto last = engine.last_price("BTCUSDT");
    std::printf(
        "[%4ds] bid %-10s ask %-10s last %-10s | me: BTC %s (frozen %s)  USDT %s (frozen %s)  open %zu\n",
        second, bid ? bid->to_string().c_str() : "-", ask ? ask->to_string().c_str() : "-",
        last ? last->to_string().c_str() : "-", btc_bal.total().to_string().c_str(),
        btc_bal.frozen.to_string().c_str(), usdt_bal.total().to_string().c_str(),
        usdt_bal.frozen.to_string().c_str(), engine.open_orders(kMe).size());
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  engine.cancel_all(kMe);
  std::printf("stopped: open orders cancelled; USDT %s, BTC %s\n",
              engine.ledger().balance(kMe, "USDT").total().to_string().c_str(),
              engine.ledger().balance(kMe, "BTC").total().to_string().c_str());
  return 0;
}

// `nectar sim bitget`: a local Bitget V2 exchange on 127.0.0.1 until killed. The first stdout line is JSON
// with the URLs and the funded test account's keys.
int run_sim(const std::string& exchange, uint16_t port, uint64_t seed) {
  if (exchange != "bitget") {
    std::fprintf(stderr, "nectar sim: no simulator for '%s' yet (available: bitget)\n", exchange.c_str());
    return 2;
  }
  boost::asio::io_context io;
  nectar::sim::bitget::SimulatorOptions options;
  options.port = port;
  options.seed = seed;
  nectar::sim::bitget::BitgetSimulator sim(io, options);
  sim.start();
  std::printf("%s\n", sim.banner_json().c_str());
  std::fflush(stdout);
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    sim.stop();
    io.stop();
  });
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nectar: an algorithmic trading engine"};
  app.require_subcommand(1);
  int duration = 0;
  uint64_t seed = 42;
  auto* demo = app.add_subcommand("demo", "Run the simulator core with market activity and a smoke client");
  demo->add_option("--duration", duration, "Stop after this many seconds (0 = until Ctrl-C)");
  demo->add_option("--seed", seed, "Seed of the market activity");
  auto* sim = app.add_subcommand(
      "sim",
      "Run a local exchange simulator (spot and USDT-M perpetuals): nectar sim bitget [--port N] [--seed S]");
  std::string exchange;
  int port = 0;
  sim->add_option("exchange", exchange, "Exchange to simulate (bitget)")->required();
  sim->add_option("--port", port, "TCP port on 127.0.0.1 (0 picks a free one)")->check(CLI::Range(0, 65535));
  sim->add_option("--seed", seed, "Seed of the market activity");
  nectar::app::ProbeOptions probe;
  auto* probe_cmd = app.add_subcommand(
      "probe", "Connect one connector, show its rules, book and balances, and optionally place one order");
  probe_cmd->add_option("connector", probe.connector, "Connector id (bitget, bitget_perpetual)")->required();
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
  CLI11_PARSE(app, argc, argv);
  if (probe_cmd->parsed()) return nectar::app::run_probe(probe);
  if (demo->parsed()) return run_demo(duration, seed);
  if (sim->parsed()) return run_sim(exchange, static_cast<uint16_t>(port), seed);
  return 0;
}
