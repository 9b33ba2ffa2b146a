// The shell's strategy configs: `create` (questions, Hummingbot style), `import` and `config` over the YAML
// files in `<config_dir>/strategies`. Private to nectar_client.
#pragma once

#include <string>
#include <vector>

namespace nectar::client {

struct ShellSession;

/// `create`: asks every key of a pure market making config (Enter keeps the default, 3 tries each), then
/// the file name; saves `<config_dir>/strategies/<name>.yml` and loads it.
void cmd_create(ShellSession& shell, const std::vector<std::string>& args);
/// `import <name>`: loads `<config_dir>/strategies/<name>.yml` (or a path).
void cmd_import(ShellSession& shell, const std::vector<std::string>& args);
/// `config` (every key), `config <key>` (one) or `config <key> <value>` (changes one and saves the file).
void cmd_config(ShellSession& shell, const std::vector<std::string>& args);
/// The config names saved in `<config_dir>/strategies`, sorted (for completion).
std::vector<std::string> saved_strategy_names(const ShellSession& shell);

}  // namespace nectar::client
