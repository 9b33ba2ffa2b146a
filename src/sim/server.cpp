#include "nectar/sim/server.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <future>
#include <map>
#include <unordered_map>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "nectar/net/url.hpp"

namespace nectar::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

void close_quietly(beast::tcp_stream& stream) noexcept {
  error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream.socket().close(ec);
}

/// Completion for detached server coroutines: an escaped exception is a bug worth a log line, not a crash.
void log_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    spdlog::error("sim server: coroutine failed: {}", ex.what());
  }
}

HttpServerRequest to_server_request(http::request<http::string_body>& req) {
  HttpServerRequest r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  const auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  for (const auto& field : req)
    r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  r.body = std::move(req.body());
  return r;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// HttpServerRequest

std::optional<std::string> HttpServerRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return std::nullopt;
}

std::optional<std::string> HttpServerRequest::find_query_param(std::string_view key) const {
  return net::find_query_param(query, key);
}

std::string HttpServerRequest::query_param(std::string_view key) const {
  return find_query_param(key).value_or(std::string{});
}

// ---------------------------------------------------------------------------------------------------------
// WsSession

struct WsSession::Impl {
  Impl(beast::tcp_stream stream, HttpServerRequest req, uint64_t session_id, FaultInjector* f)
      : ws(std::move(stream)),
        request(std::move(req)),
        id(session_id),
        faults(f),
        idle_timer(ws.get_executor()) {}

  websocket::stream<beast::tcp_stream> ws;
  HttpServerRequest request;
  uint64_t id;
  FaultInjector* faults;
  std::deque<std::string> queue;
  bool writing = false;
  bool close_requested = false;
  bool open = false;
  bool close_notified = false;  // on_ws_close was called (exactly once)
  std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();
  asio::steady_timer idle_timer;

  void drop_now() noexcept {
    open = false;
    queue.clear();
    close_quietly(beast::get_lowest_layer(ws));
  }
};

namespace {

/// Drains the session's queue, then performs a requested close. One instance per session at a time.
asio::awaitable<void> ws_write_loop(std::shared_ptr<WsSession> session) {
  auto& s = session->impl();
  while (!s.queue.empty() && s.open) {
    std::string message = std::move(s.queue.front());
    s.queue.pop_front();
    s.ws.text(true);
    auto [ec, n] = co_await s.ws.async_write(asio::buffer(message), use_nothrow);
    if (ec) {
      s.queue.clear();
      break;
    }
  }
  if (s.close_requested && s.open) {
    co_await s.ws.async_close(websocket::close_code::normal, use_nothrow);
  }
  s.writing = false;
}

void start_writer(const std::shared_ptr<WsSession>& session) {
  auto& s = session->impl();
  if (s.writing) return;
  s.writing = true;
  asio::co_spawn(s.ws.get_executor(), ws_write_loop(session), log_exception);
}

}  // namespace

WsSession::WsSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WsSession::~WsSession() = default;

void WsSession::send(std::string text) {
  // dispatch runs inline on the server thread (the usual case) and hops there from any other thread.
  asio::dispatch(impl_->ws.get_executor(), [self = shared_from_this(), text = std::move(text)]() mutable {
    auto& s = self->impl();
    if (!s.open || s.close_requested || s.faults->websockets_muted() ||
        s.faults->consume_drop_websocket_message(text))
      return;
    s.queue.push_back(std::move(text));
    start_writer(self);
  });
}

void WsSession::close() {
  asio::dispatch(impl_->ws.get_executor(), [self = shared_from_this()] {
    auto& s = self->impl();
    if (!s.open || s.close_requested) return;
    s.close_requested = true;
    start_writer(self);
  });
}

void WsSession::drop() {
  asio::dispatch(impl_->ws.get_executor(), [self = shared_from_this()] { self->impl().drop_now(); });
}

const std::string& WsSession::path() const noexcept {
  return impl_->request.path;
}
const HttpServerRequest& WsSession::request() const noexcept {
  return impl_->request;
}
uint64_t WsSession::id() const noexcept {
  return impl_->id;
}
bool WsSession::is_open() const noexcept {
  return impl_->open;
}

