#include "nectar/client/strategy_config.hpp"
#include "text.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace nectar::client {

namespace {

using Ms = std::chrono::milliseconds;

// A problem with one value; the caller adds the file and key.
struct ValueError {
  std::string message;
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

const Decimal kHundred = Decimal::from_int(100);
const Decimal kThousand = Decimal::from_int(1000);

Decimal number(const std::string& text) {
  if (text.empty()) throw ValueError{"a number is required"};
  auto d = Decimal::try_parse(text);
  if (!d) throw ValueError{"'" + text + "' is not a decimal number"};
  return *d;
}

// Hummingbot percent (0.1 = 0.1 %) -> fraction (0.001), exactly.
Decimal percent(const std::string& text) {
  const Decimal pct = number(text);
  const Decimal fraction = pct.div(kHundred);
  if (fraction.mul_int(100) != pct) throw ValueError{"'" + text + "' has too many decimals"};
  return fraction;
}
std::string as_percent(Decimal fraction) {
  return fraction.mul_int(100).to_string();
}

Ms seconds(const std::string& text) {
  const Decimal s = number(text);
  const Decimal ms = s.mul(kThousand);
  if (ms.round_to(0, Rounding::kDown) != ms) throw ValueError{"'" + text + "' is finer than a millisecond"};
  if (ms > Decimal::from_int(int64_t{1} << 40)) throw ValueError{"'" + text + "' is too long"};
  return Ms(ms.steps_of(Decimal::one()));
}
std::string as_seconds(Ms ms) {
  return Decimal::from_int(ms.count()).div(kThousand).to_string();
}

bool boolean(const std::string& text) {
  const std::string t = lower(text);
  if (t == "true" || t == "yes" || t == "y" || t == "on") return true;
  if (t == "false" || t == "no" || t == "n" || t == "off") return false;
  throw ValueError{"'" + text + "' is not Yes or No"};
}
std::string as_bool(bool b) {
  return b ? "true" : "false";
}

struct Key {
  const char* name;
  bool required;
  std::function<void(StrategyConfig&, const std::string&)> set;
  std::function<std::string(const StrategyConfig&)> get;
};

void sync_kill_switch(StrategyConfig& c) {
  if (c.kill_switch_enabled && c.kill_switch_rate.is_negative())
    c.pmm.kill_switch_loss = (-c.kill_switch_rate).div(kHundred);
  else
    c.pmm.kill_switch_loss.reset();
}

const std::vector<Key>& keys() {
  static const std::vector<Key> table = {
      {"strategy", true,
       [](StrategyConfig& c, const std::string& t) {
         if (t != "pure_market_making")
           throw ValueError{"'" + t + "' is not supported (only pure_market_making)"};
         c.strategy = t;
       },
       [](const StrategyConfig& c) { return c.strategy; }},
      {"exchange", true,
       [](StrategyConfig& c, const std::string& t) {
         if (t.empty()) throw ValueError{"an exchange id is required (a connector id; `connect` lists them)"};
         c.exchange = lower(t);
       },
       [](const StrategyConfig& c) { return c.exchange; }},
      {"market", true,
       [](StrategyConfig& c, const std::string& t) {
         auto p = TradingPair::try_parse(upper(t));
         if (!p) throw ValueError{"'" + t + "' is not a trading pair like BTC-USDT"};
         c.pmm.pair = *p;
       },
       [](const StrategyConfig& c) { return c.pmm.pair.base.empty() ? std::string() : c.pmm.pair.str(); }},
      {"bid_spread", true,
       [](StrategyConfig& c, const std::string& t) {
         const Decimal v = percent(t);
         if (v.is_negative() || v >= Decimal::one()) throw ValueError{"must be from 0 to below 100 (%)"};
         c.pmm.bid_spread = v;
       },
       [](const StrategyConfig& c) { return as_percent(c.pmm.bid_spread); }},
      {"ask_spread", true,
       [](StrategyConfig& c, const std::string& t) {
         const Decimal v = percent(t);
         if (v.is_negative()) throw ValueError{"must not be negative"};
         c.pmm.ask_spread = v;
       },
       [](const StrategyConfig& c) { return as_percent(c.pmm.ask_spread); }},
      {"minimum_spread", false,
       [](StrategyConfig& c, const std::string& t) {
         if (t.empty()) {
           c.pmm.minimum_spread.reset();
           return;
         }
         const Decimal v = percent(t);
         if (v.is_negative())
           c.pmm.minimum_spread.reset();  // Hummingbot's -100: disabled
         else
           c.pmm.minimum_spread = v;
       },
       [](const StrategyConfig& c) {
         return c.pmm.minimum_spread ? as_percent(*c.pmm.minimum_spread) : std::string("-100");
       }},
      {"order_refresh_time", false,
       [](StrategyConfig& c, const std::string& t) {
         const Ms v = seconds(t);
         if (v.count() <= 0) throw ValueError{"must be positive (seconds)"};
         c.pmm.order_refresh_time = v;
       },
       [](const StrategyConfig& c) { return as_seconds(c.pmm.order_refresh_time); }},
      {"order_refresh_tolerance_pct", false,
       [](StrategyConfig& c, const std::string& t) {
         const Decimal v = percent(t);
         if (v.is_negative()) throw ValueError{"must not be negative"};
         c.pmm.order_refresh_tolerance = v;
       },
       [](const StrategyConfig& c) { return as_percent(c.pmm.order_refresh_tolerance); }},
      {"filled_order_delay", false,
       [](StrategyConfig& c, const std::string& t) {
         const Ms v = seconds(t);
         if (v.count() < 0) throw ValueError{"must not be negative (seconds)"};
         c.pmm.filled_order_delay = v;
       },
       [](const StrategyConfig& c) { return as_seconds(c.pmm.filled_order_delay); }},
      {"order_amount", true,
       [](StrategyConfig& c, const std::string& t) {
         const Decimal v = number(t);
         if (!v.is_positive()) throw ValueError{"must be positive (base units)"};
         c.pmm.order_amount = v;
       },
       [](const StrategyConfig& c) { return c.pmm.order_amount.to_string(); }},
      {"order_levels", false,
       [](StrategyConfig& c, const std::string& t) {
         const Decimal v = number(t);
         if (v.round_to(0, Rounding::kDown) != v || v < Decimal::one() || v > Decimal::from_int(100))
           throw ValueError{"must be a whole number from 1 to 100"};
         c.pmm.order_levels = static_cast<int>(v.steps_of(Decimal::one()));
       },
       [](const StrategyConfig& c) { return std::to_string(c.pmm.order_levels); }},
      {"order_level_spread", false,
       [](StrategyConfig& c, const std::string& t) {
         const Decimal v = percent(t);
         if (v.is_negative()) throw ValueError{"must not be negative"};
         c.pmm.order_level_spread = v;
       },
       [](const StrategyConfig& c) { return as_percent(c.pmm.order_level_spread); }},
      {"order_level_amount", false,
       [](StrategyConfig& c, const std::string& t) {
         const Decimal v = number(t);
         if (v.is_negative()) throw ValueError{"must not be negative"};
         c.pmm.order_level_amount = v;
       },
       [](const StrategyConfig& c) { return c.pmm.order_level_amount.to_string(); }},
      {"inventory_skew_enabled", false,
       [](StrategyConfig& c, const std::string& t) { c.pmm.inventory_skew = boolean(t); },
       [](const StrategyConfig& c) { return as_bool(c.pmm.inventory_skew); }},
      {"inventory_target_base_pct", false,
       [](StrategyConfig& c, const std::string& t) {
         const Decimal v = percent(t);
         if (v.is_negative() || v > Decimal::one()) throw ValueError{"must be from 0 to 100 (%)"};
         c.pmm.inventory_target_base = v;
       },
       [](const StrategyConfig& c) { return as_percent(c.pmm.inventory_target_base); }},
      {"inventory_range_multiplier", false,
       [](StrategyConfig& c, const std::string& t) {
         const Decimal v = number(t);
         if (!v.is_positive()) throw ValueError{"must be positive"};
         c.pmm.inventory_range_multiplier = v;
       },
       [](const StrategyConfig& c) { return c.pmm.inventory_range_multiplier.to_string(); }},
      {"price_ceiling", false,
       [](StrategyConfig& c, const std::string& t) {
         const Decimal v = t.empty() ? Decimal::from_int(-1) : number(t);
         if (v.is_positive())
           c.pmm.price_ceiling = v;
         else
           c.pmm.price_ceiling.reset();  // Hummingbot's -1: none
       },
       [](const StrategyConfig& c) {
         return c.pmm.price_ceiling ? c.pmm.price_ceiling->to_string() : std::string("-1");
       }},
      {"price_floor", false,
       [](StrategyConfig& c, const std::string& t) {
         const Decimal v = t.empty() ? Decimal::from_int(-1) : number(t);
         if (v.is_positive())
           c.pmm.price_floor = v;
         else
           c.pmm.price_floor.reset();
       },
       [](const StrategyConfig& c) {
         return c.pmm.price_floor ? c.pmm.price_floor->to_string() : std::string("-1");
       }},
      {"kill_switch_enabled", false,
       [](StrategyConfig& c, const std::string& t) {
         c.kill_switch_enabled = boolean(t);
         sync_kill_switch(c);
       },
       [](const StrategyConfig& c) { return as_bool(c.kill_switch_enabled); }},
      {"kill_switch_rate", false,
       [](StrategyConfig& c, const std::string& t) {
         const Decimal v = number(t);
         if (!v.is_negative() || v < Decimal::from_int(-100))
           throw ValueError{"must be a loss in % from -100 to below 0 (e.g. -5 stops at a 5 % loss)"};
         c.kill_switch_rate = v;
         sync_kill_switch(c);
       },
       [](const StrategyConfig& c) { return c.kill_switch_rate.to_string(); }},
  };
  return table;
}

const Key* find_key(const std::string& name) {
  for (const auto& k : keys())
    if (name == k.name) return &k;
  return nullptr;
}

std::string where(const std::string& source, const std::string& key) {
  return (source.empty() ? std::string() : source + ": ") + key + ": ";
}

// Maps PmmConfig::validate()'s message to the key it is about.
std::string key_of(const std::string& why) {
  for (const char* k :
       {"order_amount", "order_levels", "bid_spread", "order_level_amount", "order_refresh_time"})
    if (why.find(k) != std::string::npos) return k;
  if (why.find("spreads") != std::string::npos) return "bid_spread";
  if (why.find("inventory_target_base") != std::string::npos) return "inventory_target_base_pct";
  if (why.find("kill_switch") != std::string::npos) return "kill_switch_rate";
  if (why.find("pair") != std::string::npos) return "market";
  return "config";
}

void check(const StrategyConfig& c, const std::string& source) {
  if (const std::string why = c.pmm.validate(); !why.empty())
    throw ConfigError(where(source, key_of(why)) + why);
}

}  // namespace

const std::vector<std::string>& strategy_config_keys() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& k : keys()) out.emplace_back(k.name);
    return out;
  }();
  return names;
}

