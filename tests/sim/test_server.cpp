// The simulator's Server driven by the real net clients over loopback: HTTP keep-alive, fault injection,
// WebSocket echo, and ManagedWebSocket reconnect / dead-stream / ping behaviour.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "nectar/net/http_client.hpp"
#include "nectar/net/managed_websocket.hpp"
#include "nectar/net/rate_limiter.hpp"
#include "nectar/net/websocket_client.hpp"
#include "nectar/sim/server.hpp"
#include "net/test_util.hpp"

using namespace nectar;
using namespace std::chrono_literals;
using net::NetError;
using net::NetErrorKind;
using test::make_request;
using test::run_sync;
using test::run_until;

namespace {

/// Echo front-end: HTTP answers describe the request; WebSocket echoes, except "subscribe" → "subscribed"
/// and "silence" (the server then says nothing more on that session).
class EchoHandler : public sim::ServerHandler {
 public:
  sim::HttpServerResponse on_http(const sim::HttpServerRequest& r) override {
    ++http_calls;
    if (r.path == "/throw") throw std::runtime_error("boom");
    sim::HttpServerResponse res;
    res.headers.emplace_back("X-Echo-Method", r.method);
    res.body = r.method + " " + r.path + " q=" + r.query + " sym=" + r.query_param("symbol") +
               " key=" + r.header("x-api-key").value_or("-") + " body=" + r.body;
    return res;
  }
  void on_ws_open(std::shared_ptr<sim::WsSession> s) override {
    ++opens;
    std::lock_guard lock(mutex);
    last_open = s;
  }
  void on_ws_message(std::shared_ptr<sim::WsSession> s, std::string_view text) override {
    ++ws_messages;
    if (text == "subscribe") {
      ++subscribes;
      s->send("subscribed");
    } else if (text == "ping") {
      ++pings;
      s->send("pong");
    } else if (text == "stream") {
      for (int i = 0; i < 3; ++i) s->send("tick" + std::to_string(i));
    } else {
      s->send(std::string(text));
    }
  }
  void on_ws_close(std::shared_ptr<sim::WsSession>) override { ++closes; }
  bool accepts_ws_path(std::string_view path) override { return path.rfind("/ws", 0) == 0; }

  std::atomic<int> http_calls{0}, opens{0}, closes{0}, ws_messages{0}, subscribes{0}, pings{0};
  std::mutex mutex;
  std::shared_ptr<sim::WsSession> last_open;
};

/// A Server on its own io thread, like a simulator process; the clients run on the test thread's io_context.
class ServerTest : public ::testing::Test {
 protected:
  void start(sim::ServerOptions options = {}) {
    server = std::make_unique<sim::Server>(server_io, handler, 0, options);
    server->start();
    thread = std::thread([this] { server_io.run(); });
  }
  void SetUp() override { start(); }
  void TearDown() override {
    server->stop();
    server_io.stop();
    thread.join();
    server.reset();
  }
  void restart(sim::ServerOptions options) {
    TearDown();
    server_io.restart();
    start(options);
  }
  std::string http(const std::string& target) const { return server->http_url() + target; }
  std::string ws(const std::string& target) const { return server->ws_url() + target; }

  boost::asio::io_context server_io;
  EchoHandler handler;
  std::unique_ptr<sim::Server> server;
  std::thread thread;
  boost::asio::io_context io;  // client side
};

net::ManagedWebSocketConfig managed_config(const std::string& url) {
  net::ManagedWebSocketConfig c;
  c.url = url;
  c.connect_timeout = 2s;
  c.read_timeout = 2s;
  c.backoff = {std::chrono::milliseconds(20), std::chrono::milliseconds(100), 2.0, 0.0, 1};
  c.name = "test-ws";
  return c;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// HTTP

TEST_F(ServerTest, HttpRequestResponse) {
  net::HttpClient client(io.get_executor());
  auto req = make_request("POST", http("/api/v2/order?symbol=BTC%2DUSDT&x=a+b"));
  req.headers = {{"X-API-KEY", "k1"}};
  req.body = R"({"size":"1"})";
  const auto res = run_sync(io, client.request(req));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body,
            R"(POST /api/v2/order q=symbol=BTC%2DUSDT&x=a+b sym=BTC-USDT key=k1 body={"size":"1"})");
  EXPECT_EQ(res.header("content-type"), "application/json");
  EXPECT_EQ(res.header("x-echo-method"), "POST");
  EXPECT_EQ(res.header("SERVER"), "nectar-sim");
}

TEST_F(ServerTest, KeepAliveReusesOneConnection) {
  net::HttpClient client(io.get_executor());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(run_sync(io, client.request(make_request("GET", http("/time")))).status, 200);
  }
  EXPECT_EQ(client.connections_opened(), 1u);
  EXPECT_EQ(server->connections_accepted(), 1u);
  EXPECT_EQ(server->http_requests(), 5u);
}

