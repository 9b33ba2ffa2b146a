// The shell's trade history of the loaded config: `history` (volumes, average prices, fees, realized and
// unrealized P&L, see nectar/client/history.hpp) and `export` (CSV). Private to nectar_client.
#pragma once

#include <string>
#include <vector>

namespace nectar::client {

struct ShellSession;

/// `history [-d DAYS] [-v]`: the config's fills per market, unrealized P&L at the live mids.
void cmd_history(ShellSession& shell, const std::vector<std::string>& args);
/// `export [trades]`: the config's fills to `<config_dir>/data/<config>_trades.csv`.
void cmd_export(ShellSession& shell, const std::vector<std::string>& args);

}  // namespace nectar::client
