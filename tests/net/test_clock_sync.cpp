#include <gtest/gtest.h>

#include "nectar/net/clock_sync.hpp"

using namespace nectar::net;

TEST(ClockSync, OffsetIsServerMinusMidpoint) {
  ClockSync c;
  EXPECT_FALSE(c.synced());
  EXPECT_EQ(c.offset_ms(), 0);
  c.add_sample(1000, 1600, 1200);  // midpoint 1100
  EXPECT_TRUE(c.synced());
  EXPECT_EQ(c.offset_ms(), 500);
}

TEST(ClockSync, MedianIgnoresOutliers) {
  ClockSync c(5);
  c.add_sample(0, 100, 0);    // 100
  c.add_sample(0, 110, 0);    // 110
  c.add_sample(0, 5000, 0);   // outlier
  c.add_sample(0, 105, 0);    // 105
  c.add_sample(0, -4000, 0);  // outlier
  EXPECT_EQ(c.offset_ms(), 105);
}

TEST(ClockSync, EvenCountAveragesTheMiddleTwo) {
  ClockSync c(5);
  c.add_sample(0, 100, 0);
  c.add_sample(0, 200, 0);
  EXPECT_EQ(c.offset_ms(), 150);
}

TEST(ClockSync, KeepsOnlyTheLastWindow) {
  ClockSync c(3);
  for (int v : {1000, 1000, 1000, 10, 20, 30}) c.add_sample(0, v, 0);
  EXPECT_EQ(c.sample_count(), 3u);
  EXPECT_EQ(c.offset_ms(), 20);
}

TEST(ClockSync, NowAddsOffsetToLocalClock) {
  ClockSync c;
  const int64_t local = ClockSync::local_now_ms();
  c.add_sample(local, local + 60000, local);
  const int64_t now = c.now_ms();
  EXPECT_GE(now, local + 60000);
  EXPECT_LT(now, local + 60000 + 5000);
}
