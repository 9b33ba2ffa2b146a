// Shared fixture of the suites that drive something against a Bitget simulator in the process (the shell,
// `nectar run`, a connector): the simulator on its own io_context thread, code run on that thread, waiting
// for a condition; and the temporary directories and files those suites work with.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "nectar/core/decimal.hpp"
#include "nectar/sim/bitget/simulator.hpp"

namespace nectar::testing_support {

inline constexpr sim::AccountId kTaker = 4242;  // another trader on the simulated exchange

class SimThreadTest : public ::testing::Test {
 protected:
  /// Builds and starts `sim`, lets `prepare` set it up before anything runs, then runs its io_context on
  /// `sim_thread` until stop_sim().
  void start_sim(const sim::bitget::SimulatorOptions& options,
                 const std::function<void(sim::bitget::BitgetSimulator&)>& prepare = {}) {
    sim = std::make_unique<sim::bitget::BitgetSimulator>(sio, options);
    sim->start();
    if (prepare) prepare(*sim);
    sim_thread = std::thread([this] { sio.run(); });
  }

  /// Stops the simulator and joins its thread (the object itself goes with the fixture).
  void stop_sim() {
    if (!sim_thread.joinable()) return;
    sim->stop();
    guard.reset();
    sio.stop();
    sim_thread.join();
  }

  void TearDown() override { stop_sim(); }

  /// A start_sim `prepare` for suites in which only the test trades with the code under test: the
  /// simulator's own market activity paused, and kTaker funded (100 BTC, 10,000,000 USDT).
  static void quiet_market_with_funded_taker(sim::bitget::BitgetSimulator& s) {
    s.set_activity_paused(true);
    s.engine().ledger().deposit(kTaker, "BTC", Decimal::from_int(100));
    s.engine().ledger().deposit(kTaker, "USDT", Decimal::from_int(10'000'000));
  }

  /// Runs f on the simulator's thread and returns its result.
  template <class F>
  auto on_sim(F&& f) {
    if (sio.get_executor().running_in_this_thread()) return f();  // nested helper call
    std::packaged_task<decltype(f())()> task(std::forward<F>(f));
    auto fut = task.get_future();
    boost::asio::post(sio, [&task] { task(); });
    return fut.get();
  }

  /// Checks `pred` (on the test's thread) every 100 ms until it holds or `timeout` has passed; whether it
  /// held at the last check.
  template <class P>
  bool eventually(P pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return pred();
  }
  /// The same with the suite's `wait_limit`.
  template <class P>
  bool eventually(P pred) {
    return eventually(std::move(pred), wait_limit);
  }

  std::chrono::milliseconds wait_limit = std::chrono::seconds(20);
  boost::asio::io_context sio;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard =
      boost::asio::make_work_guard(sio);
  std::unique_ptr<sim::bitget::BitgetSimulator> sim;
  std::thread sim_thread;
};

/// A new directory `<system temp>/<prefix><random number>`.
inline std::filesystem::path make_temp_dir(const std::string& prefix) {
  const auto dir = std::filesystem::temp_directory_path() / (prefix + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  return dir;
}

/// Removes `dir` and everything below it; nothing if it is gone already.
inline void remove_temp_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// How often `needle` occurs in `hay` (overlapping occurrences count).
inline std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace nectar::testing_support
