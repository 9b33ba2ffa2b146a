#include "nectar/net/websocket_client.hpp"

#include <deque>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "transport.hpp"

namespace nectar::net {

namespace {

using namespace detail;
namespace websocket = beast::websocket;
namespace http = beast::http;

using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<TlsStream>;

template <class Ws>
void configure(Ws& ws) {
  websocket::permessage_deflate deflate;
  deflate.client_enable = true;  // offered; used only if the server agrees
  ws.set_option(deflate);
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::request_type& req) { req.set(http::field::user_agent, "nectar/0.1"); }));
  // No Beast idle timeout: liveness is the caller's read timeout (exchanges differ on pings).
  ws.set_option(
      websocket::stream_base::timeout{websocket::stream_base::none(), websocket::stream_base::none(), false});
  ws.read_message_max(64 * 1024 * 1024);
}

template <class Ws>
asio::awaitable<std::pair<error_code, int>> do_handshake(Ws& ws, const Url& url) {
  websocket::response_type res;
  auto [ec] = co_await ws.async_handshake(res, url.host_header(), url.target, use_nothrow);
  co_return std::pair{ec, static_cast<int>(res.result_int())};
}

template <class Ws>
asio::awaitable<error_code> do_read(Ws& ws, beast::flat_buffer& buffer) {
  auto [ec, n] = co_await ws.async_read(buffer, use_nothrow);
  co_return ec;
}

template <class Ws>
asio::awaitable<error_code> do_write(Ws& ws, const std::string& text) {
  ws.text(true);
  auto [ec, n] = co_await ws.async_write(asio::buffer(text), use_nothrow);
  co_return ec;
}

template <class Ws>
asio::awaitable<error_code> do_close(Ws& ws) {
  auto [ec] = co_await ws.async_close(websocket::close_code::normal, use_nothrow);
  co_return ec;
}

}  // namespace

struct WebSocketClient::Impl {
  Impl(asio::any_io_executor e, TlsConfig t) : ex(e), tls_config(std::move(t)), read_timer(e) {}

  /// A queued send: the writer coroutine fills `ec`, sets `done` and cancels `signal` to wake the sender.
  struct Pending {
    Pending(asio::any_io_executor ex, std::string t) : text(std::move(t)), signal(ex) {
      signal.expires_at(asio::steady_timer::time_point::max());
    }
    std::string text;
    asio::steady_timer signal;
    error_code ec;
    bool done = false;
  };

  asio::any_io_executor ex;
  TlsConfig tls_config;
  std::shared_ptr<ssl::context> tls_ctx;
  std::unique_ptr<PlainWs> plain;
  std::unique_ptr<TlsWs> tls;
  std::string url;
  Url parsed;
  beast::flat_buffer buffer;
  bool open = false;
  bool closed_locally = false;
  bool last_binary = false;

  std::deque<std::shared_ptr<Pending>> queue;
  bool writing = false;

  asio::steady_timer read_timer;
  uint64_t read_generation = 0;
  bool read_pending = false;
  bool read_timed_out = false;

  beast::tcp_stream* lowest() {
    if (plain) return &beast::get_lowest_layer(*plain);
    if (tls) return &beast::get_lowest_layer(*tls);
    return nullptr;
  }
  void close_socket() noexcept {
    if (auto* s = lowest()) close_quietly(*s);
  }
  std::string what() const { return "WebSocket " + parsed.host_header() + std::string(parsed.path()); }
  NetError failure(const error_code& ec, std::string_view during) const {
    if (closed_locally) return NetError(NetErrorKind::kClosed, what() + ": closed locally");
    if (ec == websocket::error::closed) {
      std::string msg = what() + ": closed by peer";
      const auto reason = plain ? plain->reason() : tls->reason();
      msg += " (code " + std::to_string(reason.code) +
             (reason.reason.empty() ? "" : ", " + std::string(reason.reason.data(), reason.reason.size())) +
             ")";
      return NetError(NetErrorKind::kClosed, msg);
    }
    if (is_disconnect(ec))
      return NetError(NetErrorKind::kClosed,
                      what() + ": connection lost " + std::string(during) + ": " + ec.message());
    return NetError(NetErrorKind::kProtocol,
                    what() + ": " + std::string(during) + " failed: " + ec.message());
  }
};

WebSocketClient::WebSocketClient(boost::asio::any_io_executor ex, TlsConfig tls)
    : impl_(std::make_shared<Impl>(std::move(ex), std::move(tls))) {
  impl_->buffer.reserve(std::size_t{16} * 1024);
}

WebSocketClient::~WebSocketClient() {
  close();
}