// ---------------------------------------------------------------------------------------------------------
// Server

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(asio::io_context& io_, ServerHandler& handler_, uint16_t port_, ServerOptions options_)
      : io(io_),
        handler(handler_),
        options(options_),
        faults(options_.faults ? options_.faults : &own_faults),
        acceptor(io_),
        requested_port(port_) {}

  asio::io_context& io;
  ServerHandler& handler;
  ServerOptions options;
  FaultInjector own_faults;
  FaultInjector* faults;
  tcp::acceptor acceptor;
  uint16_t requested_port;
  std::atomic<uint16_t> port{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> requests{0};
  // Server thread only:
  bool running = false;  // handlers may be called
  bool stopped = false;
  std::map<uint64_t, std::shared_ptr<WsSession>> sessions;  // open sessions by id (oldest first)
  std::unordered_map<uint64_t, std::weak_ptr<beast::tcp_stream>> http_conns;
  uint64_t next_session_id = 1;
  uint64_t next_conn_id = 1;

  void do_stop(bool notify);
  void drop_all_websockets();
  void finish_session(const std::shared_ptr<WsSession>& session);

  using ImplPtr = std::shared_ptr<Impl>;
  static asio::awaitable<void> accept_loop(ImplPtr server);
  static asio::awaitable<void> run_http(ImplPtr server, tcp::socket socket);
  static asio::awaitable<void> run_ws(ImplPtr server, beast::tcp_stream stream,
                                      http::request<http::string_body> req, HttpServerRequest sreq);
};

void Server::Impl::do_stop(bool notify) {
  if (stopped) return;
  stopped = true;
  running = false;
  faults->set_drop_listener(nullptr);
  error_code ec;
  acceptor.close(ec);
  auto open_sessions = std::move(sessions);
  sessions.clear();
  for (auto& [id, session] : open_sessions) {
    auto& s = session->impl();
    if (notify && !s.close_notified) {
      s.close_notified = true;
      try {
        handler.on_ws_close(session);
      } catch (const std::exception& e) {
        spdlog::error("sim server: on_ws_close threw: {}", e.what());
      }
    }
    s.close_notified = true;
    s.drop_now();
    s.idle_timer.cancel();
  }
  for (auto& [id, weak] : http_conns) {
    if (auto stream = weak.lock()) close_quietly(*stream);
  }
  http_conns.clear();
}

void Server::Impl::drop_all_websockets() {
  // Copy first: dropping completes reads later, but keep the iteration independent of the map anyway.
  std::vector<std::shared_ptr<WsSession>> all;
  for (auto& [id, session] : sessions) all.push_back(session);
  for (auto& session : all) session->impl().drop_now();
}

void Server::Impl::finish_session(const std::shared_ptr<WsSession>& session) {
  auto& s = session->impl();
  s.open = false;
  s.queue.clear();
  s.idle_timer.cancel();
  sessions.erase(s.id);
  if (running && !s.close_notified) {
    s.close_notified = true;
    try {
      handler.on_ws_close(session);
    } catch (const std::exception& e) {
      spdlog::error("sim server: on_ws_close threw: {}", e.what());
    }
  }
  close_quietly(beast::get_lowest_layer(s.ws));
}

namespace {

/// Drops the session once the client has been silent for the idle timeout.
asio::awaitable<void> ws_idle_watch(std::shared_ptr<WsSession> session, std::chrono::milliseconds idle) {
  auto& s = session->impl();
  for (;;) {
    s.idle_timer.expires_at(s.last_activity + idle);
    auto [ec] = co_await s.idle_timer.async_wait(use_nothrow);
    if (ec || !s.open) co_return;
    if (std::chrono::steady_clock::now() >= s.last_activity + idle) {
      spdlog::debug("sim server: dropping idle WebSocket {} ({})", s.id, s.request.path);
      s.drop_now();
      co_return;
    }
  }
}

}  // namespace

