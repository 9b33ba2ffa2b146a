#include "nectar/client/connectors.hpp"

#include <mutex>

#include "nectar/client/exchanges.hpp"
#include "nectar/connectors/registry.hpp"
#include "nectar/paper/paper_trade.hpp"
#include "nectar/sim/exchange_simulator.hpp"

namespace nectar::client {

namespace {

// The connectors on nectar's roadmap (the mission table): listed as "not available yet" until their
// exchange is built in, when its own registration takes the id over.
struct PlannedConnector {
  const char* id;
  const char* exchange_name;
};
constexpr PlannedConnector kPlannedConnectors[] = {
    {"bitmart", "BitMart"}, {"bitmart_perpetual", "BitMart"},
    {"bitmex", "BitMEX"},   {"bitmex_perpetual", "BitMEX"},
    {"hitbtc", "HitBTC"},
};

}  // namespace

void register_all_connectors() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto& registry = ConnectorRegistry::instance();
    register_exchanges(registry, sim::SimulatorRegistry::instance());
    // After the exchanges: paper trading is offered for each of them.
    paper::register_paper_connectors(registry);
    for (const auto& p : kPlannedConnectors) registry.add_planned(p.id, p.exchange_name);
  });
}

}  // namespace nectar::client