StrategyConfig parse_strategy_config(const std::string& yaml_text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(source + ": not valid YAML: " + e.what());
  }
  if (!root.IsMap()) throw ConfigError(source + ": expected `key: value` lines (a YAML mapping)");
  StrategyConfig config;
  std::map<std::string, bool> seen;
  for (const auto& item : root) {
    const std::string name = item.first.as<std::string>();
    const Key* key = find_key(name);
    if (!key) {
      config.ignored_keys.push_back(name);
      continue;
    }
    const YAML::Node& value = item.second;
    std::string text;
    if (value.IsScalar())
      text = trim(value.Scalar());
    else if (!value.IsNull())
      throw ConfigError(where(source, name) + "expected a single value");
    if (text.empty() && key->required) throw ConfigError(where(source, name) + "a value is required");
    try {
      key->set(config, text);
    } catch (const ValueError& e) {
      throw ConfigError(where(source, name) + e.message);
    }
    seen[name] = true;
  }
  for (const auto& k : keys())
    if (k.required && !seen.count(k.name)) throw ConfigError(where(source, k.name) + "missing");
  check(config, source);
  return config;
}

StrategyConfig load_strategy_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file.string() + ": cannot be read (no such file?)");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_strategy_config(text.str(), file.string());
}

std::string to_yaml(const StrategyConfig& config) {
  std::ostringstream o;
  o << "########################################################\n"
    << "###       Pure market making strategy config         ###\n"
    << "########################################################\n"
    << "# Written by nectar. Percentages as Hummingbot writes them (bid_spread: 0.1 = 0.1 %), times in "
       "seconds.\n\n";
  for (const auto& k : keys()) o << k.name << ": " << k.get(config) << "\n";
  return o.str();
}

