// The shell's io thread: the io_context the connectors and the running strategy live on, and the strategy's
// tick timer. Only the shell sources that touch Asio directly include it. Private to nectar_client.
#pragma once

#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace nectar::client {

struct ShellIo {
  boost::asio::io_context context;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard =
      boost::asio::make_work_guard(context);
  std::thread thread;
  boost::asio::steady_timer tick_timer{context};  // io thread only: the running strategy's clock
};

}  // namespace nectar::client