TEST_F(ServerTest, ServerClosedIdleConnectionIsRetriedTransparently) {
  sim::ServerOptions options;
  options.http_idle_timeout = 100ms;
  restart(options);
  net::HttpClient client(io.get_executor());
  EXPECT_EQ(run_sync(io, client.request(make_request("GET", http("/a")))).status, 200);
  std::this_thread::sleep_for(250ms);  // the server drops the pooled connection meanwhile
  EXPECT_EQ(client.idle_connections(), 1u);
  EXPECT_EQ(run_sync(io, client.request(make_request("POST", http("/b")))).status, 200);
  EXPECT_EQ(client.connections_opened(), 2u);
  EXPECT_EQ(handler.http_calls, 2);
}

TEST_F(ServerTest, ConcurrentRequestsOpenMoreConnectionsThenReuseThem) {
  server->faults().delay_rest(50ms);  // keep all three busy at once
  net::HttpClient client(io.get_executor());
  auto burst = [&]() -> boost::asio::awaitable<void> {
    std::atomic<int> done{0};
    for (int i = 0; i < 3; ++i) {
      boost::asio::co_spawn(
          io,
          [&]() -> boost::asio::awaitable<void> {
            auto r = co_await client.request(make_request("GET", http("/busy")));
            EXPECT_EQ(r.status, 200);
            ++done;
          },
          boost::asio::detached);
    }
    boost::asio::steady_timer t(io);
    while (done < 3) {
      t.expires_after(5ms);
      co_await t.async_wait(boost::asio::use_awaitable);
    }
  };
  run_sync(io, burst());
  EXPECT_EQ(client.connections_opened(), 3u);
  EXPECT_EQ(client.idle_connections(), 3u);
  run_sync(io, burst());
  EXPECT_EQ(client.connections_opened(), 3u);
  EXPECT_EQ(server->connections_accepted(), 3u);
}

