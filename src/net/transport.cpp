#include "transport.hpp"

#include <openssl/ssl.h>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/error.hpp>

namespace nectar::net::detail {

std::shared_ptr<ssl::context> make_tls_context(const TlsConfig& config) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  error_code ec;
  ctx->set_default_verify_paths(ec);
  if (ec)
    throw NetError(NetErrorKind::kTls, "TLS: cannot load the system certificate store: " + ec.message());
  if (!config.extra_ca_file.empty()) {
    ctx->load_verify_file(config.extra_ca_file, ec);
    if (ec) {
      throw NetError(NetErrorKind::kTls,
                     "TLS: cannot load CA file '" + config.extra_ca_file + "': " + ec.message());
    }
  }
  ctx->set_verify_mode(ssl::verify_peer);
  // TLS 1.2+ only: every exchange supports it and older versions are broken.
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  return ctx;
}

struct Watchdog::State {
  explicit State(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  std::function<void()> on_expire;
  bool armed = true;
  bool expired = false;
};

Watchdog::Watchdog(asio::any_io_executor ex, std::chrono::steady_clock::time_point deadline,
                   std::function<void()> on_expire)
    : state_(std::make_shared<State>(std::move(ex))) {
  state_->on_expire = std::move(on_expire);
  state_->timer.expires_at(deadline);
  // The handler owns the state: it may run after the watchdog is gone, and then must do nothing.
  state_->timer.async_wait([s = state_](const error_code& ec) {
    if (ec || !s->armed) return;
    s->expired = true;
    s->on_expire();
  });
}

Watchdog::~Watchdog() {
  state_->armed = false;
  state_->timer.cancel();
}

bool Watchdog::expired() const noexcept {
  return state_->expired;
}

asio::awaitable<void> connect_tcp(tcp::resolver& resolver, beast::tcp_stream& stream, const Url& url,
                                  const Watchdog& watchdog, std::string_view what) {
  const std::string endpoint = url.host + ":" + std::to_string(url.port);
  auto [rec, results] = co_await resolver.async_resolve(url.host, std::to_string(url.port), use_nothrow);
  if (watchdog.expired())
    throw NetError(NetErrorKind::kTimeout, std::string(what) + ": timed out resolving " + endpoint);
  if (rec)
    throw NetError(NetErrorKind::kConnect,
                   std::string(what) + ": cannot resolve " + endpoint + ": " + rec.message());
  auto [cec, ep] = co_await stream.async_connect(results, use_nothrow);
  if (watchdog.expired())
    throw NetError(NetErrorKind::kTimeout, std::string(what) + ": timed out connecting to " + endpoint);
  if (cec)
    throw NetError(NetErrorKind::kConnect,
                   std::string(what) + ": cannot connect to " + endpoint + ": " + cec.message());
  error_code ignored;
  // Requests are small and latency matters more than packet count.
  stream.socket().set_option(tcp::no_delay(true), ignored);
}

asio::awaitable<void> tls_handshake(TlsStream& stream, const Url& url, const Watchdog& watchdog,
                                    std::string_view what) {
  error_code addr_ec;
  asio::ip::make_address(url.host, addr_ec);
  const bool is_ip = !addr_ec;
  // SNI is for names only (RFC 6066 §3); servers hosting many names need it to pick the certificate.
  if (!is_ip && !SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str())) {
    throw NetError(NetErrorKind::kTls, std::string(what) + ": cannot set SNI for " + url.host);
  }
  stream.set_verify_mode(ssl::verify_peer);
  stream.set_verify_callback(ssl::host_name_verification(url.host));
  auto [ec] = co_await stream.async_handshake(ssl::stream_base::client, use_nothrow);
  if (watchdog.expired())
    throw NetError(NetErrorKind::kTimeout,
                   std::string(what) + ": timed out in TLS handshake with " + url.host);
  if (ec) {
    std::string detail = ec.message();
    if (ec.category() == asio::error::get_ssl_category()) {
      const long verify = SSL_get_verify_result(stream.native_handle());
      if (verify != X509_V_OK) detail += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    }
    throw NetError(NetErrorKind::kTls, std::string(what) + ": TLS handshake with " + url.host + ":" +
                                           std::to_string(url.port) + " failed: " + detail);
  }
}

void close_quietly(beast::tcp_stream& stream) noexcept {
  error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream.socket().close(ec);
}

bool is_disconnect(const error_code& ec) noexcept {
  return ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == asio::error::not_connected ||
         ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor ||
         ec == beast::http::error::end_of_stream || ec == beast::http::error::partial_message ||
         ec == asio::ssl::error::stream_truncated || ec == beast::websocket::error::closed;
}

}  // namespace nectar::net::detail
