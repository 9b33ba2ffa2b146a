#include "nectar/connectors/registry.hpp"

#include <stdexcept>

namespace nectar {

std::string_view to_string(Environment env) {
  switch (env) {
    case Environment::kProduction:
      return "production";
    case Environment::kDemo:
      return "demo";
    case Environment::kSimulator:
      return "simulator";
  }
  return "production";
}

std::optional<Environment> parse_environment(std::string_view text) {
  if (text == "production" || text == "prod" || text == "live") return Environment::kProduction;
  if (text == "demo" || text == "testnet" || text == "paper") return Environment::kDemo;
  if (text == "simulator" || text == "sim") return Environment::kSimulator;
  return std::nullopt;
}

ConnectorRegistry& ConnectorRegistry::instance() {
  static ConnectorRegistry registry;
  return registry;
}

void ConnectorRegistry::add(ConnectorInfo info) {
  std::string id = info.id;
  connectors_.insert_or_assign(std::move(id), std::move(info));
}

const ConnectorInfo* ConnectorRegistry::find(std::string_view id) const {
  auto it = connectors_.find(id);
  return it == connectors_.end() ? nullptr : &it->second;
}

std::vector<std::string> ConnectorRegistry::ids() const {
  std::vector<std::string> out;
  for (const auto& [id, info] : connectors_) out.push_back(id);
  return out;
}

void ConnectorRegistry::add_planned(std::string id, std::string exchange_name) {
  planned_.insert_or_assign(std::move(id), std::move(exchange_name));
}

const std::string* ConnectorRegistry::planned(std::string_view id) const {
  if (connectors_.find(id) != connectors_.end()) return nullptr;
  auto it = planned_.find(id);
  return it == planned_.end() ? nullptr : &it->second;
}

std::vector<std::string> ConnectorRegistry::planned_ids() const {
  std::vector<std::string> out;
  for (const auto& [id, name] : planned_)
    if (connectors_.find(id) == connectors_.end()) out.push_back(id);
  return out;
}

namespace {
std::string comma_list(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}
}  // namespace

std::string ConnectorRegistry::describe_known() const {
  std::string text = "known: " + comma_list(ids());
  if (const auto planned_list = comma_list(planned_ids()); !planned_list.empty())
    text += "; not available yet: " + planned_list;
  return text;
}

Endpoints resolve_endpoints(const std::string& id, const std::map<Environment, Endpoints>& environments,
                            const ConnectorConfig& config) {
  if (config.endpoint_override) return *config.endpoint_override;
  auto it = environments.find(config.environment);
  if (it == environments.end()) {
    throw std::invalid_argument("connector '" + id + "' has no " +
                                std::string(to_string(config.environment)) +
                                " environment; give its URLs explicitly");
  }
  return it->second;
}

Endpoints ConnectorRegistry::endpoints_for(const ConnectorConfig& config) const {
  if (config.endpoint_override) return *config.endpoint_override;
  const ConnectorInfo* info = find(config.id);
  if (!info) throw std::invalid_argument("unknown connector '" + config.id + "'");
  return resolve_endpoints(config.id, info->environments, config);
}

std::unique_ptr<Connector> ConnectorRegistry::create(boost::asio::any_io_executor ex,
                                                     const ConnectorConfig& config) const {
  const ConnectorInfo* info = find(config.id);
  if (!info) {
    if (const auto* name = planned(config.id))
      throw std::invalid_argument("connector '" + config.id + "' (" + *name +
                                  ") is not available yet in this nectar");
    throw std::invalid_argument("unknown connector '" + config.id + "' (" + describe_known() + ")");
  }
  if (config.track_user_stream) {
    for (const auto& c : info->credentials) {
      auto it = config.credentials.find(c.name);
      if (it == config.credentials.end() || it->second.empty()) {
        throw std::invalid_argument("connector '" + config.id + "' needs credential '" + c.name + "'");
      }
    }
  }
  return info->factory(ex, config);
}

}  // namespace nectar
