#include "embedded_simulator.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <stdexcept>

#include "nectar/client/connectors.hpp"

namespace nectar::client {

const sim::SimulatorInfo& simulator_for(std::string_view connector_id) {
  register_all_connectors();
  const auto& registry = sim::SimulatorRegistry::instance();
  if (const auto* info = registry.find_for_connector(connector_id)) return *info;
  std::string known;
  for (const auto& name : registry.exchanges()) known += (known.empty() ? "" : ", ") + name;
  throw std::invalid_argument("no simulator serves '" + std::string(connector_id) +
                              "' (simulators: " + (known.empty() ? "none" : known) + ")");
}

std::optional<Endpoints> banner_endpoints(const sim::SimulatorBanner& banner, std::string_view connector_id) {
  const auto e = banner.endpoints_for(connector_id);
  if (!e) return std::nullopt;
  return Endpoints{e->rest, e->ws_public, e->ws_private};
}

EmbeddedSimulator::EmbeddedSimulator(std::string_view connector_id, const sim::SimulatorOptions& options)
    : info_(&simulator_for(connector_id)), sim_(info_->factory(io_, options)) {
  sim_->start();  // before its thread runs: allowed
  banner_ = sim_->banner();
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

Endpoints EmbeddedSimulator::endpoints(std::string_view connector_id) const {
  if (auto e = banner_endpoints(banner_, connector_id)) return *e;
  throw std::invalid_argument("the " + info_->display_name + " simulator does not serve '" +
                              std::string(connector_id) + "'");
}

std::string EmbeddedSimulator::rest_url() const {
  if (auto it = banner_.urls.find("rest"); it != banner_.urls.end()) return it->second;
  return banner_.connectors.empty() ? std::string() : banner_.connectors.begin()->second.rest;
}

std::map<std::string, Secret> EmbeddedSimulator::credentials() const {
  std::map<std::string, Secret> out;
  for (const auto& [name, value] : banner_.credentials) out.emplace(name, Secret(value));
  return out;
}

}  // namespace nectar::client
