// Connector id -> factory, with the environment (production, testnet/demo, simulator) and URL overrides.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "nectar/connectors/connector.hpp"

namespace nectar {

enum class Environment : uint8_t { kProduction, kDemo, kSimulator };
std::string_view to_string(Environment env);
std::optional<Environment> parse_environment(
    std::string_view text);  // "production", "demo"/"testnet", "simulator"

/// Base URLs of one exchange environment.
struct Endpoints {
  std::string rest;
  std::string ws_public;
  std::string ws_private;
};

/// A secret that never prints: logging or formatting it shows "***".
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  friend bool operator==(const Secret&, const Secret&) = default;

 private:
  std::string value_;
};

struct ConnectorConfig {
  std::string id;  ///< e.g. "bitget"
  Environment environment = Environment::kProduction;
  std::map<std::string, Secret>
      credentials;  ///< by credential name, e.g. "api_key", "secret_key", "passphrase"
  std::vector<TradingPair> trading_pairs;
  std::optional<Endpoints> endpoint_override;  ///< replaces the environment's URLs (simulator, proxies)
  bool track_user_stream = true;               ///< false for market-data-only use
  /// Connector-specific settings, e.g. {"margin_mode", "isolated"} for perpetuals (default crossed).
  std::map<std::string, std::string> options;
};

/// A credential the connector asks for at `connect`, with the prompt Hummingbot users know.
struct CredentialSpec {
  std::string name;    ///< key in ConnectorConfig::credentials
  std::string prompt;  ///< e.g. "Enter your Bitget API key"
};

struct ConnectorInfo {
  std::string id;
  bool perpetual = false;
  std::vector<CredentialSpec> credentials;
  std::map<Environment, Endpoints> environments;
  std::function<std::unique_ptr<Connector>(boost::asio::any_io_executor, const ConnectorConfig&)> factory;
  /// Where the exchange names a common asset otherwise (BitMEX: {"BTC", "XBT"}): common name -> the
  /// exchange's. Paper balances given in common names (the defaults, a user's file) are renamed with it.
  std::map<std::string, std::string, std::less<>> asset_names;
};

/// Endpoints for `config` from an exchange's environment table: the override when given, else the table's
/// entry. Throws std::invalid_argument naming the connector and environment when neither exists.
Endpoints resolve_endpoints(const std::string& id, const std::map<Environment, Endpoints>& environments,
                            const ConnectorConfig& config);

/// The usual registry factory: builds T(executor, config, endpoints) with resolve_endpoints.
template <class T>
std::function<std::unique_ptr<Connector>(boost::asio::any_io_executor, const ConnectorConfig&)>
endpoint_factory(std::string id, std::map<Environment, Endpoints> environments) {
  return [id = std::move(id), environments = std::move(environments)](boost::asio::any_io_executor ex,
                                                                      const ConnectorConfig& config) {
    return std::unique_ptr<Connector>(
        std::make_unique<T>(ex, config, resolve_endpoints(id, environments, config)));
  };
}

/// The process-wide list of connectors. Exchanges register themselves at start (see register_all_connectors).
class ConnectorRegistry {
 public:
  static ConnectorRegistry& instance();
  void add(ConnectorInfo info);
  const ConnectorInfo* find(std::string_view id) const;
  std::vector<std::string> ids() const;
  /// A connector on the roadmap but not built into this nectar: listed (e.g. by `connect`) as "not
  /// available yet", never created. A real add() of the same id wins.
  void add_planned(std::string id, std::string exchange_name);
  /// The exchange name of a planned id (e.g. "BitMart"); nullptr when it is not planned or is available.
  const std::string* planned(std::string_view id) const;
  std::vector<std::string> planned_ids() const;
  /// "known: a, b, c" plus "; not available yet: x, y" when there are planned ids (error messages).
  std::string describe_known() const;
  /// Endpoints for a config: the override if set, else the environment's. Throws std::invalid_argument when
  /// the connector has no such environment.
  Endpoints endpoints_for(const ConnectorConfig& config) const;
  /// Builds a connector; throws std::invalid_argument for an unknown id (listing the known ones) or missing
  /// credentials (naming them).
  std::unique_ptr<Connector> create(boost::asio::any_io_executor ex, const ConnectorConfig& config) const;

 private:
  std::map<std::string, ConnectorInfo, std::less<>> connectors_;
  std::map<std::string, std::string, std::less<>> planned_;
};

}  // namespace nectar
