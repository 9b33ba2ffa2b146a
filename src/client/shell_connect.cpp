#include "client/shell_connect.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include "client/embedded_simulator.hpp"
#include "client/shell_balance.hpp"
#include "client/shell_io.hpp"
#include "client/shell_session.hpp"
#include "client/shell_vault.hpp"
#include "client/text.hpp"

namespace nectar::client {

namespace asio = boost::asio;

namespace {

// Coroutines as functions (no capturing coroutine lambdas).
asio::awaitable<void> check_keys(Connector* c) {
  co_await c->check_credentials();
}
asio::awaitable<void> stop_connector(Connector* c) {
  co_await c->stop();
}

/// Creates the connector of `config` on the io thread; nullptr after saying why it could not.
std::unique_ptr<Connector> create_connector(ShellSession& shell, const ConnectorConfig& config) {
  try {
    return shell.on_io([&] { return ConnectorRegistry::instance().create(shell.executor(), config); });
  } catch (const std::exception& e) {
    shell.say(std::string("Error: ") + e.what());
    return nullptr;
  }
}

/// Stops a connector (when it was started) and destroys it on the io thread.
void destroy(ShellSession& shell, std::unique_ptr<Connector> c, bool started) {
  if (!c) return;
  if (started) {
    try {
      asio::co_spawn(shell.io->context, stop_connector(c.get()), asio::use_future).get();
    } catch (const std::exception& e) {
      shell.say("Error while stopping " + c->name() + ": " + e.what());
    }
  }
  shell.on_io([&c] {
    c.reset();
    return 0;
  });
}

/// The embedded simulator of the connector's exchange, started the first time; nullptr (after saying why)
/// when no simulator front-end serves the connector.
EmbeddedSimulator* embedded_simulator(ShellSession& shell, const std::string& connector_id) {
  const sim::SimulatorInfo* info;
  try {
    info = &simulator_for(connector_id);
  } catch (const std::exception& e) {
    shell.say(std::string("Error: ") + e.what() + ".");
    return nullptr;
  }
  auto& slot = shell.sims[info->exchange];
  if (!slot) {
    slot = std::make_unique<EmbeddedSimulator>(connector_id, sim::SimulatorOptions{});
    shell.say("Started the embedded " + info->display_name + " simulator at " + slot->rest_url() + ".");
  }
  return slot.get();
}

/// The endpoints of `--env simulator` for a connector: the external simulator's, else the embedded one of
/// its exchange (started here the first time). nullopt (after saying why) when no simulator serves it.
std::optional<Endpoints> simulator_endpoints(ShellSession& shell, const std::string& connector_id) {
  if (shell.options.simulator) return shell.options.simulator->endpoints;
  EmbeddedSimulator* sim = embedded_simulator(shell, connector_id);
  if (!sim) return std::nullopt;
  return sim->endpoints(connector_id);
}

/// The keys the simulator of `--env simulator` offers when Enter is pressed.
std::map<std::string, Secret> simulator_default_credentials(ShellSession& shell,
                                                            const std::string& connector_id) {
  if (shell.options.simulator) return shell.options.simulator->default_credentials;
  const sim::SimulatorInfo* info = sim::SimulatorRegistry::instance().find_for_connector(connector_id);
  auto it = info ? shell.sims.find(info->exchange) : shell.sims.end();
  if (it == shell.sims.end()) return {};
  return it->second->credentials();
}

/// Builds, validates and starts a connector. On success replaces the connection; on failure prints the
/// error and leaves the previous connection alone.
bool establish(ShellSession& shell, ConnectorConfig config) {
  if (config.environment == Environment::kSimulator) {
    config.endpoint_override = simulator_endpoints(shell, config.id);
    if (!config.endpoint_override) return false;
  }
  if (is_paper(config.id)) config.options["paper_balances"] = paper_balances_text(shell);
  std::unique_ptr<Connector> conn = create_connector(shell, config);
  if (!conn) return false;
  std::string error;
  try {
    asio::co_spawn(shell.io->context, check_keys(conn.get()), asio::use_future).get();
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!error.empty()) {
    destroy(shell, std::move(conn), false);
    shell.say("Error: " + error);
    return false;
  }
  if (auto it = shell.connections.find(config.id); it != shell.connections.end()) {
    destroy(shell, std::move(it->second.connector), true);
    shell.connections.erase(it);
  }
  shell.on_io([&] {
    conn->start();
    return 0;
  });
  const std::string id = config.id;  // (the right side of `=` is evaluated first)
  shell.connections[id] = Connection{std::move(config), std::move(conn)};
  return true;
}

}  // namespace

void connect_saved(ShellSession& shell) {
  for (const auto& id : shell.vault->connectors()) {
    if (!ConnectorRegistry::instance().find(id)) continue;
    std::optional<ConnectorConfig> config;
    try {
      config = saved_config(*shell.vault, id);
    } catch (const std::exception& e) {
      shell.say(std::string("Error: ") + e.what());
      continue;
    }
    if (!config) continue;
    shell.say("Connecting to " + id + " (" + std::string(to_string(config->environment)) +
              ") with the saved keys...");
    if (establish(shell, *config)) shell.say("You are now connected to " + id + ".");
  }
}

void cmd_connect(ShellSession& shell, const std::vector<std::string>& args) {
  if (args.size() == 1) {
    std::vector<std::vector<std::string>> rows;
    const auto saved = shell.vault->connectors();
    for (const auto& id : ConnectorRegistry::instance().ids()) {
      const bool added = std::find(saved.begin(), saved.end(), id) != saved.end();
      const bool confirmed = shell.connections.count(id) > 0;
      rows.push_back({id, added ? "Yes" : "No", confirmed ? "Yes" : "No"});
    }
    for (const auto& id : ConnectorRegistry::instance().planned_ids())
      rows.push_back({id, "not available yet", "-"});
    shell.print() << table({"Exchange", "Keys Added", "Keys Confirmed"}, rows) << std::flush;
    return;
  }
  const std::string id = lower(args[1]);
  if (shell.running && id == shell.running_exchange) {
    shell.say("Error: the strategy is running on " + id + "; `stop` it before reconnecting.");
    return;
  }
  const ConnectorInfo* info = ConnectorRegistry::instance().find(id);
  if (!info) {
    const auto& registry = ConnectorRegistry::instance();
    std::string known;
    for (const auto& k : registry.ids()) known += (known.empty() ? "" : ", ") + k;
    if (const auto* name = registry.planned(id)) {
      shell.say(id + " (" + *name + ") is not available yet in this nectar; available now: " + known + ".");
      return;
    }
    shell.say("Error: '" + args[1] + "' is not an exchange nectar knows (known: " + known + ").");
    return;
  }
  std::optional<Environment> env;
  for (std::size_t i = 2; i < args.size(); ++i) {
    if ((args[i] == "--env" || args[i] == "-e") && i + 1 < args.size()) {
      env = parse_environment(lower(args[++i]));
      if (!env) {
        shell.say("Error: unknown environment '" + args[i] + "' (production, demo, simulator).");
        return;
      }
    } else {
      shell.say("Error: unexpected '" + args[i] +
                "'. Usage: connect <exchange> [--env production|demo|simulator]");
      return;
    }
  }
  std::optional<ConnectorConfig> existing;
  try {
    existing = saved_config(*shell.vault, id);
  } catch (const std::exception& e) {
    shell.say(std::string("Error: ") + e.what());
  }
  if (existing) {
    const auto replace = shell.yes_or_no("Would you like to replace your existing keys? (Yes/No) >>> ");
    if (!replace) return;
    if (!*replace) {
      if (env) existing->environment = *env;
      if (shell.connections.count(id) && !env) {
        shell.say("Keys not changed; you are still connected to " + id + ".");
        return;
      }
      if (establish(shell, *existing)) {
        if (env) save_keys(*shell.vault, *existing);
        shell.say("You are now connected to " + id + ".");
      }
      return;
    }
  }
  ConnectorConfig config;
  config.id = id;
  config.environment = env.value_or(existing ? existing->environment : Environment::kProduction);
  if (auto it = shell.connections.find(id); it != shell.connections.end())
    config.trading_pairs = it->second.config.trading_pairs;
  std::map<std::string, Secret> defaults;
  if (config.environment == Environment::kSimulator) {
    if (!simulator_endpoints(shell, id)) return;
    defaults = simulator_default_credentials(shell, id);
  }
  for (const auto& spec : info->credentials) {
    const bool has_default = defaults.count(spec.name) > 0;
    auto value =
        shell.secret(spec.prompt + (has_default ? " (Enter for the simulator's test key)" : "") + " >>> ");
    if (!value) return;
    if (value->empty()) {
      if (!has_default) {
        shell.say("Cancelled: no " + spec.name + " given; your keys were not changed.");
        return;
      }
      config.credentials[spec.name] = defaults[spec.name];
    } else {
      config.credentials[spec.name] = Secret(*value);
      security::secure_wipe(*value);
    }
  }
  if (!establish(shell, config)) {
    shell.say(existing ? "Your previous keys for " + id + " were kept."
                       : "No keys were saved for " + id + ".");
    return;
  }
  try {
    save_keys(*shell.vault, config);
  } catch (const std::exception& e) {
    shell.say(std::string("Error: connected, but the keys could not be saved: ") + e.what());
  }
  shell.say("You are now connected to " + id + ".");
}

Connection* pick_connection(ShellSession& shell, const std::string& exchange) {
  if (shell.connections.empty()) {
    shell.say("Error: no exchange connected; use `connect <exchange>` first.");
    return nullptr;
  }
  if (exchange.empty()) return &shell.connections.begin()->second;
  auto it = shell.connections.find(lower(exchange));
  if (it == shell.connections.end()) {
    shell.say("Error: not connected to '" + exchange + "'; use `connect " + exchange + "` first.");
    return nullptr;
  }
  return &it->second;
}

bool ensure_pair(ShellSession& shell, Connection& s, const TradingPair& pair) {
  auto& pairs = s.config.trading_pairs;
  if (std::find(pairs.begin(), pairs.end(), pair) != pairs.end()) return true;
  if (shell.running && s.config.id == shell.running_exchange) {
    shell.say("Error: " + s.config.id + " does not follow " + pair.str() +
              " and cannot be restarted while the strategy runs; `stop` first.");
    return false;
  }
  ConnectorConfig next = s.config;
  next.trading_pairs.push_back(pair);
  std::unique_ptr<Connector> conn = create_connector(shell, next);
  if (!conn) return false;
  destroy(shell, std::move(s.connector), true);
  shell.on_io([&] {
    conn->start();
    return 0;
  });
  s.connector = std::move(conn);
  s.config = std::move(next);
  return true;
}

void disconnect_all(ShellSession& shell) {
  for (auto& [id, s] : shell.connections) destroy(shell, std::move(s.connector), true);
  shell.connections.clear();
}

}  // namespace nectar::client
