// A retry loop against a dead exchange logs a handful of lines, not one per attempt.
#include <gtest/gtest.h>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "nectar/connectors/failure_log.hpp"

namespace nectar {
namespace {

class FailureLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(128);
    previous = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("failure-log-test", sink));
  }
  void TearDown() override { spdlog::set_default_logger(previous); }
  std::vector<std::string> lines() { return sink->last_formatted(); }

  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink;
  std::shared_ptr<spdlog::logger> previous;
};

TEST_F(FailureLogTest, LogsAtEachDoublingAndOnRecovery) {
  FailureLog log("bitget: balance refresh");
  int logged = 0;
  for (int i = 1; i <= 20; ++i) logged += log.failed("cannot connect to 127.0.0.1:9") ? 1 : 0;
  EXPECT_EQ(logged, 5) << "failures 1, 2, 4, 8 and 16";
  EXPECT_EQ(log.failures_in_a_row(), 20U);
  EXPECT_TRUE(log.succeeded());
  EXPECT_FALSE(log.succeeded()) << "nothing to report twice";
  const auto l = lines();
  ASSERT_EQ(l.size(), 6U);
  EXPECT_NE(l[0].find("bitget: balance refresh failed: cannot connect to 127.0.0.1:9"), std::string::npos)
      << l[0];
  EXPECT_NE(l[4].find("failed 16 times in a row"), std::string::npos) << l[4];
  EXPECT_NE(l[5].find("works again after 20 failures"), std::string::npos) << l[5];
  // A new run of failures starts again at one.
  EXPECT_TRUE(log.failed("timeout"));
  EXPECT_EQ(log.failures_in_a_row(), 1U);
}

}  // namespace
}  // namespace nectar
