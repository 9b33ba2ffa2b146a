// `nectar run --config FILE [--headless]`: runs a strategy config without the shell, until SIGINT/SIGTERM
// (or a duration), then cancels its orders and stops. `nectar demo` is the same runner on an embedded
// simulator with a built-in config. See docs/client.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "nectar/client/strategy_config.hpp"
#include "nectar/connectors/registry.hpp"
#include "nectar/security/vault.hpp"

namespace nectar::client {

/// What the one JSON line printed by `nectar sim <exchange>` says: where the simulator listens and the keys
/// of its funded test account.
struct SimBanner {
  std::string exchange;  ///< e.g. "bitget" (empty in lines of older simulators)
  Endpoints endpoints;   ///< the connector's `rest`, `ws_public`, `ws_private`
  /// Every other string field by name (`api_key`, `secret_key`, `passphrase`): pick the ones a connector's
  /// ConnectorInfo::credentials names.
  std::map<std::string, Secret> credentials;
};

/// Parses the banner line for a connector (its entry under "connectors", else the top-level URLs); nullopt
/// when it is not a JSON object with the three URLs for it.
std::optional<SimBanner> parse_sim_banner(std::string_view json_line, std::string_view connector_id);
/// "`nectar sim <exchange>`" for the exchange serving a connector id: for messages.
std::string sim_command_for(std::string_view connector_id);

struct HeadlessOptions {
  std::filesystem::path config_file;  ///< a strategy config (conf/strategies/<name>.yml)
  /// A config given in memory instead of `config_file` (`nectar demo`); `config_name` then names its journal
  /// (<config_dir>/data/<config_name>.sqlite) and log.
  std::optional<StrategyConfig> config;
  std::string config_name;
  std::filesystem::path config_dir =
      "conf";  ///< vault in <dir>/secrets, journal in <dir>/data, logs in <dir>/logs
  /// "" = the environment saved with the exchange's keys in the vault; "production" / "demo" override it;
  /// "simulator" = the exchange's simulator with its funded test keys (no vault needed): the one `sim_banner`
  /// describes, else an embedded one.
  std::string environment;
  /// The JSON line printed by `nectar sim <exchange>` (an external simulator process): its URLs and test keys.
  /// Implies (and needs) environment "simulator".
  std::string sim_banner;
  uint64_t sim_seed = 1;       ///< market activity seed of the embedded simulator
  int status_interval_s = 10;  ///< a status line every N seconds
  /// A live status view: when the status goes to a terminal (stdout is a TTY and `out` is null or
  /// std::cout), a compact block (market mid/spread, balances, active orders, P&L) redrawn in place every
  /// status interval, and the logs go to the log file only; otherwise the usual status lines.
  bool live_view = false;
  int duration_s = 0;  ///< stop by itself after N seconds (0 = until SIGINT/SIGTERM)
  std::chrono::milliseconds tick_interval{1000};
  std::chrono::milliseconds ready_timeout{60000};  ///< give up when the connector is not ready by then
  /// Status lines also go here (nullptr: stdout through the logger only).
  std::ostream* out = nullptr;
  /// Vault password; default: the NECTAR_PASSWORD environment variable, else asked on the terminal.
  std::function<std::optional<std::string>(const std::string& prompt)> read_password;
};

/// Returns 0 after a clean stop (orders cancelled), 1 on a runtime failure, 2 on a bad config or missing
/// keys.
int run_headless(const HeadlessOptions& options);

}  // namespace nectar::client