boost::asio::awaitable<void> WebSocketClient::connect(std::string url, std::chrono::milliseconds timeout) {
  auto self = impl_;
  if (self->plain || self->tls)
    throw NetError(NetErrorKind::kProtocol, "WebSocket " + url + ": connect() called twice");
  self->url = std::move(url);
  self->parsed = parse_url(self->url);
  if (self->parsed.scheme != "ws" && self->parsed.scheme != "wss") {
    throw UrlError("invalid URL '" + self->url + "': WebSocketClient needs ws:// or wss://");
  }
  const std::string what = self->what();
  tcp::resolver resolver(self->ex);
  Watchdog watchdog(self->ex, std::chrono::steady_clock::now() + timeout, [&] {
    resolver.cancel();
    self->close_socket();
  });
  if (self->parsed.secure()) {
    if (!self->tls_ctx) self->tls_ctx = make_tls_context(self->tls_config);
    self->tls = std::make_unique<TlsWs>(self->ex, *self->tls_ctx);
    co_await connect_tcp(resolver, beast::get_lowest_layer(*self->tls), self->parsed, watchdog, what);
    co_await tls_handshake(self->tls->next_layer(), self->parsed, watchdog, what);
    configure(*self->tls);
  } else {
    self->plain = std::make_unique<PlainWs>(self->ex);
    co_await connect_tcp(resolver, beast::get_lowest_layer(*self->plain), self->parsed, watchdog, what);
    configure(*self->plain);
  }
  std::pair<error_code, int> hs;
  if (self->plain) {
    hs = co_await do_handshake(*self->plain, self->parsed);
  } else {
    hs = co_await do_handshake(*self->tls, self->parsed);
  }
  if (watchdog.expired()) {
    throw NetError(NetErrorKind::kTimeout,
                   what + ": timed out after " + std::to_string(timeout.count()) + " ms");
  }
  if (hs.first) {
    self->close_socket();
    std::string msg = what + ": WebSocket handshake failed: " + hs.first.message();
    if (hs.second != 0) msg += " (HTTP " + std::to_string(hs.second) + ")";
    throw NetError(NetErrorKind::kProtocol, msg);
  }
  self->open = true;
}

boost::asio::awaitable<void> WebSocketClient::send_text(std::string text) {
  auto self = impl_;
  if (!self->open) throw NetError(NetErrorKind::kClosed, self->what() + ": send on a closed connection");
  auto mine = std::make_shared<Impl::Pending>(self->ex, std::move(text));
  self->queue.push_back(mine);
  if (self->writing) {
    // Another coroutine is draining the queue; it wakes us by cancelling our signal.
    if (!mine->done) co_await mine->signal.async_wait(use_nothrow);
  } else {
    self->writing = true;
    while (!self->queue.empty()) {
      auto item = self->queue.front();
      self->queue.pop_front();
      if (!self->open) {
        item->ec = asio::error::not_connected;
      } else {
        if (self->plain) {
          item->ec = co_await do_write(*self->plain, item->text);
        } else {
          item->ec = co_await do_write(*self->tls, item->text);
        }
        if (item->ec) {
          self->open = false;
          self->close_socket();
        }
      }
      item->done = true;
      item->signal.cancel();
    }
    self->writing = false;
  }
  if (mine->ec) throw self->failure(mine->ec, "sending");
}

boost::asio::awaitable<std::string_view> WebSocketClient::read(std::chrono::milliseconds timeout) {
  auto self = impl_;
  if (!self->open) throw NetError(NetErrorKind::kClosed, self->what() + ": read on a closed connection");
  if (self->read_pending) throw NetError(NetErrorKind::kProtocol, self->what() + ": concurrent read()");
  self->buffer.consume(self->buffer.size());
  const uint64_t generation = ++self->read_generation;
  self->read_pending = true;
  self->read_timer.expires_after(timeout);
  // A weak reference: the timer may fire after the client is gone.
  self->read_timer.async_wait([weak = std::weak_ptr<Impl>(self), generation](const error_code& ec) {
    auto s = weak.lock();
    if (ec || !s || !s->read_pending || s->read_generation != generation) return;
    s->read_timed_out = true;
    s->close_socket();  // the only portable way to abort a pending WebSocket read
  });
  error_code ec;
  if (self->plain) {
    ec = co_await do_read(*self->plain, self->buffer);
  } else {
    ec = co_await do_read(*self->tls, self->buffer);
  }
  self->read_pending = false;
  self->read_timer.cancel();
  if (self->read_timed_out) {
    self->open = false;
    throw NetError(NetErrorKind::kTimeout,
                   self->what() + ": no message within " + std::to_string(timeout.count()) + " ms");
  }
  if (ec) {
    self->open = false;
    self->close_socket();
    throw self->failure(ec, "reading");
  }
  self->last_binary = self->plain ? self->plain->got_binary() : self->tls->got_binary();
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: make them part of the allocation. prepare()
  // only reallocates when the spare capacity is short, which the doubling growth makes rare.
  self->buffer.prepare(kReadPadding);
  const auto data = self->buffer.cdata();
  co_return std::string_view(static_cast<const char*>(data.data()), data.size());
}

void WebSocketClient::close() noexcept {
  if (!impl_->plain && !impl_->tls) return;
  impl_->closed_locally = true;
  impl_->open = false;
  impl_->close_socket();
}

boost::asio::awaitable<void> WebSocketClient::close_gracefully(std::chrono::milliseconds timeout) {
  auto self = impl_;
  if (!self->open || self->writing) {
    // A close frame may not overlap a write; an abrupt close is the fallback.
    close();
    co_return;
  }
  self->open = false;
  Watchdog watchdog(self->ex, std::chrono::steady_clock::now() + timeout, [&] { self->close_socket(); });
  if (self->plain) {
    co_await do_close(*self->plain);
  } else {
    co_await do_close(*self->tls);
  }
  self->closed_locally = true;
  self->close_socket();
}

bool WebSocketClient::is_open() const noexcept {
  return impl_->open;
}

bool WebSocketClient::last_message_binary() const noexcept {
  return impl_->last_binary;
}

const std::string& WebSocketClient::url() const noexcept {
  return impl_->url;
}

}  // namespace nectar::net
