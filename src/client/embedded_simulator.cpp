#include "embedded_simulator.hpp"

#include <boost/asio/executor_work_guard.hpp>

#include "nectar/sim/bitget/simulator.hpp"

namespace nectar::client {

EmbeddedSimulator::EmbeddedSimulator(const sim::bitget::SimulatorOptions& options)
    : sim_(std::make_unique<sim::bitget::BitgetSimulator>(io_, options)) {
  sim_->start();  // before its thread runs: allowed
  thread_ = std::thread([this] {
    auto guard = boost::asio::make_work_guard(io_);
    io_.run();
  });
}

EmbeddedSimulator::~EmbeddedSimulator() {
  sim_->stop();
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

Endpoints EmbeddedSimulator::endpoints() const {
  return Endpoints{sim_->rest_url(), sim_->ws_public_url(), sim_->ws_private_url()};
}

std::string EmbeddedSimulator::rest_url() const {
  return sim_->rest_url();
}

std::map<std::string, Secret> EmbeddedSimulator::credentials() const {
  const auto& c = sim_->credentials();
  return {{"api_key", Secret(c.api_key)},
          {"secret_key", Secret(c.secret_key)},
          {"passphrase", Secret(c.passphrase)}};
}

}  // namespace nectar::client
