#include "nectar/net/managed_websocket.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "transport.hpp"

namespace nectar::net {

namespace {

using namespace detail;

/// Sends the app-level ping every `interval` until the connection closes or the timer is cancelled.
/// Holds no reference to the ManagedWebSocket, so it may outlive it briefly.
asio::awaitable<void> keepalive_loop(std::shared_ptr<asio::steady_timer> timer,
                                     std::shared_ptr<WebSocketClient> ws, std::chrono::milliseconds interval,
                                     std::function<std::string()> ping) {
  for (;;) {
    timer->expires_after(interval);
    auto [ec] = co_await timer->async_wait(use_nothrow);
    if (ec || !ws->is_open()) co_return;
    std::string text = ping();
    if (text.empty()) continue;
    try {
      co_await ws->send_text(std::move(text));
    } catch (const std::exception&) {
      co_return;  // the read loop sees the same failure and reconnects
    }
  }
}

}  // namespace

struct ManagedWebSocket::State {
  explicit State(asio::any_io_executor e) : ex(e), wait_timer(e) {}
  asio::any_io_executor ex;
  std::atomic<bool> stopped{false};
  // Below: touched on the executor's thread only.
  bool forced = false;
  std::shared_ptr<WebSocketClient> ws;                  // current connection, if any
  std::shared_ptr<asio::steady_timer> keepalive_timer;  // current connection's ping timer, if any
  asio::steady_timer wait_timer;                        // back-off wait between connections

  void interrupt() {
    if (ws) ws->close();
    if (keepalive_timer) keepalive_timer->cancel();
  }
};

ManagedWebSocket::ManagedWebSocket(boost::asio::any_io_executor ex, ManagedWebSocketConfig config)
    : config_(std::move(config)), state_(std::make_shared<State>(std::move(ex))) {}

ManagedWebSocket::~ManagedWebSocket() {
  state_->stopped = true;
  state_->interrupt();
  state_->wait_timer.cancel();
}

void ManagedWebSocket::stop() {
  state_->stopped = true;
  asio::post(state_->ex, [s = state_] {
    s->interrupt();
    s->wait_timer.cancel();
  });
}

void ManagedWebSocket::force_reconnect() {
  asio::post(state_->ex, [s = state_] {
    s->forced = true;
    s->interrupt();
    s->wait_timer.cancel();  // reconnect now rather than after a pending back-off
  });
}

boost::asio::awaitable<void> ManagedWebSocket::send(std::string text) {
  auto ws = state_->ws;
  if (!ws || !connected_) throw NetError(NetErrorKind::kClosed, config_.name + ": send while not connected");
  co_await ws->send_text(std::move(text));
}

boost::asio::awaitable<std::string_view> ManagedWebSocket::read_direct(std::chrono::milliseconds timeout) {
  auto ws = state_->ws;
  if (!ws || !connected_) throw NetError(NetErrorKind::kClosed, config_.name + ": read while not connected");
  co_return co_await ws->read(timeout);
}

boost::asio::awaitable<void> ManagedWebSocket::run_connection(Backoff& backoff) {
  auto state = state_;
  state->forced = false;
  auto ws = std::make_shared<WebSocketClient>(state->ex, config_.tls);
  state->ws = ws;
  co_await ws->connect(config_.url, config_.connect_timeout);
  if (state->stopped) co_return;
  connected_ = true;
  ++connects_;
  spdlog::info("{}: connected to {}", config_.name, config_.url);
  if (on_open_) co_await on_open_(*this);
  if (config_.keepalive_interval.count() > 0 && config_.ping_message) {
    state->keepalive_timer = std::make_shared<asio::steady_timer>(state->ex);
    asio::co_spawn(
        state->ex,
        keepalive_loop(state->keepalive_timer, ws, config_.keepalive_interval, config_.ping_message),
        asio::detached);
  }
  bool first = true;
  for (;;) {
    const std::string_view message = co_await ws->read(config_.read_timeout);
    if (first) {
      backoff.reset();  // only a connection that actually delivers counts as healthy
      first = false;
    }
    ++messages_;
    if (on_message_) on_message_(message);
  }
}

boost::asio::awaitable<void> ManagedWebSocket::run() {
  auto state = state_;
  Backoff backoff(config_.backoff);
  while (!state->stopped) {
    std::string reason;
    try {
      co_await run_connection(backoff);
    } catch (const std::exception& e) {
      reason = e.what();
    }
    const bool was_connected = connected_.exchange(false);
    state->interrupt();
    state->ws.reset();
    state->keepalive_timer.reset();
    if (state->stopped) {
      reason = "stopped";
    } else if (state->forced) {
      reason = "forced reconnect";
    }
    state->forced = false;
    if (was_connected) {
      ++disconnects_;
      spdlog::info("{}: disconnected: {}", config_.name, reason);
      if (on_disconnect_) {
        try {
          on_disconnect_(reason);
        } catch (const std::exception& e) {
          spdlog::error("{}: on_disconnect threw: {}", config_.name, e.what());
        }
      }
    } else if (!state->stopped) {
      ++connect_failures_;
      spdlog::warn("{}: connect failed: {}", config_.name, reason);
    }
    if (state->stopped) break;
    const auto delay = backoff.next();
    state->wait_timer.expires_after(delay);
    co_await state->wait_timer.async_wait(use_nothrow);
  }
}

}  // namespace nectar::net
