// A Bitget simulator inside the process on its own io_context thread: what `--env simulator` starts in the
// shell and in `nectar run`. Private to nectar_client.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "nectar/connectors/registry.hpp"

namespace nectar::sim::bitget {
struct SimulatorOptions;
class BitgetSimulator;
}  // namespace nectar::sim::bitget

namespace nectar::client {

class EmbeddedSimulator {
 public:
  /// Starts the simulator on an ephemeral loopback port and its thread.
  explicit EmbeddedSimulator(const sim::bitget::SimulatorOptions& options);
  /// Stops the simulator and joins its thread.
  ~EmbeddedSimulator();
  EmbeddedSimulator(const EmbeddedSimulator&) = delete;
  EmbeddedSimulator& operator=(const EmbeddedSimulator&) = delete;

  Endpoints endpoints() const;
  std::string rest_url() const;
  /// The funded test account's keys, by the Bitget connectors' credential names.
  std::map<std::string, Secret> credentials() const;

 private:
  boost::asio::io_context io_;
  std::unique_ptr<sim::bitget::BitgetSimulator> sim_;
  std::thread thread_;
};

}  // namespace nectar::client