asio::awaitable<void> Server::Impl::run_ws(ImplPtr server, beast::tcp_stream stream,
                                           http::request<http::string_body> req, HttpServerRequest sreq) {
  const uint64_t id = server->next_session_id++;
  auto session = std::make_shared<WsSession>(
      std::make_unique<WsSession::Impl>(std::move(stream), std::move(sreq), id, server->faults));
  auto& s = session->impl();
  // Beast's own idle timeout counts from the handshake, not from the last message, so idleness is tracked
  // here (ws_idle_watch); Beast only bounds the opening and closing handshakes.
  s.ws.set_option(
      websocket::stream_base::timeout{std::chrono::seconds(10), websocket::stream_base::none(), false});
  if (server->options.permessage_deflate) {
    websocket::permessage_deflate deflate;
    deflate.server_enable = true;
    s.ws.set_option(deflate);
  }
  s.ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "nectar-sim"); }));
  WsSession::Impl* raw = &s;
  s.ws.control_callback([raw](websocket::frame_type, std::string_view) {
    raw->last_activity = std::chrono::steady_clock::now();  // client pings count as activity
  });

  auto [ec] = co_await s.ws.async_accept(req, use_nothrow);
  if (ec || !server->running) {
    close_quietly(beast::get_lowest_layer(s.ws));
    co_return;
  }
  s.open = true;
  s.last_activity = std::chrono::steady_clock::now();
  server->sessions.emplace(id, session);
  asio::co_spawn(server->io, ws_idle_watch(session, server->options.ws_idle_timeout), log_exception);
  try {
    server->handler.on_ws_open(session);
  } catch (const std::exception& e) {
    spdlog::error("sim server: on_ws_open threw: {}", e.what());
  }

  beast::flat_buffer buffer;
  for (;;) {
    buffer.clear();
    auto [rec, n] = co_await s.ws.async_read(buffer, use_nothrow);
    if (rec || !server->running || !s.open) break;
    s.last_activity = std::chrono::steady_clock::now();
    const auto data = buffer.cdata();
    const std::string_view text(static_cast<const char*>(data.data()), data.size());
    if (server->options.answer_text_ping && text == "ping") {
      session->send("pong");
      continue;
    }
    try {
      server->handler.on_ws_message(session, text);
    } catch (const std::exception& e) {
      spdlog::error("sim server: on_ws_message threw: {}", e.what());
    }
  }
  server->finish_session(session);
}

namespace {

http::response<http::string_body> make_response(HttpServerResponse&& r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res;
  res.version(version);
  res.result(static_cast<unsigned>(std::clamp(r.status, 100, 999)));
  res.set(http::field::server, "nectar-sim");
  if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
  for (auto& [k, v] : r.headers) res.insert(k, v);
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

/// Keeps a faulted request unanswered: reads (and discards) until the client gives up or the hold expires.
asio::awaitable<void> hold_silently(beast::tcp_stream& stream, std::chrono::milliseconds hold) {
  stream.expires_after(hold);
  char sink[512];
  for (;;) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), use_nothrow);
    if (ec) break;
  }
  close_quietly(stream);
}

}  // namespace