namespace {

/// Temp file + rename: a crash leaves the old file or the new one, never half of one.
void write_atomically(const std::filesystem::path& file, const std::string& text) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  const auto tmp = std::filesystem::path(file.string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw ConfigError(file.string() + ": cannot be written");
    out << text;
    out.flush();
    if (!out) throw ConfigError(file.string() + ": cannot be written");
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) throw ConfigError(file.string() + ": cannot be written: " + ec.message());
}

}  // namespace

void save_strategy_config(const StrategyConfig& config, const std::filesystem::path& file) {
  write_atomically(file, to_yaml(config));
}

BalanceLimits load_balance_limits(const std::filesystem::path& file) {
  BalanceLimits out;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return out;
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    throw ConfigError(file.string() + ": not valid YAML: " + e.what());
  }
  if (root.IsNull()) return out;
  if (!root.IsMap()) throw ConfigError(file.string() + ": expected `exchange: {ASSET: amount}` entries");
  for (const auto& exchange : root) {
    const std::string id = exchange.first.as<std::string>();
    if (!exchange.second.IsMap())
      throw ConfigError(file.string() + ": " + id + ": expected `ASSET: amount` entries");
    for (const auto& asset : exchange.second) {
      const std::string name = asset.first.as<std::string>();
      const std::string text = asset.second.IsScalar() ? asset.second.Scalar() : std::string();
      const auto amount = Decimal::try_parse(text);
      if (!amount || amount->is_negative())
        throw ConfigError(file.string() + ": " + id + ": " + name + ": '" + text +
                          "' is not a non-negative amount");
      out[id][name] = *amount;
    }
  }
  return out;
}

