// `nectar run --config FILE [--headless]`: runs a strategy config without the shell, until SIGINT/SIGTERM
// (or a duration), then cancels its orders and stops. See docs/client.md.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "nectar/security/vault.hpp"

namespace nectar::client {

struct HeadlessOptions {
  std::filesystem::path config_file;  ///< a strategy config (conf/strategies/<name>.yml)
  std::filesystem::path config_dir =
      "conf";  ///< vault in <dir>/secrets, journal in <dir>/data, logs in <dir>/logs
  /// "" = the environment saved with the exchange's keys in the vault; "production" / "demo" override it;
  /// "simulator" = an embedded Bitget simulator with its funded test keys (no vault needed).
  std::string environment;
  int status_interval_s = 10;  ///< a status line every N seconds
  int duration_s = 0;          ///< stop by itself after N seconds (0 = until SIGINT/SIGTERM)
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
