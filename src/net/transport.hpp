// Internal to nectar_net: connection set-up shared by HttpClient and WebSocketClient (resolve, TCP, TLS with
// verification) and the deadline watchdog both use. Heavy Beast/Asio includes live here, not in public
// headers.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "nectar/net/error.hpp"
#include "nectar/net/http_client.hpp"
#include "nectar/net/url.hpp"

namespace nectar::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

/// Completion token: errors come back as the first tuple element instead of exceptions, so each step can
/// classify its own failure.
inline constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

/// A client TLS context that verifies peers against the system store (plus config.extra_ca_file).
/// Throws NetError kTls if the store or the file cannot be loaded.
std::shared_ptr<ssl::context> make_tls_context(const TlsConfig& config);

/// Fires `on_expire` once at `deadline` unless destroyed first. on_expire runs on the executor's thread and
/// typically closes the socket so that whatever operation is pending fails; the owner then asks expired()
/// to report a timeout instead of the resulting "operation aborted". Destroying the watchdog disarms it, so
/// on_expire may capture references to objects that live as long as the watchdog.
class Watchdog {
 public:
  Watchdog(asio::any_io_executor ex, std::chrono::steady_clock::time_point deadline,
           std::function<void()> on_expire);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  bool expired() const noexcept;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

/// Resolves url.host and connects `stream` (TCP_NODELAY on). Throws NetError kConnect naming host:port
/// (kTimeout if `watchdog` expired meanwhile).
asio::awaitable<void> connect_tcp(tcp::resolver& resolver, beast::tcp_stream& stream, const Url& url,
                                  const Watchdog& watchdog, std::string_view what);

/// SNI + certificate chain + host name verification, then the client handshake. Throws NetError kTls
/// (kTimeout if `watchdog` expired meanwhile).
asio::awaitable<void> tls_handshake(TlsStream& stream, const Url& url, const Watchdog& watchdog,
                                    std::string_view what);

/// Closes a socket ignoring errors (used for cancellation and teardown).
void close_quietly(beast::tcp_stream& stream) noexcept;

/// True for the errors a peer closing or resetting the connection produces.
bool is_disconnect(const error_code& ec) noexcept;

}  // namespace nectar::net::detail