void save_balance_limits(const BalanceLimits& limits, const std::filesystem::path& file) {
  std::ostringstream o;
  o << "# Balance limits (`balance limit <exchange> <asset> <amount>`): the most of each asset a strategy "
       "may\n"
       "# commit on that exchange.\n";
  for (const auto& [exchange, assets] : limits) {
    if (assets.empty()) continue;
    o << exchange << ":\n";
    for (const auto& [asset, amount] : assets) o << "  " << asset << ": \"" << amount.to_string() << "\"\n";
  }
  write_atomically(file, o.str());
}

std::string config_value(const StrategyConfig& config, const std::string& key) {
  const Key* k = find_key(key);
  if (!k) throw ConfigError("'" + key + "' is not a key of this strategy");
  return k->get(config);
}

void set_config_value(StrategyConfig& config, const std::string& key, const std::string& text,
                      const std::string& source, bool check_all) {
  const Key* k = find_key(key);
  if (!k) throw ConfigError(where(source, key) + "not a key of this strategy");
  StrategyConfig next = config;
  const std::string value = trim(text);
  if (value.empty() && k->required) throw ConfigError(where(source, key) + "a value is required");
  try {
    k->set(next, value);
  } catch (const ValueError& e) {
    throw ConfigError(where(source, key) + e.message);
  }
  if (check_all) check(next, source);
  config = std::move(next);
}

}  // namespace nectar::client
