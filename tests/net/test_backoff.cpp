#include <gtest/gtest.h>

#include <vector>

#include "nectar/net/backoff.hpp"

using namespace nectar::net;
using std::chrono::milliseconds;

TEST(Backoff, GrowsWithinJitterBoundsAndCaps) {
  Backoff b({milliseconds(100), milliseconds(1000), 2.0, 0.25, 42});
  const double bases[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (double base : bases) {
    const auto d = b.next().count();
    EXPECT_GE(d, static_cast<int64_t>(base * 0.75) - 1) << "base " << base;
    EXPECT_LE(d, static_cast<int64_t>(base)) << "base " << base;
  }
  EXPECT_EQ(b.attempts(), 7);
}

TEST(Backoff, NoJitterIsExact) {
  Backoff b({milliseconds(50), milliseconds(300), 3.0, 0.0, 1});
  EXPECT_EQ(b.next(), milliseconds(50));
  EXPECT_EQ(b.next(), milliseconds(150));
  EXPECT_EQ(b.next(), milliseconds(300));
  EXPECT_EQ(b.next(), milliseconds(300));
}

TEST(Backoff, ResetStartsOver) {
  Backoff b({milliseconds(10), milliseconds(1000), 2.0, 0.0, 1});
  b.next();
  b.next();
  EXPECT_EQ(b.next(), milliseconds(40));
  b.reset();
  EXPECT_EQ(b.attempts(), 0);
  EXPECT_EQ(b.next(), milliseconds(10));
}

TEST(Backoff, SameSeedSameSequenceDifferentSeedDiffers) {
  const BackoffConfig c{milliseconds(1000), milliseconds(60000), 2.0, 0.5, 7};
  Backoff a(c), b(c);
  BackoffConfig c2 = c;
  c2.seed = 8;
  Backoff other(c2);
  std::vector<int64_t> sa, sb, so;
  for (int i = 0; i < 8; ++i) {
    sa.push_back(a.next().count());
    sb.push_back(b.next().count());
    so.push_back(other.next().count());
  }
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, so);
}

TEST(Backoff, HugeAttemptCountsSaturate) {
  Backoff b({milliseconds(1), milliseconds(5000), 10.0, 0.0, 1});
  for (int i = 0; i < 500; ++i) b.next();
  EXPECT_EQ(b.next(), milliseconds(5000));
}
