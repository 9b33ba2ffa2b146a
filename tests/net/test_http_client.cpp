#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "nectar/net/http_client.hpp"
#include "nectar/net/url.hpp"
#include "scripted_server.hpp"
#include "test_util.hpp"

using namespace nectar::net;
using nectar::test::run_sync;
using nectar::test::ScriptedServer;
using std::chrono::milliseconds;
using tcp = boost::asio::ip::tcp;

namespace {

const std::string kOk5 = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Custom-Header: yes\r\n\r\n";

NetError expect_net_error(boost::asio::io_context& io, HttpClient& client, HttpRequest req) {
  try {
    run_sync(io, client.request(std::move(req)));
  } catch (const NetError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a NetError";
  return NetError(NetErrorKind::kProtocol, "none");
}

}  // namespace

TEST(HttpClient, SendsRequestLineAndDefaultHeaders) {
  std::string seen;
  ScriptedServer server(1, [&](tcp::socket& s, int) {
    seen = ScriptedServer::read_head(s);
    ScriptedServer::write(s, kOk5 + "hello");
    ScriptedServer::drain(s);
  });
  boost::asio::io_context io;
  HttpClient client(io.get_executor());
  HttpRequest req;
  req.method = "POST";
  req.url = server.url("/api/v1/order?b=2&a=[\"x\"]");
  req.headers = {{"X-API-KEY", "secret"}, {"Content-Type", "application/json"}};
  req.body = "{\"a\":1}";
  const HttpResponse res = run_sync(io, client.request(req));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "hello");
  EXPECT_EQ(res.header("x-custom-header"), "yes");
  EXPECT_EQ(res.header("X-CUSTOM-HEADER"), "yes");
  EXPECT_EQ(res.header("missing"), std::nullopt);
  EXPECT_TRUE(res.ok());
  client.close_idle();
  EXPECT_EQ(seen.rfind("POST /api/v1/order?b=2&a=[\"x\"] HTTP/1.1\r\n", 0), 0u) << seen;
  EXPECT_NE(seen.find("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"), std::string::npos)
      << seen;
  EXPECT_NE(seen.find("User-Agent: nectar/0.1\r\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("Content-Length: 7\r\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("X-API-KEY: secret\r\n"), std::string::npos) << seen;
}

TEST(HttpClient, StaleKeepAliveConnectionIsRetriedOnce) {
  ScriptedServer server(2, [](tcp::socket& s, int index) {
    ScriptedServer::read_head(s);
    if (index == 0) {
      ScriptedServer::write(s, kOk5 + "first");
      return;  // closes the kept-alive connection while the client holds it idle
    }
    ScriptedServer::write(s, kOk5 + "again");
    ScriptedServer::drain(s);
  });
  boost::asio::io_context io;
  HttpClient client(io.get_executor());
  EXPECT_EQ(run_sync(io, client.request(nectar::test::make_request("GET", server.url("/a")))).body, "first");
  EXPECT_EQ(client.idle_connections(), 1u);
  std::this_thread::sleep_for(milliseconds(30));  // let the FIN arrive
  EXPECT_EQ(run_sync(io, client.request(nectar::test::make_request("GET", server.url("/b")))).body, "again");
  EXPECT_EQ(client.connections_opened(), 2u);
  client.close_idle();
}

TEST(HttpClient, NoRetryOnceResponseBytesArrived) {
  ScriptedServer server(2, [](tcp::socket& s, int index) {
    if (index != 0) return;
    ScriptedServer::read_head(s);
    ScriptedServer::write(s, kOk5 + "first");
    ScriptedServer::read_head(s);
    ScriptedServer::write(s, "HTTP/1.1 200 OK\r\nContent-Len");  // then the connection dies
  });
  boost::asio::io_context io;
  HttpClient client(io.get_executor());
  EXPECT_EQ(run_sync(io, client.request(nectar::test::make_request("GET", server.url("/a")))).body, "first");
  const NetError e =
      expect_net_error(io, client, nectar::test::make_request("POST", server.url("/api/order")));
  EXPECT_EQ(e.kind(), NetErrorKind::kClosed);
  EXPECT_NE(std::string(e.what()).find("HTTP POST 127.0.0.1:" + std::to_string(server.port()) + "/api/order"),
            std::string::npos)
      << e.what();
  EXPECT_EQ(client.connections_opened(), 1u);
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClient, FreshConnectionClosedIsNotRetried) {
  ScriptedServer server(2, [](tcp::socket& s, int index) {
    if (index == 0) ScriptedServer::read_head(s);  // and close without answering
  });
  boost::asio::io_context io;
  HttpClient client(io.get_executor());
  const NetError e = expect_net_error(io, client, nectar::test::make_request("GET", server.url("/x")));
  EXPECT_EQ(e.kind(), NetErrorKind::kClosed);
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClient, ConnectionRefusedIsConnectError) {
  uint16_t port;
  {
    boost::asio::io_context tmp;
    tcp::acceptor a(tmp, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  boost::asio::io_context io;
  HttpClient client(io.get_executor());
  const NetError e = expect_net_error(
      io, client, nectar::test::make_request("GET", "http://127.0.0.1:" + std::to_string(port) + "/time"));
  EXPECT_EQ(e.kind(), NetErrorKind::kConnect);
  EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)), std::string::npos) << e.what();
  EXPECT_EQ(to_string(e.kind()), "connect");
}

TEST(HttpClient, SilentServerTimesOut) {
  ScriptedServer server(1, [](tcp::socket& s, int) {
    ScriptedServer::read_head(s);
    ScriptedServer::drain(s);  // never answers
  });
  boost::asio::io_context io;
  HttpClient client(io.get_executor());
  HttpRequest req = nectar::test::make_request("GET", server.url("/slow?signature=abc"));
  req.timeout = milliseconds(150);
  const auto start = std::chrono::steady_clock::now();
  const NetError e = expect_net_error(io, client, req);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.kind(), NetErrorKind::kTimeout);
  EXPECT_GE(elapsed, milliseconds(140));
  EXPECT_LT(elapsed, milliseconds(1000));
  const std::string what = e.what();
  EXPECT_NE(what.find("/slow"), std::string::npos) << what;
  EXPECT_EQ(what.find("signature"), std::string::npos) << "queries must not leak into messages: " << what;
}

TEST(HttpClient, MalformedResponseIsProtocolError) {
  ScriptedServer server(1, [](tcp::socket& s, int) {
    ScriptedServer::read_head(s);
    ScriptedServer::write(s, "SMTP ready\r\n\r\n");
    ScriptedServer::drain(s);
  });
  boost::asio::io_context io;
  HttpClient client(io.get_executor());
  EXPECT_EQ(expect_net_error(io, client, nectar::test::make_request("GET", server.url("/"))).kind(),
            NetErrorKind::kProtocol);
}

TEST(HttpClient, BadUrlsThrowUrlError) {
  boost::asio::io_context io;
  HttpClient client(io.get_executor());
  EXPECT_THROW(run_sync(io, client.request(nectar::test::make_request("GET", "not a url"))), UrlError);
  EXPECT_THROW(run_sync(io, client.request(nectar::test::make_request("GET", "ws://127.0.0.1:1/"))),
               UrlError);
}
