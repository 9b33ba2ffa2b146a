// The shell's market views: `order_book` (the best levels of a book) and `ticker` (best bid, best ask, mid
// price, last trade), once or `--live`. Private to nectar_client.
#pragma once

#include <string>
#include <vector>

namespace nectar::client {

struct ShellSession;

/// `order_book <pair> [--depth N] [--exchange id] [--live [--seconds N]]`.
void cmd_order_book(ShellSession& shell, const std::vector<std::string>& args);
/// `ticker <pair> [--exchange id] [--live [--seconds N]]`.
void cmd_ticker(ShellSession& shell, const std::vector<std::string>& args);

}  // namespace nectar::client
