// The shell's run control: `start` (the loaded config on its connected exchange, journaled, ticking on the
// io thread), `stop` (cancels and waits for the confirmations), `exit --keep-orders`, and `status` (the
// exchanges and the strategy, once or --live). Private to nectar_client.
#pragma once

#include <string>
#include <vector>

namespace nectar::client {

struct ShellSession;

/// `start`: opens the config's journal, restores its open orders, starts the strategy and its clock.
void cmd_start(ShellSession& shell, const std::vector<std::string>& args);
/// `stop`: stop_strategy(), or says that none runs.
void cmd_stop(ShellSession& shell);
/// `status [--live [--seconds N]]`: each connected exchange and what it waits for, then the strategy.
void cmd_status(ShellSession& shell, const std::vector<std::string>& args);

/// Stops ticking, cancels the strategy's orders and waits for the confirmations (stop_timeout, asking again
/// every ~3 s), then closes the journal. Nothing when no strategy runs.
void stop_strategy(ShellSession& shell);
void stop_strategy_if_running(ShellSession& shell);
/// `exit --keep-orders`: stops ticking and closes the journal; the orders stay open on the exchange and in
/// the journal (restored by the next `start`).
void leave_orders_open(ShellSession& shell);
/// Drops a running strategy without cancelling its orders, as if the process were killed (shutdown).
void drop_strategy(ShellSession& shell);

}  // namespace nectar::client
