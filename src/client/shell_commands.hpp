// The shell's command list: `help`, the suggestion for a mistyped command and tab completion. Private to
// nectar_client.
#pragma once

#include <string>
#include <vector>

namespace nectar::client {

struct ShellSession;

/// `help` (every command with its summary) or `help <command>` (its usage).
void cmd_help(ShellSession& shell, const std::vector<std::string>& args);
/// "Unknown command '<cmd>'.", with the closest command name when one is near.
std::string unknown_command_text(const std::string& cmd);
/// Completion candidates for the word being typed, given the line up to the cursor.
std::vector<std::string> complete_line(const ShellSession& shell, const std::string& before);
/// Every command name, in help order.
std::vector<std::string> command_names();

}  // namespace nectar::client
