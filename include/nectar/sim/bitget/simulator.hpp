// Bitget V2 simulator front-end: spot (`/api/v2/spot/...`, WS instType SPOT) and USDT-M perpetuals
// (`/api/v2/mix/...`, WS instType USDT-FUTURES) on one port (REST and WebSocket /v2/ws/public,
// /v2/ws/private), backed by the shared MatchingEngine, with a seeded moving market. Wire shapes follow
// shared/protocols/bitget.md §2–§7 and §9 so independent clients (ccxt, Hummingbot) work given only base
// URLs. What is served: docs/bitget-sim.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "nectar/sim/exchange_simulator.hpp"
#include "nectar/sim/ledger.hpp"

namespace nectar::sim::bitget {

/// Bitget settles funding every 8 h, at 00:00/08:00/16:00 UTC (the options' default interval).
using nectar::sim::SimulatorOptions;

/// The funded test account (one key). Like real Bitget, the key has a spot account and a separate USDT-M
/// futures account (own wallet): two engine accounts behind the same credentials.
struct SimCredentials {
  std::string api_key;
  std::string secret_key;
  std::string passphrase;
  AccountId account = 0;          ///< spot account
  AccountId futures_account = 0;  ///< USDT-FUTURES account (USDT wallet)
};

/// Thread affinity: construct, start() and all engine access on the io_context's thread (or before it runs);
/// stop() may be called from any thread (see Server::stop). set_activity_paused() and faults() are
/// thread-safe.
class BitgetSimulator : public ExchangeSimulator {
 public:
  BitgetSimulator(boost::asio::io_context& io, const SimulatorOptions& options = {});
  ~BitgetSimulator() override;
  BitgetSimulator(const BitgetSimulator&) = delete;
  BitgetSimulator& operator=(const BitgetSimulator&) = delete;

  /// Binds (port() valid on return) and starts the activity and book-push timers.
  void start() override;
  /// Stops the timers and the server. Idempotent.
  void stop() override;
  uint16_t port() const noexcept override;

  const SimCredentials& credentials() const noexcept;
  std::string rest_url() const;        ///< http://127.0.0.1:PORT
  std::string ws_public_url() const;   ///< ws://127.0.0.1:PORT/v2/ws/public
  std::string ws_private_url() const;  ///< ws://127.0.0.1:PORT/v2/ws/private
  /// URLs rest, ws_public, ws_private; credentials api_key, secret_key, passphrase; both connectors.
  SimulatorBanner banner() const override;
  /// banner().to_json(): one JSON line.
  std::string banner_json() const;

  /// The engine symbol of a USDT-M perpetual (spot and perpetual share wire ids, e.g. "BTCUSDT", so the
  /// perpetuals are kept under distinct engine symbols, e.g. "BTCUSDT_UMCBL").
  static std::string perp_engine_symbol(std::string_view wire_symbol);

  /// Engine and ledger: io thread only (or while the io_context is not running).
  MatchingEngine& engine() noexcept override;
  Ledger& ledger() noexcept;
  FaultInjector& faults() noexcept override;
  /// Pauses/resumes the activity generator (thread-safe); book pushes continue.
  void set_activity_paused(bool paused) noexcept override;

  // ServerHandler
  HttpServerResponse on_http(const HttpServerRequest& request) override;
  void on_ws_open(std::shared_ptr<WsSession> session) override;
  void on_ws_message(std::shared_ptr<WsSession> session, std::string_view text) override;
  void on_ws_close(std::shared_ptr<WsSession> session) override;
  bool accepts_ws_path(std::string_view path) override;
  HttpServerResponse rate_limited_response() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Adds the Bitget front-end ("bitget": connectors bitget, bitget_perpetual) to the registry.
void register_simulator(SimulatorRegistry& registry);

}  // namespace nectar::sim::bitget
