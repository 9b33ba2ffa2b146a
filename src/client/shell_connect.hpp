// The shell's connections: `connect` (the exchanges table, keys asked and checked with a private call,
// `--env production|demo|simulator`), reconnecting with saved keys, choosing a connected exchange, adding a
// trading pair to a connector, and disconnecting. Private to nectar_client.
#pragma once

#include <string>
#include <vector>

#include "nectar/core/types.hpp"

namespace nectar::client {

struct Connection;
struct ShellSession;

/// `connect` lists every exchange (Exchange, Keys Added, Keys Confirmed); `connect <exchange> [--env E]`
/// asks its keys (hidden), checks them, connects and saves them in the vault.
void cmd_connect(ShellSession& shell, const std::vector<std::string>& args);
/// Reconnects every connector with keys in the vault (prints one line each).
void connect_saved(ShellSession& shell);
/// The connection to `exchange`, or the first one when `exchange` is empty; nullptr (after saying why)
/// when there is none.
Connection* pick_connection(ShellSession& shell, const std::string& exchange);
/// Makes sure the connection's connector follows `pair` (restarting it with the pair added if needed);
/// false (after saying why) when it cannot.
bool ensure_pair(ShellSession& shell, Connection& s, const TradingPair& pair);
/// Stops and destroys every connector.
void disconnect_all(ShellSession& shell);

}  // namespace nectar::client
