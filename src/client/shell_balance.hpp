// The shell's `balance` command: balances of the connected exchanges, the paper trading balances
// (`<conf>/paper_balances.txt`) and the balance limits (`<conf>/balance_limits.yml`). Private to
// nectar_client.
#pragma once

#include <string>
#include <vector>

namespace nectar::client {

struct ShellSession;

/// `balance` (asset, total, available, USDT value, allocated, per connected exchange), `balance paper
/// [<asset> <amount>]` and `balance limit [<exchange> <asset> <amount>]`; `args[0]` is "balance".
void cmd_balance(ShellSession& shell, const std::vector<std::string>& args);

/// True for a paper trading connector id (`<exchange>_paper_trade`).
bool is_paper(const std::string& id);

/// "ASSET:AMOUNT,..." as saved by `balance paper`, else the paper connectors' default
/// (paper::kDefaultPaperBalances). A file that does not parse is an error naming the file (throws
/// std::invalid_argument); it is never overwritten, so nothing the user wrote is lost.
std::string paper_balances_text(const ShellSession& shell);

}  // namespace nectar::client