asio::awaitable<void> Server::Impl::run_http(ImplPtr server, tcp::socket socket) {
  const uint64_t conn_id = server->next_conn_id++;
  auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
  server->http_conns.emplace(conn_id, stream);
  beast::flat_buffer buffer;
  asio::steady_timer delay_timer(server->io);
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{16} * 1024 * 1024);
    stream->expires_after(server->options.http_idle_timeout);
    auto [ec, n] = co_await http::async_read(*stream, buffer, parser, use_nothrow);
    if (ec || !server->running) break;
    stream->expires_never();
    auto req = parser.release();
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();

    if (websocket::is_upgrade(req)) {
      HttpServerRequest sreq = to_server_request(req);
      if (!server->handler.accepts_ws_path(sreq.path)) {
        auto res =
            make_response({404, "text/plain", {}, "no WebSocket endpoint at " + sreq.path}, version, false);
        co_await http::async_write(*stream, res, use_nothrow);
        break;
      }
      server->http_conns.erase(conn_id);
      co_await Server::Impl::run_ws(server, std::move(*stream), std::move(req), std::move(sreq));
      co_return;
    }

    HttpServerRequest sreq = to_server_request(req);
    if (const auto delay = server->faults->rest_delay(); delay.count() > 0) {
      delay_timer.expires_after(delay);
      co_await delay_timer.async_wait(use_nothrow);
      if (!server->running) break;
    }
    ++server->requests;
    if (server->faults->consume_timeout_rest()) {
      co_await hold_silently(*stream, server->options.rest_timeout_hold);
      break;
    }
    HttpServerResponse answer;
    if (auto failure = server->faults->consume_fail_rest()) {
      answer = HttpServerResponse{failure->status, "application/json", {}, std::move(failure->body)};
    } else if (server->faults->consume_rate_limit_rest()) {
      answer = server->handler.rate_limited_response();
    } else {
      try {
        answer = server->handler.on_http(sreq);
      } catch (const std::exception& e) {
        answer = HttpServerResponse{500, "text/plain", {}, std::string("handler error: ") + e.what()};
      }
    }
    auto res = make_response(std::move(answer), version, keep_alive);
    auto [wec, wn] = co_await http::async_write(*stream, res, use_nothrow);
    if (wec || !keep_alive) break;
  }
  server->http_conns.erase(conn_id);
  close_quietly(*stream);
}

asio::awaitable<void> Server::Impl::accept_loop(ImplPtr server) {
  for (;;) {
    auto [ec, socket] = co_await server->acceptor.async_accept(use_nothrow);
    if (!server->running || !server->acceptor.is_open()) co_return;
    if (ec) {
      spdlog::warn("sim server: accept failed: {}", ec.message());
      continue;
    }
    ++server->accepted;
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(server->io, run_http(server, std::move(socket)), log_exception);
  }
}

Server::Server(boost::asio::io_context& io, ServerHandler& handler, uint16_t port, ServerOptions options)
    : impl_(std::make_shared<Impl>(io, handler, port, options)) {}

Server::~Server() {
  // No handler calls from a destructor: the front-end that owns the handler may be half destroyed.
  impl_->do_stop(/*notify=*/false);
}

void Server::start() {
  auto impl = impl_;
  if (impl->running || impl->stopped) return;
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), impl->requested_port);
  impl->acceptor.open(endpoint.protocol());
  impl->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl->acceptor.bind(endpoint);
  impl->acceptor.listen(asio::socket_base::max_listen_connections);
  impl->port = impl->acceptor.local_endpoint().port();
  impl->running = true;
  impl->faults->set_drop_listener([weak = std::weak_ptr<Impl>(impl)] {
    auto s = weak.lock();
    if (!s) return;
    asio::post(s->io, [weak] {
      if (auto server = weak.lock(); server && server->running) server->drop_all_websockets();
    });
  });
  asio::co_spawn(impl->io, Impl::accept_loop(impl), log_exception);
}

void Server::stop() {
  auto impl = impl_;
  if (impl->io.get_executor().running_in_this_thread() || impl->io.stopped()) {
    impl->do_stop(true);
    return;
  }
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  asio::post(impl->io, [impl, done] {
    impl->do_stop(true);
    done->set_value();
  });
  if (future.wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
    spdlog::warn("sim server: stop() timed out waiting for the io thread; is the io_context running?");
  }
}

uint16_t Server::port() const noexcept {
  return impl_->port.load();
}
std::string Server::http_url() const {
  return "http://127.0.0.1:" + std::to_string(port());
}
std::string Server::ws_url() const {
  return "ws://127.0.0.1:" + std::to_string(port());
}

std::vector<std::shared_ptr<WsSession>> Server::sessions() const {
  std::vector<std::shared_ptr<WsSession>> out;
  out.reserve(impl_->sessions.size());
  for (const auto& [id, session] : impl_->sessions) out.push_back(session);
  return out;
}

FaultInjector& Server::faults() noexcept {
  return *impl_->faults;
}
uint64_t Server::connections_accepted() const noexcept {
  return impl_->accepted.load();
}
uint64_t Server::http_requests() const noexcept {
  return impl_->requests.load();
}

}  // namespace nectar::sim
