// Helpers for tests that drive coroutines on an io_context from the test thread, always bounded in time.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <stdexcept>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "nectar/net/http_client.hpp"

namespace nectar::test {

/// Runs `io` on this thread until `done()` holds or `limit` passes; returns done().
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(5));
  }
  return done();
}

/// Runs `io` for `duration` (processing whatever is due), e.g. to observe that nothing happens.
inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds duration) {
  run_until(
      io, [] { return false; }, duration);
}

/// Runs the coroutine to completion on `io` (driven from this thread) and returns its result or rethrows.
/// Throws std::runtime_error if it does not finish within `limit`.
template <class T>
T run_sync(boost::asio::io_context& io, boost::asio::awaitable<T> task,
           std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
  const bool finished = run_until(
      io, [&] { return future.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }, limit);
  if (!finished) throw std::runtime_error("run_sync: coroutine did not finish in time");
  return future.get();
}

/// A request with the given method and URL (other fields default).
inline nectar::net::HttpRequest make_request(std::string method, std::string url) {
  nectar::net::HttpRequest req;
  req.method = std::move(method);
  req.url = std::move(url);
  return req;
}

}  // namespace nectar::test
