// What every exchange simulator front-end offers, whatever exchange it imitates: start/stop on a loopback
// port, a ready line (banner) naming its URLs and the funded test account's credentials, the matching engine
// behind it, fault injection and the activity switch. The client (`nectar sim`, `--env simulator`,
// `nectar demo`, `nectar probe`) finds front-ends through SimulatorRegistry, never by exchange name.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nectar/sim/faults.hpp"
#include "nectar/sim/matching_engine.hpp"
#include "nectar/sim/server.hpp"

namespace boost::asio {
class io_context;
}

namespace nectar::sim {

struct SimulatorOptions {
  uint16_t port = 0;                ///< 0 = ephemeral
  uint64_t seed = 1;                ///< activity generator seed
  int activity_interval_ms = 250;   ///< one activity step per symbol per interval; <= 0 disables the timer
  int book_push_interval_ms = 150;  ///< batching interval of book / ticker pushes
  bool activity = true;             ///< start with the market activity running
  /// Funding settlement interval of the perpetuals (8 h on most exchanges); tests shorten it.
  int64_t funding_interval_ms = 8LL * 3600 * 1000;
};

/// The three base URLs a connector needs (the same shape as nectar::Endpoints, without depending on the
/// connectors layer).
struct SimEndpoints {
  std::string rest;
  std::string ws_public;
  std::string ws_private;
  friend bool operator==(const SimEndpoints&, const SimEndpoints&) = default;
};

/// The ready line `nectar sim <exchange>` prints first. Serialized as one JSON object:
///   {"exchange": "bitget", "rest": ..., "ws_public": ..., "ws_private": ...,   <- urls, one per host name
///    "api_key": ..., "secret_key": ..., "passphrase": ...,                     <- credentials, top level
///    "connectors": {"bitget": {"rest":..,"ws_public":..,"ws_private":..}, "bitget_perpetual": {...}}}
/// URLs and credentials sit at the top level so independent clients (ccxt conformance) read them by name.
struct SimulatorBanner {
  std::string exchange;
  /// One URL per host the exchange uses, by name (e.g. "rest", "ws_public", "ws_private"; BitMart adds
  /// "rest_futures", "ws_futures_public", ...).
  std::map<std::string, std::string> urls;
  /// The funded test account, by the connectors' credential names (api_key, secret_key, passphrase, memo).
  std::map<std::string, std::string> credentials;
  /// What each connector of this exchange should connect to.
  std::map<std::string, SimEndpoints> connectors;

  std::string to_json() const;
  /// Parses a ready line. Accepts older lines without "exchange"/"connectors" (top-level rest, ws_public,
  /// ws_private and every other string as a credential). nullopt when it is not a JSON object or has no URLs.
  static std::optional<SimulatorBanner> parse(std::string_view json_line);
  /// The endpoints for a connector id: its own entry (a paper-trade id `<id>_paper_trade` uses `<id>`'s),
  /// else the top-level rest/ws_public/ws_private. nullopt when neither exists.
  std::optional<SimEndpoints> endpoints_for(std::string_view connector_id) const;
};

/// An exchange's simulator front-end. Thread affinity: construct, start() and engine access on the
/// io_context's thread (or before it runs); stop(), set_activity_paused() and faults() from any thread.
class ExchangeSimulator : public ServerHandler {
 public:
  ~ExchangeSimulator() override = default;
  /// Binds (port() valid on return) and starts the timers.
  virtual void start() = 0;
  /// Stops the timers and the server. Idempotent.
  virtual void stop() = 0;
  virtual uint16_t port() const noexcept = 0;
  virtual SimulatorBanner banner() const = 0;
  virtual MatchingEngine& engine() noexcept = 0;
  virtual FaultInjector& faults() noexcept = 0;
  virtual void set_activity_paused(bool paused) noexcept = 0;
};

struct SimulatorInfo {
  std::string exchange;                    ///< e.g. "bitget": the argument of `nectar sim`
  std::string display_name;                ///< e.g. "Bitget", in messages
  std::vector<std::string> connector_ids;  ///< the connectors it serves, e.g. {"bitget", "bitget_perpetual"}
  std::string description;                 ///< one line for help texts, e.g. "Bitget V2 spot and USDT-M"
  std::function<std::unique_ptr<ExchangeSimulator>(boost::asio::io_context&, const SimulatorOptions&)>
      factory;
};

/// The process-wide list of simulator front-ends (filled by each exchange's registration, see
/// src/exchanges.cpp.in).
class SimulatorRegistry {
 public:
  static SimulatorRegistry& instance();
  void add(SimulatorInfo info);
  const SimulatorInfo* find(std::string_view exchange) const;
  /// The front-end serving a connector id (a `<id>_paper_trade` id maps to `<id>`'s).
  const SimulatorInfo* find_for_connector(std::string_view connector_id) const;
  std::vector<std::string> exchanges() const;

 private:
  std::map<std::string, SimulatorInfo, std::less<>> simulators_;
};

}  // namespace nectar::sim
