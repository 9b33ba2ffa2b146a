#include "nectar/sim/exchange_simulator.hpp"

#include <boost/json.hpp>
#include <stdexcept>

namespace nectar::sim {

namespace json = boost::json;

namespace {

constexpr std::string_view kPaperSuffix = "_paper_trade";

std::string_view without_paper_suffix(std::string_view id) {
  if (id.size() > kPaperSuffix.size() && id.substr(id.size() - kPaperSuffix.size()) == kPaperSuffix)
    id.remove_suffix(kPaperSuffix.size());
  return id;
}

json::object endpoints_object(const SimEndpoints& e) {
  json::object o;
  o["rest"] = e.rest;
  o["ws_public"] = e.ws_public;
  o["ws_private"] = e.ws_private;
  return o;
}

std::optional<SimEndpoints> endpoints_of(const json::object& o) {
  SimEndpoints e;
  for (auto [key, field] :
       {std::pair{"rest", &e.rest}, {"ws_public", &e.ws_public}, {"ws_private", &e.ws_private}}) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_string() || v->get_string().empty()) return std::nullopt;
    *field = std::string(v->get_string());
  }
  return e;
}

}  // namespace

std::string SimulatorBanner::to_json() const {
  json::object o;
  if (!exchange.empty()) o["exchange"] = exchange;
  for (const auto& [name, url] : urls) o[name] = url;
  for (const auto& [name, value] : credentials) o[name] = value;
  if (!connectors.empty()) {
    json::object c;
    for (const auto& [id, e] : connectors) c[id] = endpoints_object(e);
    o["connectors"] = std::move(c);
  }
  return json::serialize(o);
}

std::optional<SimulatorBanner> SimulatorBanner::parse(std::string_view json_line) {
  boost::system::error_code ec;
  const auto value = json::parse(json_line, ec);
  if (ec || !value.is_object()) return std::nullopt;
  SimulatorBanner banner;
  for (const auto& [key, v] : value.get_object()) {
    if (key == "connectors") {
      if (!v.is_object()) return std::nullopt;
      for (const auto& [id, endpoints] : v.get_object()) {
        if (!endpoints.is_object()) return std::nullopt;
        auto e = endpoints_of(endpoints.get_object());
        if (!e) return std::nullopt;
        banner.connectors[std::string(id)] = std::move(*e);
      }
      continue;
    }
    if (!v.is_string()) continue;
    std::string text(v.get_string());
    if (key == "exchange") {
      banner.exchange = std::move(text);
    } else if (text.starts_with("http://") || text.starts_with("https://") || text.starts_with("ws://") ||
               text.starts_with("wss://")) {
      banner.urls[std::string(key)] = std::move(text);
    } else {
      banner.credentials[std::string(key)] = std::move(text);
    }
  }
  if (banner.connectors.empty() && !endpoints_of(value.get_object())) return std::nullopt;
  return banner;
}

std::optional<SimEndpoints> SimulatorBanner::endpoints_for(std::string_view connector_id) const {
  if (auto it = connectors.find(std::string(without_paper_suffix(connector_id))); it != connectors.end())
    return it->second;
  auto url = [&](const char* name) -> std::string {
    auto it = urls.find(name);
    return it == urls.end() ? std::string() : it->second;
  };
  SimEndpoints e{url("rest"), url("ws_public"), url("ws_private")};
  if (e.rest.empty() || e.ws_public.empty() || e.ws_private.empty()) return std::nullopt;
  return e;
}

SimulatorRegistry& SimulatorRegistry::instance() {
  static SimulatorRegistry registry;
  return registry;
}

void SimulatorRegistry::add(SimulatorInfo info) {
  if (info.exchange.empty()) throw std::invalid_argument("a simulator needs an exchange name");
  std::string name = info.exchange;
  simulators_.insert_or_assign(std::move(name), std::move(info));
}

const SimulatorInfo* SimulatorRegistry::find(std::string_view exchange) const {
  auto it = simulators_.find(exchange);
  return it == simulators_.end() ? nullptr : &it->second;
}

const SimulatorInfo* SimulatorRegistry::find_for_connector(std::string_view connector_id) const {
  const auto id = without_paper_suffix(connector_id);
  for (const auto& [name, info] : simulators_)
    for (const auto& served : info.connector_ids)
      if (served == id) return &info;
  return nullptr;
}

std::vector<std::string> SimulatorRegistry::exchanges() const {
  std::vector<std::string> names;
  for (const auto& [name, info] : simulators_) names.push_back(name);
  return names;
}

}  // namespace nectar::sim
