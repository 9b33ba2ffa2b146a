#include "demo.hpp"

#include <cstdio>
#include <iostream>

#include "nectar/client/connectors.hpp"
#include "nectar/client/headless.hpp"
#include "nectar/client/strategy_config.hpp"
#include "nectar/connectors/registry.hpp"
#include "nectar/sim/exchange_simulator.hpp"

namespace nectar::app {

// Inside the simulator's spread (its makers quote ~0.5 USDT from the mid), so its market takers hit the bot:
// two levels 0.0005 % and 0.0055 % from the mid, refreshed every 10 s, skewed toward 85 % of the value in
// BTC (the test account holds 1 BTC and 10000 USDT), with a kill switch at a 5 % loss.
namespace {
const char* const kDemoConfigBody = R"(market: BTC-USDT
bid_spread: 0.0005
ask_spread: 0.0005
minimum_spread: -100
order_refresh_time: 10
order_refresh_tolerance_pct: 0.01
filled_order_delay: 3
order_amount: 0.001
order_levels: 2
order_level_spread: 0.005
order_level_amount: 0
inventory_skew_enabled: true
inventory_target_base_pct: 85
inventory_range_multiplier: 20
price_ceiling: -1
price_floor: -1
kill_switch_enabled: true
kill_switch_rate: -5
)";
}  // namespace

std::string demo_config_yaml(const std::string& exchange) {
  return "strategy: pure_market_making\nexchange: " + exchange + "\n" + kDemoConfigBody;
}

std::string default_demo_exchange() {
  client::register_all_connectors();
  const auto& simulators = sim::SimulatorRegistry::instance();
  for (const auto& name : simulators.exchanges())
    for (const auto& id : simulators.find(name)->connector_ids)
      if (const auto* info = ConnectorRegistry::instance().find(id); info && !info->perpetual) return id;
  return "";
}

int run_demo(const std::string& exchange_arg, int duration_s, uint64_t seed,
             const std::filesystem::path& config_dir) {
  const std::string exchange = exchange_arg.empty() ? default_demo_exchange() : exchange_arg;
  if (exchange.empty()) {
    std::fprintf(stderr, "nectar demo: this nectar has no exchange simulator\n");
    return 1;
  }
  const sim::SimulatorInfo* simulator = sim::SimulatorRegistry::instance().find_for_connector(exchange);
  if (!simulator) {
    std::fprintf(stderr, "nectar demo: no simulator serves '%s' (%s)\n", exchange.c_str(),
                 ConnectorRegistry::instance().describe_known().c_str());
    return 2;
  }
  client::HeadlessOptions o;
  try {
    o.config = client::parse_strategy_config(demo_config_yaml(exchange), "demo");
  } catch (const client::ConfigError& e) {
    std::fprintf(stderr, "nectar demo: %s\n", e.what());
    return 1;
  }
  o.config_name = "demo";
  o.config_dir = config_dir;
  o.environment = "simulator";
  o.sim_seed = seed;
  o.duration_s = duration_s;
  o.status_interval_s = 1;
  o.live_view = true;  // on a terminal: a status block redrawn every second; else a status line per second
  o.out = &std::cout;
  std::cout << "nectar demo: pure market making on BTC-USDT through the " << exchange
            << " connector, against an embedded " << simulator->display_name << " simulator; journal "
            << (config_dir / "data" / "demo.sqlite").string() << ", log "
            << (config_dir / "logs" / "demo.log").string() << "; Ctrl-C to stop" << std::endl;
  return client::run_headless(o);
}

}  // namespace nectar::app
