// Strategy config files (Hummingbot's `conf/strategies/<name>.yml`) for pure market making: YAML with
// Hummingbot's key names and units (percentages as Hummingbot writes them: `bid_spread: 0.1` is 0.1 %,
// times in seconds), parsed exactly from the scalar text into strategy::PmmConfig and written back.
// See docs/client.md.
#pragma once

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "nectar/strategy/pure_market_making.hpp"

namespace nectar::client {

/// A config problem; what() names the file and the key ("conf/strategies/a.yml: bid_spread: ...").
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StrategyConfig {
  std::string strategy = "pure_market_making";  ///< the only strategy so far
  std::string exchange;                         ///< connector id, e.g. "bitget"
  strategy::PmmConfig pmm;                      ///< pmm.pair is `market`
  /// Hummingbot's kill switch: stop when the P&L reaches kill_switch_rate % (negative: a loss, e.g. -5).
  /// pmm.kill_switch_loss is derived from these two (enabled and rate -5 -> 0.05).
  bool kill_switch_enabled = false;
  Decimal kill_switch_rate = Decimal::from_int(-100);
  /// Keys of the file nectar does not use (other Hummingbot options); kept out of the saved file.
  std::vector<std::string> ignored_keys;
};

/// `balance limit`: per exchange id, per asset, the most of it a strategy may commit
/// (`<conf>/balance_limits.yml`, `exchange: {ASSET: amount}`; amounts exact decimals).
using BalanceLimits = std::map<std::string, std::map<std::string, Decimal>>;
/// A missing file is no limits. Throws ConfigError naming the file and the entry when it does not parse.
BalanceLimits load_balance_limits(const std::filesystem::path& file);
/// Writes atomically (temp file + rename). Throws ConfigError when it cannot.
void save_balance_limits(const BalanceLimits& limits, const std::filesystem::path& file);

/// Every key nectar reads and writes, in file order.
const std::vector<std::string>& strategy_config_keys();

/// Parses YAML text. `source` names the file in error messages. Throws ConfigError.
StrategyConfig parse_strategy_config(const std::string& yaml_text, const std::string& source);
/// Reads and parses a file. Throws ConfigError (also when it cannot be read).
StrategyConfig load_strategy_config(const std::filesystem::path& file);

/// The YAML text of a config (every key of strategy_config_keys(), Hummingbot units).
std::string to_yaml(const StrategyConfig& config);
/// Writes to_yaml() to `file` (creating its directory; atomically via a temporary file). Throws ConfigError.
void save_strategy_config(const StrategyConfig& config, const std::filesystem::path& file);

/// The value of one key as written in the file ("" for an unset optional). Throws ConfigError for an
/// unknown key.
std::string config_value(const StrategyConfig& config, const std::string& key);
/// Sets one key from its text (Hummingbot units) and, when `check_all`, checks the whole config (false while
/// `create` fills it in). Throws ConfigError naming the key (and `source` when not empty); `config` is
/// unchanged on error.
void set_config_value(StrategyConfig& config, const std::string& key, const std::string& text,
                      const std::string& source = {}, bool check_all = true);

}  // namespace nectar::client
