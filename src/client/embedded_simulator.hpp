// An exchange simulator inside the process on its own io_context thread: what `--env simulator` starts in
// the shell and in `nectar run`. The front-end is found in the SimulatorRegistry by connector id. Private to
// nectar_client.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "nectar/connectors/registry.hpp"
#include "nectar/sim/exchange_simulator.hpp"

namespace nectar::client {

class EmbeddedSimulator {
 public:
  /// Starts the front-end serving `connector_id` on an ephemeral loopback port and its thread. Throws
  /// std::invalid_argument (naming the connector and the simulators there are) when no front-end serves it.
  EmbeddedSimulator(std::string_view connector_id, const sim::SimulatorOptions& options);
  /// Stops the simulator and joins its thread.
  ~EmbeddedSimulator();
  EmbeddedSimulator(const EmbeddedSimulator&) = delete;
  EmbeddedSimulator& operator=(const EmbeddedSimulator&) = delete;

  /// The exchange it simulates, e.g. for "Started the embedded <display name> simulator".
  const sim::SimulatorInfo& info() const noexcept { return *info_; }
  /// Where `connector_id` (one of the exchange's connectors, or its paper-trade id) connects.
  Endpoints endpoints(std::string_view connector_id) const;
  std::string rest_url() const;
  /// The funded test account's keys, by the connectors' credential names.
  std::map<std::string, Secret> credentials() const;

 private:
  const sim::SimulatorInfo* info_;
  sim::SimulatorBanner banner_;
  boost::asio::io_context io_;
  std::unique_ptr<sim::ExchangeSimulator> sim_;
  std::thread thread_;
};

/// The simulator front-end serving a connector id; throws std::invalid_argument naming the ones there are.
const sim::SimulatorInfo& simulator_for(std::string_view connector_id);
/// Endpoints of a banner for a connector; nullopt when the banner names none for it.
std::optional<Endpoints> banner_endpoints(const sim::SimulatorBanner& banner, std::string_view connector_id);

}  // namespace nectar::client
