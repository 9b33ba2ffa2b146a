// A WebSocket that keeps itself connected: reconnect with back-off, dead-stream detection, app-level pings,
// and an on_open hook where the exchange logs in and subscribes (again) after every connect.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "nectar/net/backoff.hpp"
#include "nectar/net/http_client.hpp"  // TlsConfig
#include "nectar/net/websocket_client.hpp"

namespace nectar::net {

/// Settings for one managed stream. Durations in milliseconds.
struct ManagedWebSocketConfig {
  std::string url;                                   ///< ws:// or wss://
  std::chrono::milliseconds connect_timeout{10000};  ///< connect + TLS + handshake
  /// No message for this long means the stream is dead: close and reconnect. Choose it larger than the
  /// keepalive interval when the exchange answers app pings (e.g. 30 s with a 20 s ping).
  std::chrono::milliseconds read_timeout{30000};
  std::chrono::milliseconds keepalive_interval{0};  ///< 0 = no app-level pings
  /// Produces the app-level ping text (Bitget: "ping"). Unset or returning "" = no app ping.
  std::function<std::string()> ping_message;
  BackoffConfig backoff;  ///< delays between reconnect attempts
  TlsConfig tls;
  std::string name = "ws";  ///< for log lines
};

/// Runs one logical stream over successive WebSocketClient connections.
///
/// Lifecycle per connection: connect → on_open (a coroutine; it may send and read_direct() replies, e.g.
/// login then subscribe) → read loop delivering on_message; app pings every keepalive_interval. When an
/// established connection ends (read timeout, peer close, exception thrown by on_open or on_message,
/// force_reconnect(), stop()) on_disconnect(reason) is called. After that, or after a failed connect attempt,
/// run() waits backoff.next() and reconnects; the back-off resets once a connection delivers a message in
/// the read loop. run() returns after stop(); a ManagedWebSocket must outlive its run().
///
/// Thread affinity: run(), send(), read_direct() and the callbacks run on the executor given at construction.
/// stop() and force_reconnect() may be called from any thread. Counters are readable from any thread.
/// Destroy it on the executor's thread (or once the io_context has stopped), after run() returned.
class ManagedWebSocket {
 public:
  using OpenHandler = std::function<boost::asio::awaitable<void>(ManagedWebSocket&)>;
  using MessageHandler = std::function<void(std::string_view)>;
  using DisconnectHandler = std::function<void(const std::string& reason)>;

  ManagedWebSocket(boost::asio::any_io_executor ex, ManagedWebSocketConfig config);
  ~ManagedWebSocket();
  ManagedWebSocket(const ManagedWebSocket&) = delete;
  ManagedWebSocket& operator=(const ManagedWebSocket&) = delete;

  /// Set the callbacks before run().
  void on_open(OpenHandler handler) { on_open_ = std::move(handler); }
  void on_message(MessageHandler handler) { on_message_ = std::move(handler); }
  void on_disconnect(DisconnectHandler handler) { on_disconnect_ = std::move(handler); }

  /// Connects and keeps the stream alive until stop(); returns after stop(). Call once at a time.
  boost::asio::awaitable<void> run();
  /// Ends run(): closes the connection and interrupts any back-off wait. Thread-safe.
  void stop();
  /// Closes the current connection so run() reconnects (reason "forced reconnect"). Thread-safe.
  void force_reconnect();

  /// Sends a text message on the current connection. Throws NetError kClosed when not connected.
  boost::asio::awaitable<void> send(std::string text);
  /// Reads the next message directly, bypassing on_message: for on_open (login/subscribe replies) only.
  /// The view is valid until the next read. Throws NetError like WebSocketClient::read().
  boost::asio::awaitable<std::string_view> read_direct(std::chrono::milliseconds timeout);

  /// Successful connects (handshake done); established connections that ended (each one called
  /// on_disconnect); connect attempts that failed before the handshake completed (logged, no callback);
  /// messages delivered to on_message.
  uint64_t connects() const noexcept { return connects_.load(); }
  uint64_t disconnects() const noexcept { return disconnects_.load(); }
  uint64_t connect_failures() const noexcept { return connect_failures_.load(); }
  uint64_t messages() const noexcept { return messages_.load(); }
  /// True while a connection is up (from handshake until it fails).
  bool connected() const noexcept { return connected_.load(); }
  const ManagedWebSocketConfig& config() const noexcept { return config_; }

 private:
  struct State;  // shared with posted stop()/force_reconnect() calls and the keepalive coroutine
  boost::asio::awaitable<void> run_connection(Backoff& backoff);

  ManagedWebSocketConfig config_;
  OpenHandler on_open_;
  MessageHandler on_message_;
  DisconnectHandler on_disconnect_;
  std::shared_ptr<State> state_;
  std::atomic<uint64_t> connects_{0};
  std::atomic<uint64_t> disconnects_{0};
  std::atomic<uint64_t> connect_failures_{0};
  std::atomic<uint64_t> messages_{0};
  std::atomic<bool> connected_{false};
};

}  // namespace nectar::net
