// The simulator's socket front door: one Beast server on 127.0.0.1 serving HTTP/1.1 (keep-alive) and
// WebSocket upgrades on the same port, dispatching to an exchange front-end's ServerHandler.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nectar/sim/faults.hpp"

namespace boost::asio {
class io_context;
}

namespace nectar::sim {

/// One HTTP request as the front-end sees it.
struct HttpServerRequest {
  std::string method;  ///< "GET", "POST", ...
  std::string target;  ///< raw request target, e.g. "/api/v2/spot/market/orderbook?symbol=BTCUSDT"
  std::string path;    ///< target before '?'
  std::string query;   ///< raw query after '?' (undecoded; what signatures hash), "" when absent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// Value of the first header named `name` (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
  /// Decoded value of query parameter `key` ('+' and %XX decoded); "" when absent or empty.
  std::string query_param(std::string_view key) const;
  /// Like query_param() but distinguishes absent (nullopt) from empty.
  std::optional<std::string> find_query_param(std::string_view key) const;
};

/// What the front-end answers.
struct HttpServerResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers (e.g. Retry-After)
  std::string body;
};

/// Server construction options.
struct ServerOptions {
  /// A WebSocket that sends nothing (no message, ping or pong) for this long is dropped.
  std::chrono::milliseconds ws_idle_timeout{std::chrono::seconds(120)};
  /// A keep-alive HTTP connection with no new request for this long is closed (clients must cope with
  /// stale pooled connections, as with real exchanges).
  std::chrono::milliseconds http_idle_timeout{std::chrono::seconds(60)};
  /// Accept permessage-deflate when the client offers it (as real exchanges do).
  bool permessage_deflate = true;
  /// Answer a literal text "ping" with "pong" without calling the handler (Bitget/OKX style).
  bool answer_text_ping = false;
  /// How long a request hit by FaultInjector::timeout_next_rest stays unanswered before the server closes it.
  std::chrono::milliseconds rest_timeout_hold{std::chrono::seconds(30)};
  /// Fault knobs shared with the front-end (which owns them); when null the Server owns its own.
  FaultInjector* faults = nullptr;
};

/// One accepted WebSocket connection. Held by shared_ptr; stays valid (but !is_open()) after the connection
/// ends. Thread affinity: created and used on the server's io_context thread; send() and close() may also be
/// called from other threads (they hop onto the server thread).
class WsSession : public std::enable_shared_from_this<WsSession> {
 public:
  struct Impl;
  explicit WsSession(std::unique_ptr<Impl> impl);
  ~WsSession();
  WsSession(const WsSession&) = delete;
  WsSession& operator=(const WsSession&) = delete;

  /// Queues a text message; messages go out whole and in order. No-op once closed, or while the fault
  /// injector mutes WebSockets.
  void send(std::string text);
  /// Starts a normal closing handshake after the queued messages are written.
  void close();
  /// Closes the TCP connection at once, without a close frame (what drop_all_websockets does).
  void drop();
  /// Path of the upgrade request, e.g. "/v2/ws/public".
  const std::string& path() const noexcept;
  /// The full upgrade request (headers, raw query), for front-ends that authenticate on connect.
  const HttpServerRequest& request() const noexcept;
  /// Unique per server, increasing from 1.
  uint64_t id() const noexcept;
  /// True from the handshake until the connection ends.
  bool is_open() const noexcept;

  /// Arbitrary per-session state for the front-end (login state, subscriptions, ...).
  std::shared_ptr<void> user_data;
  /// user_data cast to T (nullptr when unset). The caller knows what it stored.
  template <class T>
  T* user() const noexcept {
    return static_cast<T*>(user_data.get());
  }

  Impl& impl() noexcept { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

/// The interface an exchange front-end implements. Every callback runs on the server's io_context thread,
/// one at a time, so handlers need no locks. Handlers must not block.
class ServerHandler {
 public:
  virtual ~ServerHandler() = default;
  /// Answers one HTTP request. An exception becomes a 500 with the message as body.
  virtual HttpServerResponse on_http(const HttpServerRequest& request) = 0;
  /// A WebSocket finished its handshake.
  virtual void on_ws_open(std::shared_ptr<WsSession> /*session*/) {}
  /// A text or binary message from the client.
  virtual void on_ws_message(std::shared_ptr<WsSession> /*session*/, std::string_view /*text*/) {}
  /// The WebSocket ended (either side, any reason); called once per opened session.
  virtual void on_ws_close(std::shared_ptr<WsSession> /*session*/) {}
  /// Whether an upgrade to `path` is accepted; refused upgrades get HTTP 404.
  virtual bool accepts_ws_path(std::string_view /*path*/) { return true; }
  /// The response for FaultInjector::rate_limit_next_rest; exchanges override it with their own body.
  virtual HttpServerResponse rate_limited_response() {
    return HttpServerResponse{
        429, "application/json", {{"Retry-After", "1"}}, R"({"code":"429","msg":"Too Many Requests"})"};
  }
};

/// HTTP + WebSocket server on 127.0.0.1. Thread affinity: construct, start() and run handlers on the
/// io_context's thread (start() may also be called before that thread runs io.run()); stop() may be called
/// from any thread. The Server must outlive the io_context's processing of its work: call stop() and let
/// io.run() return (or stop the io_context) before destroying it.
class Server {
 public:
  /// `port` 0 picks an ephemeral port (see port()).
  Server(boost::asio::io_context& io, ServerHandler& handler, uint16_t port = 0, ServerOptions options = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and listens (synchronously, so port() is valid on return), then accepts in the background.
  /// Throws boost::system::system_error if the port cannot be bound.
  void start();
  /// Stops accepting, calls on_ws_close for open sessions and closes every connection. Idempotent.
  /// From another thread it hops onto the io thread and waits (up to 2 s) for completion; the io_context must
  /// be running for that. The destructor stops too, but without calling handlers.
  void stop();
  /// The bound port (valid after start()).
  uint16_t port() const noexcept;
  /// "http://127.0.0.1:<port>" and "ws://127.0.0.1:<port>".
  std::string http_url() const;
  std::string ws_url() const;

  /// Open WebSocket sessions, oldest first. Server thread only.
  std::vector<std::shared_ptr<WsSession>> sessions() const;
  /// The fault knobs in use (ServerOptions::faults or the Server's own). Thread-safe.
  FaultInjector& faults() noexcept;

  /// Counters for tests (thread-safe): TCP connections accepted, HTTP requests answered (including faults).
  uint64_t connections_accepted() const noexcept;
  uint64_t http_requests() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace nectar::sim
