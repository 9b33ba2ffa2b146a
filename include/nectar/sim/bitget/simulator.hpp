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

#include "nectar/sim/faults.hpp"
#include "nectar/sim/ledger.hpp"
#include "nectar/sim/matching_engine.hpp"
#include "nectar/sim/server.hpp"

namespace boost::asio {
class io_context;
}

namespace nectar::sim::bitget {

struct SimulatorOptions {
  uint16_t port = 0;                ///< 0 = ephemeral
  uint64_t seed = 1;                ///< activity generator seed
  int activity_interval_ms = 250;   ///< one activity step per symbol per interval; <= 0 disables the timer
  int book_push_interval_ms = 150;  ///< batching interval of `books` / `ticker` pushes
  bool activity = true;             ///< start with the market activity running
  /// Funding settlement interval of the perpetuals (Bitget: 8 h, at 00:00/08:00/16:00 UTC); tests shorten it.
  int64_t funding_interval_ms = 8LL * 3600 * 1000;
};

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
class BitgetSimulator : public ServerHandler {
 public:
  BitgetSimulator(boost::asio::io_context& io, const SimulatorOptions& options = {});
  ~BitgetSimulator() override;
  BitgetSimulator(const BitgetSimulator&) = delete;
  BitgetSimulator& operator=(const BitgetSimulator&) = delete;

  /// Binds (port() valid on return) and starts the activity and book-push timers.
  void start();
  /// Stops the timers and the server. Idempotent.
  void stop();
  uint16_t port() const noexcept;

  const SimCredentials& credentials() const noexcept;
  std::string rest_url() const;        ///< http://127.0.0.1:PORT
  std::string ws_public_url() const;   ///< ws://127.0.0.1:PORT/v2/ws/public
  std::string ws_private_url() const;  ///< ws://127.0.0.1:PORT/v2/ws/private
  /// One JSON line: rest, ws_public, ws_private, api_key, secret_key, passphrase.
  std::string banner_json() const;

  /// The engine symbol of a USDT-M perpetual (spot and perpetual share wire ids, e.g. "BTCUSDT", so the
  /// perpetuals are kept under distinct engine symbols, e.g. "BTCUSDT_UMCBL").
  static std::string perp_engine_symbol(std::string_view wire_symbol);

  /// Engine and ledger: io thread only (or while the io_context is not running).
  MatchingEngine& engine() noexcept;
  Ledger& ledger() noexcept;
  FaultInjector& faults() noexcept;
  /// Pauses/resumes the activity generator (thread-safe); book pushes continue.
  void set_activity_paused(bool paused) noexcept;

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

}  // namespace nectar::sim::bitget