TEST_F(ServerTest, TimeoutWhenServerDelaysBeyondClientTimeout) {
  server->faults().delay_rest(400ms);
  net::HttpClient client(io.get_executor());
  auto req = make_request("GET", http("/api/v2/spot/market/tickers"));
  req.timeout = 100ms;
  const auto start = std::chrono::steady_clock::now();
  try {
    run_sync(io, client.request(req));
    FAIL() << "expected a timeout";
  } catch (const NetError& e) {
    EXPECT_EQ(e.kind(), NetErrorKind::kTimeout);
    EXPECT_NE(std::string(e.what()).find("/api/v2/spot/market/tickers"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 350ms);
  server->faults().delay_rest(0ms);
  EXPECT_EQ(run_sync(io, client.request(make_request("GET", http("/after")))).status, 200);
}

TEST_F(ServerTest, TimeoutNextRestNeverAnswers) {
  server->faults().timeout_next_rest(1);
  net::HttpClient client(io.get_executor());
  auto req = make_request("GET", http("/hang"));
  req.timeout = 150ms;
  try {
    run_sync(io, client.request(req));
    FAIL() << "expected a timeout";
  } catch (const NetError& e) {
    EXPECT_EQ(e.kind(), NetErrorKind::kTimeout);
  }
  EXPECT_EQ(run_sync(io, client.request(make_request("GET", http("/ok")))).status, 200);
  EXPECT_EQ(handler.http_calls, 1);  // the hung request never reached the handler
}

TEST_F(ServerTest, FailNextRest) {
  server->faults().fail_next_rest(2, 503, R"({"code":"50001","msg":"maintenance"})");
  net::HttpClient client(io.get_executor());
  for (int i = 0; i < 2; ++i) {
    const auto r = run_sync(io, client.request(make_request("GET", http("/x"))));
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body, R"({"code":"50001","msg":"maintenance"})");
  }
  EXPECT_EQ(run_sync(io, client.request(make_request("GET", http("/x")))).status, 200);
  EXPECT_EQ(handler.http_calls, 1);
  EXPECT_EQ(client.connections_opened(), 1u);  // error statuses keep the connection alive
}

TEST_F(ServerTest, RateLimitNextRestUsesHandlerResponse) {
  server->faults().rate_limit_next_rest(1);
  net::HttpClient client(io.get_executor());
  const auto r = run_sync(io, client.request(make_request("GET", http("/x"))));
  EXPECT_EQ(r.status, 429);
  ASSERT_TRUE(r.header("retry-after"));
  EXPECT_EQ(net::RateLimiter::parse_retry_after(*r.header("retry-after")), 1000ms);
  EXPECT_EQ(run_sync(io, client.request(make_request("GET", http("/x")))).status, 200);
}

TEST_F(ServerTest, HandlerExceptionBecomes500) {
  net::HttpClient client(io.get_executor());
  const auto r = run_sync(io, client.request(make_request("GET", http("/throw"))));
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("boom"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------------------
// WebSocket

TEST_F(ServerTest, WebSocketEchoAndPaddedView) {
  net::WebSocketClient client(io.get_executor());
  run_sync(io, client.connect(ws("/ws/public?lang=en"), 2s));
  run_sync(io, client.send_text("hello"));
  EXPECT_EQ(run_sync(io, client.read(2s)), "hello");
  // A message larger than the initial buffer (exercises growth and permessage-deflate).
  const std::string big(300000, 'x');
  run_sync(io, client.send_text(big));
  const std::string_view got = run_sync(io, client.read(2s));
  EXPECT_EQ(got, big);
  // simdjson may read kReadPadding bytes past the end; they must be allocated (ASan builds check this).
  volatile unsigned char sink = 0;
  for (std::size_t i = 0; i < net::kReadPadding; ++i)
    sink = sink ^ static_cast<unsigned char>(got.data()[got.size() + i]);
  (void)sink;
  {
    std::lock_guard lock(handler.mutex);
    ASSERT_TRUE(handler.last_open);
    EXPECT_EQ(handler.last_open->path(), "/ws/public");
    EXPECT_EQ(handler.last_open->request().query_param("lang"), "en");
  }
  run_sync(io, client.close_gracefully(1s));
  EXPECT_TRUE(run_until(
      io, [&] { return handler.closes == 1; }, 2s));
}

TEST_F(ServerTest, ConcurrentSendsAreSerialised) {
  net::WebSocketClient client(io.get_executor());
  run_sync(io, client.connect(ws("/ws"), 2s));
  constexpr int kCount = 50;
  std::atomic<int> sent{0};
  for (int i = 0; i < kCount; ++i) {
    boost::asio::co_spawn(
        io,
        [&client, &sent, i]() -> boost::asio::awaitable<void> {
          co_await client.send_text("m" + std::to_string(i));
          ++sent;
        },
        boost::asio::detached);
  }
  ASSERT_TRUE(run_until(
      io, [&] { return sent == kCount; }, 5s));
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(run_sync(io, client.read(2s)), "m" + std::to_string(i));  // call order preserved
  }
}

TEST_F(ServerTest, WebSocketReadTimeout) {
  net::WebSocketClient client(io.get_executor());
  run_sync(io, client.connect(ws("/ws"), 2s));
  const auto start = std::chrono::steady_clock::now();
  try {
    run_sync(io, client.read(100ms));
    FAIL() << "expected a timeout";
  } catch (const NetError& e) {
    EXPECT_EQ(e.kind(), NetErrorKind::kTimeout);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_FALSE(client.is_open());
}

TEST_F(ServerTest, RefusedWebSocketPathIsProtocolError) {
  net::WebSocketClient client(io.get_executor());
  try {
    run_sync(io, client.connect(ws("/not-ws"), 2s));
    FAIL() << "expected a handshake failure";
  } catch (const NetError& e) {
    EXPECT_EQ(e.kind(), NetErrorKind::kProtocol);
    EXPECT_NE(std::string(e.what()).find("HTTP 404"), std::string::npos) << e.what();
  }
}

TEST_F(ServerTest, ServerSendsFromAnotherThreadAndClosesOnStop) {
  net::WebSocketClient client(io.get_executor());
  run_sync(io, client.connect(ws("/ws"), 2s));
  ASSERT_TRUE(run_until(
      io, [&] { return handler.opens == 1; }, 2s));
  std::shared_ptr<sim::WsSession> session;
  {
    std::lock_guard lock(handler.mutex);
    session = handler.last_open;
  }
  session->send("from the test thread");  // hops onto the server thread
  EXPECT_EQ(run_sync(io, client.read(2s)), "from the test thread");
  server->stop();
  EXPECT_EQ(handler.closes, 1);
  try {
    run_sync(io, client.read(2s));
    FAIL() << "expected the connection to end";
  } catch (const NetError& e) {
    EXPECT_EQ(e.kind(), NetErrorKind::kClosed) << e.what();
  }
}

TEST_F(ServerTest, IdleWebSocketsAreDropped) {
  sim::ServerOptions options;
  options.ws_idle_timeout = 200ms;
  restart(options);
  net::WebSocketClient quiet(io.get_executor());
  run_sync(io, quiet.connect(ws("/ws"), 2s));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(run_sync(io, quiet.read(3s)), NetError);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 150ms);
  EXPECT_LT(elapsed, 2s);
  EXPECT_TRUE(run_until(
      io, [&] { return handler.closes == 1; }, 2s));
}

// ---------------------------------------------------------------------------------------------------------
// ManagedWebSocket

TEST_F(ServerTest, ManagedReconnectsAfterDropAndResubscribes) {
  net::ManagedWebSocket mws(io.get_executor(), managed_config(ws("/ws/public")));
  std::vector<std::string> replies, messages, reasons;
  mws.on_open([&](net::ManagedWebSocket& m) -> boost::asio::awaitable<void> {
    co_await m.send("subscribe");
    replies.emplace_back(co_await m.read_direct(2s));  // read the ack before the loop proceeds
    co_await m.send("stream");
  });
  mws.on_message([&](std::string_view msg) { messages.emplace_back(msg); });
  mws.on_disconnect([&](const std::string& reason) { reasons.push_back(reason); });
  bool finished = false;
  boost::asio::co_spawn(io, mws.run(), [&](std::exception_ptr) { finished = true; });

  ASSERT_TRUE(run_until(
      io, [&] { return messages.size() == 3; }, 5s));
  EXPECT_EQ(mws.connects(), 1u);
  server->faults().drop_all_websockets();  // from the test thread, as a test would
  ASSERT_TRUE(run_until(
      io, [&] { return messages.size() == 6; }, 5s));
  EXPECT_EQ(mws.connects(), 2u);
  EXPECT_EQ(mws.disconnects(), 1u);
  EXPECT_EQ(handler.subscribes, 2);
  EXPECT_EQ(replies, (std::vector<std::string>{"subscribed", "subscribed"}));
  EXPECT_EQ(messages.front(), "tick0");
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_FALSE(reasons[0].empty());

  mws.stop();
  ASSERT_TRUE(run_until(
      io, [&] { return finished; }, 2s));
  EXPECT_EQ(reasons.size(), 2u);
  EXPECT_EQ(reasons.back(), "stopped");
  EXPECT_FALSE(mws.connected());
}

TEST_F(ServerTest, ManagedDetectsDeadStreamByReadTimeout) {
  auto config = managed_config(ws("/ws"));
  config.read_timeout = 150ms;
  net::ManagedWebSocket mws(io.get_executor(), config);
  std::vector<std::string> reasons;
  mws.on_open([](net::ManagedWebSocket& m) -> boost::asio::awaitable<void> { co_await m.send("subscribe"); });
  mws.on_disconnect([&](const std::string& reason) { reasons.push_back(reason); });
  bool finished = false;
  boost::asio::co_spawn(io, mws.run(), [&](std::exception_ptr) { finished = true; });
  // "subscribed" arrives, then silence: the read timeout must fire and the stream reconnect.
  ASSERT_TRUE(run_until(
      io, [&] { return mws.connects() >= 2; }, 5s));
  ASSERT_GE(reasons.size(), 1u);
  EXPECT_NE(reasons[0].find("no message within 150 ms"), std::string::npos) << reasons[0];
  EXPECT_GE(mws.messages(), 1u);
  mws.stop();
  ASSERT_TRUE(run_until(
      io, [&] { return finished; }, 2s));
}

TEST_F(ServerTest, ManagedSendsAppLevelPingsThatKeepTheStreamAlive) {
  auto config = managed_config(ws("/ws"));
  config.read_timeout = 300ms;
  config.keepalive_interval = 50ms;
  config.ping_message = [] { return std::string("ping"); };
  net::ManagedWebSocket mws(io.get_executor(), config);
  int pongs = 0;
  mws.on_message([&](std::string_view msg) { pongs += msg == "pong"; });
  bool finished = false;
  boost::asio::co_spawn(io, mws.run(), [&](std::exception_ptr) { finished = true; });
  test::run_for(io, 700ms);
  EXPECT_EQ(mws.connects(), 1u);  // pongs kept the 300 ms read timeout from firing
  EXPECT_EQ(mws.disconnects(), 0u);
  EXPECT_GE(handler.pings, 5);
  EXPECT_GE(pongs, 5);
  mws.stop();
  ASSERT_TRUE(run_until(
      io, [&] { return finished; }, 2s));
}

TEST_F(ServerTest, ManagedMutedServerLooksDead) {
  auto config = managed_config(ws("/ws"));
  config.read_timeout = 200ms;
  config.keepalive_interval = 50ms;
  config.ping_message = [] { return std::string("ping"); };
  net::ManagedWebSocket mws(io.get_executor(), config);
  bool finished = false;
  boost::asio::co_spawn(io, mws.run(), [&](std::exception_ptr) { finished = true; });
  ASSERT_TRUE(run_until(
      io, [&] { return mws.messages() >= 2; }, 2s));
  server->faults().mute_websockets(true);  // pings still go out, nothing comes back
  ASSERT_TRUE(run_until(
      io, [&] { return mws.disconnects() >= 1; }, 2s));
  server->faults().mute_websockets(false);
  ASSERT_TRUE(run_until(
      io, [&] { return mws.connects() >= 2; }, 2s));
  mws.stop();
  ASSERT_TRUE(run_until(
      io, [&] { return finished; }, 2s));
}

TEST_F(ServerTest, ManagedForceReconnectAndConnectFailures) {
  net::ManagedWebSocket mws(io.get_executor(), managed_config(ws("/ws")));
  std::vector<std::string> reasons;
  mws.on_disconnect([&](const std::string& reason) { reasons.push_back(reason); });
  bool finished = false;
  boost::asio::co_spawn(io, mws.run(), [&](std::exception_ptr) { finished = true; });
  ASSERT_TRUE(run_until(
      io, [&] { return mws.connected(); }, 2s));
  mws.force_reconnect();
  ASSERT_TRUE(run_until(
      io, [&] { return mws.connects() == 2 && mws.connected(); }, 2s));
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0], "forced reconnect");

  // Take the server away: connect attempts fail and are retried with back-off, without on_disconnect.
  server->stop();
  ASSERT_TRUE(run_until(
      io, [&] { return mws.connect_failures() >= 3; }, 3s));
  EXPECT_EQ(reasons.size(), 2u);
  mws.stop();
  ASSERT_TRUE(run_until(
      io, [&] { return finished; }, 2s));
}

TEST(FaultInjector, CountersAreConsumedOneByOne) {
  sim::FaultInjector f;
  f.skip_next_sequence(2);
  EXPECT_TRUE(f.consume_skip_sequence());
  EXPECT_TRUE(f.consume_skip_sequence());
  EXPECT_FALSE(f.consume_skip_sequence());
  f.corrupt_next_checksum(1);
  EXPECT_TRUE(f.consume_corrupt_checksum());
  EXPECT_FALSE(f.consume_corrupt_checksum());
  f.fail_next_rest(1, 502, "bad gateway");
  auto failure = f.consume_fail_rest();
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->status, 502);
  EXPECT_EQ(failure->body, "bad gateway");
  EXPECT_FALSE(f.consume_fail_rest());
  f.rate_limit_next_rest(3);
  f.delay_rest(5ms);
  f.reset();
  EXPECT_FALSE(f.consume_rate_limit_rest());
  EXPECT_EQ(f.rest_delay(), 0ms);
  int drops = 0;
  f.set_drop_listener([&] { ++drops; });
  f.drop_all_websockets();
  EXPECT_EQ(drops, 1);
  EXPECT_EQ(f.websocket_drops(), 1u);
}
