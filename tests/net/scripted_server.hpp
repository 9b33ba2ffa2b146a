// A blocking loopback server for client tests: each accepted connection runs a script on a background
// thread, so tests can produce exact bytes (stale keep-alive, partial responses, silence, TLS).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

namespace nectar::test {

class ScriptedServer {
 public:
  using tcp = boost::asio::ip::tcp;
  /// `script(socket, index)` runs for each of the first `connections` accepted connections, in order.
  ScriptedServer(int connections, std::function<void(tcp::socket&, int)> script)
      : acceptor_(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, connections, script = std::move(script)] {
      for (int i = 0; i < connections && !stopping_; ++i) {
        tcp::socket socket(io_);
        boost::system::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec || stopping_) break;
        ++accepted_;
        try {
          script(socket, i);
        } catch (const std::exception&) {
        }
      }
      done_ = true;
    });
  }

  ~ScriptedServer() {
    stopping_ = true;
    // Unblock accept() with throw-away connections until the thread finishes.
    while (!done_) {
      boost::asio::io_context io;
      tcp::socket s(io);
      boost::system::error_code ec;
      s.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_), ec);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    thread_.join();
  }

  uint16_t port() const { return port_; }
  int accepted() const { return accepted_; }
  std::string url(const std::string& target = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + target;
  }

  /// Reads one request head (up to the blank line) and returns it; "" on EOF.
  template <class Stream>
  static std::string read_head(Stream& s) {
    std::string data;
    boost::system::error_code ec;
    boost::asio::read_until(s, boost::asio::dynamic_buffer(data), "\r\n\r\n", ec);
    return ec ? std::string{} : data;
  }
  /// Reads until the peer closes (or errors).
  template <class Stream>
  static void drain(Stream& s) {
    char buf[256];
    boost::system::error_code ec;
    while (!ec) s.read_some(boost::asio::buffer(buf), ec);
  }
  template <class Stream>
  static void write(Stream& s, const std::string& text) {
    boost::system::error_code ec;
    boost::asio::write(s, boost::asio::buffer(text), ec);
  }

 private:
  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<int> accepted_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> done_{false};
};

}  // namespace nectar::test
