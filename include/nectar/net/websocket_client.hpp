// One WebSocket connection (ws:// or wss://) with a serialised send queue and padded zero-copy reads.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "nectar/net/error.hpp"
#include "nectar/net/http_client.hpp"  // TlsConfig

namespace nectar::net {

/// Bytes guaranteed readable (allocated) after the end of every message returned by WebSocketClient::read();
/// equal to SIMDJSON_PADDING so simdjson can parse the view in place.
inline constexpr std::size_t kReadPadding = 64;

/// A single WebSocket client connection. TLS as in HttpClient (system store, SNI, host name check);
/// permessage-deflate is offered; protocol ping frames are answered automatically.
///
/// Thread affinity: every member on the executor given at construction. At most one read() at a time;
/// any number of coroutines may send_text() concurrently (messages go out whole, in call order).
/// Errors: NetError. After a read timeout or any error the connection is closed; make a new client to
/// reconnect.
class WebSocketClient {
 public:
  explicit WebSocketClient(boost::asio::any_io_executor ex, TlsConfig tls = {});
  ~WebSocketClient();
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  /// Resolves, connects, does TLS (wss) and the WebSocket handshake, all within `timeout`.
  boost::asio::awaitable<void> connect(std::string url,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Queues a text message and completes once it is written. Safe to call from several coroutines at once.
  boost::asio::awaitable<void> send_text(std::string text);

  /// Waits up to `timeout` for the next complete message (text or binary). The view points into an internal
  /// buffer and stays valid until the next read() or the client's destruction; at least kReadPadding bytes
  /// after its end are allocated. Throws NetError kTimeout (connection closed), kClosed (peer closed or
  /// close() called), kProtocol.
  boost::asio::awaitable<std::string_view> read(std::chrono::milliseconds timeout);

  /// Closes the connection now, without a closing handshake; pending read()/send_text() fail with kClosed.
  void close() noexcept;
  /// Sends a close frame and waits (up to `timeout`) for the peer's, then closes. Never throws.
  boost::asio::awaitable<void> close_gracefully(std::chrono::milliseconds timeout = std::chrono::seconds(2));

  /// True between a successful connect() and close/failure.
  bool is_open() const noexcept;
  /// Whether the message returned by the last read() was a binary frame (e.g. compressed payloads).
  bool last_message_binary() const noexcept;
  /// The URL given to connect(), for log messages.
  const std::string& url() const noexcept;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace nectar::net
