// The exchanges built into this nectar (generated from NECTAR_EXCHANGES in the top-level CMakeLists.txt).
#pragma once

namespace nectar {
class ConnectorRegistry;
}
namespace nectar::sim {
class SimulatorRegistry;
}

namespace nectar::client {

/// Adds every built exchange's connectors and simulator front-end. Use register_all_connectors(), which
/// calls this once and adds the paper-trade and not-yet-available entries.
void register_exchanges(ConnectorRegistry& connectors, sim::SimulatorRegistry& simulators);

}  // namespace nectar::client
