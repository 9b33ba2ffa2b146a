// Shared fixture of the Bitget simulator's own loopback suites: the simulator on one io_context thread, an
// HTTP client on another, and signed REST helpers.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "nectar/connectors/bitget/auth.hpp"
#include "nectar/core/clock.hpp"
#include "nectar/net/http_client.hpp"
#include "nectar/sim/bitget/simulator.hpp"

namespace nectar::testing_support {

class SimRestFixture : public ::testing::Test {
 protected:
  /// Simulator settings of the suite (fast activity, paused at start).
  virtual sim::bitget::SimulatorOptions options() const {
    sim::bitget::SimulatorOptions o;
    o.activity_interval_ms = 40;
    o.book_push_interval_ms = 60;
    o.seed = 7;
    return o;
  }

  void SetUp() override {
    sim = std::make_unique<sim::bitget::BitgetSimulator>(io, options());
    sim->start();
    sim->set_activity_paused(true);
    server_thread = std::thread([this] { io.run(); });
    http = std::make_unique<net::HttpClient>(cio.get_executor());
    client_thread = std::thread([this] { cio.run(); });
  }
  void TearDown() override {
    sim->stop();
    io.stop();
    server_thread.join();
    http.reset();
    cio_guard.reset();
    cio.stop();
    client_thread.join();
    sim.reset();
  }

  template <class F>
  auto run(F&& f) {
    return boost::asio::co_spawn(cio, std::forward<F>(f), boost::asio::use_future).get();
  }

  /// Runs `f` on the simulator's io thread (engine access) and waits for it.
  template <class F>
  void on_io(F f) {
    std::promise<void> done;
    boost::asio::post(io, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  /// A REST call; `sign` adds Bitget's auth headers for the simulator's test key.
  net::HttpResponse rest(std::string method, std::string target, std::string body = {}, bool sign = false,
                         std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (sign) {
      const auto q = target.find('?');
      const std::string path = target.substr(0, q);
      const std::string query = q == std::string::npos ? "" : target.substr(q + 1);
      const auto& c = sim->credentials();
      headers = bitget::auth_headers(c.api_key, c.secret_key, c.passphrase, std::to_string(wall_clock_ms()),
                                     method, path, query, body, false);
    }
    net::HttpRequest req;
    req.method = method;
    req.url = sim->rest_url() + target;
    req.body = body;
    req.headers = headers;
    if (!body.empty() && !sign) req.headers.push_back({"Content-Type", "application/json"});
    return run([this, req]() -> boost::asio::awaitable<net::HttpResponse> {
      co_return co_await http->request(req);
    });
  }

  static boost::json::object parse(const net::HttpResponse& r) {
    return boost::json::parse(r.body).as_object();
  }
  static std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

  boost::asio::io_context io;
  boost::asio::io_context cio;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> cio_guard{cio.get_executor()};
  std::unique_ptr<sim::bitget::BitgetSimulator> sim;
  std::unique_ptr<net::HttpClient> http;
  std::thread server_thread, client_thread;
};

}  // namespace nectar::testing_support
