// `nectar probe <connector>`: connect one connector, show what it sees, optionally place (and cancel) one
// order.
#pragma once

#include <optional>
#include <string>

namespace nectar::app {

struct ProbeOptions {
  std::string connector;  ///< a registered connector id (required)
  std::string environment = "production";   ///< production | demo | simulator
  std::string rest, ws_public, ws_private;  ///< URL overrides (all three, or none)
  std::string sim_banner;                   ///< the JSON line printed by `nectar sim <exchange>`
  std::string pair = "BTC-USDT";
  std::string side;  ///< "buy" | "sell" | "" (no order)
  std::string amount;
  std::string price;
  std::string type = "limit";  ///< limit | limit_maker | market
  std::string action;          ///< perpetuals: open | close ("" = none)
  double cancel_after_s = 5;   ///< cancel a still-open order after this long (< 0: leave it open)
  double timeout_s = 30;
};

/// Registers every connector nectar ships with the process-wide registry (idempotent).
void register_all_connectors();

/// Runs the probe; returns the process exit code (0 = everything asked for worked).
int run_probe(const ProbeOptions& options);

}  // namespace nectar::app
