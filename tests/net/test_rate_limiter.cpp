#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "nectar/net/rate_limiter.hpp"
#include "test_util.hpp"

using namespace nectar::net;
using std::chrono::milliseconds;
using TimePoint = RateLimiter::TimePoint;

namespace {

const TimePoint t0 = TimePoint{} + std::chrono::hours(1);  // fake clock origin

/// A pool (avoids aggregate-init warnings for the optional members).
RateLimit pool(std::string id, int limit, int interval_ms, int weight = 1,
               std::vector<LinkedLimit> linked = {}) {
  RateLimit r;
  r.id = std::move(id);
  r.limit = limit;
  r.interval = milliseconds(interval_ms);
  r.weight = weight;
  r.linked = std::move(linked);
  return r;
}

RateLimiterConfig no_margin() {
  RateLimiterConfig c;
  c.safety_margin = 0.0;
  return c;
}

}  // namespace

TEST(RateLimiter, SafetyMarginLowersLimitButNeverBelowOne) {
  RateLimiter r({pool("a", 100, 1000), pool("b", 10, 1000), pool("c", 1, 1000)});
  EXPECT_EQ(r.effective_limit("a"), 95);
  EXPECT_EQ(r.effective_limit("b"), 9);
  EXPECT_EQ(r.effective_limit("c"), 1);
  RateLimiter exact({pool("b", 10, 1000)}, no_margin());
  EXPECT_EQ(exact.effective_limit("b"), 10);
}

TEST(RateLimiter, WeightConsumesPool) {
  // Effective 9 (10 minus 5%): three requests of weight 3 fit, a fourth does not.
  RateLimiter r({pool("depth", 10, 1000, 3)});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.try_acquire("depth", t0 + milliseconds(i)));
  EXPECT_EQ(r.usage("depth", t0 + milliseconds(3)), 9);
  EXPECT_FALSE(r.try_acquire("depth", t0 + milliseconds(3)));
  // The first entry leaves the window at t0 + 1000.
  EXPECT_EQ(r.delay_for("depth", t0 + milliseconds(3)), milliseconds(997));
  EXPECT_TRUE(r.try_acquire("depth", t0 + milliseconds(1000)));
}

TEST(RateLimiter, WindowSlides) {
  RateLimiter r({pool("x", 3, 1000)}, no_margin());
  r.record("x", t0);
  r.record("x", t0 + milliseconds(100));
  r.record("x", t0 + milliseconds(200));
  EXPECT_EQ(r.delay_for("x", t0 + milliseconds(300)), milliseconds(700));
  EXPECT_EQ(r.delay_for("x", t0 + milliseconds(999)), milliseconds(1));
  EXPECT_EQ(r.delay_for("x", t0 + milliseconds(1000)), milliseconds(0));
  r.record("x", t0 + milliseconds(1000));
  // Now t0+100, t0+200, t0+1000 are live; next slot frees at t0+1100.
  EXPECT_EQ(r.delay_for("x", t0 + milliseconds(1050)), milliseconds(50));
}

TEST(RateLimiter, HeavyRequestWaitsForEnoughWeightToExpire) {
  RateLimiter r({pool("x", 10, 1000), pool("heavy", 10, 1000, 1, {LinkedLimit{"x", 5}})}, no_margin());
  for (int i = 0; i < 10; ++i) r.record("x", t0 + milliseconds(i * 10));
  // A weight-5 request on x needs the five oldest entries (t0..t0+40) gone: at t0+1040.
  EXPECT_EQ(r.delay_for("heavy", t0 + milliseconds(500)), milliseconds(540));
}

TEST(RateLimiter, LinkedPoolsShareTheGlobalLimit) {
  // Binance style: every endpoint also consumes from the per-IP pool.
  RateLimiter r({pool("IP", 20, 60000), pool("order", 100, 1000, 1, {LinkedLimit{"IP", 5}}),
                 pool("ticker", 100, 1000, 1, {LinkedLimit{"IP", 2}})});
  EXPECT_EQ(r.effective_limit("IP"), 19);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.try_acquire("order", t0));
  EXPECT_EQ(r.usage("IP", t0), 15);
  EXPECT_EQ(r.usage("order", t0), 3);
  EXPECT_FALSE(r.try_acquire("order", t0));                    // 15 + 5 > 19
  EXPECT_TRUE(r.try_acquire("ticker", t0));                    // 15 + 2 <= 19
  EXPECT_TRUE(r.try_acquire("ticker", t0 + milliseconds(1)));  // 17 + 2 <= 19
  EXPECT_FALSE(r.try_acquire("ticker", t0 + milliseconds(2)));
  EXPECT_EQ(r.delay_for("ticker", t0 + milliseconds(2)), milliseconds(60000 - 2));
  // The endpoint pools themselves are nowhere near their limits.
  EXPECT_EQ(r.usage("ticker", t0 + milliseconds(2)), 2);
}

TEST(RateLimiter, EmptyWindowAdmitsOversizedRequest) {
  RateLimiter r({pool("IP", 10, 1000), pool("snapshot", 10, 1000, 1, {LinkedLimit{"IP", 50}})});
  EXPECT_TRUE(r.try_acquire("snapshot", t0));
  EXPECT_FALSE(r.try_acquire("snapshot", t0 + milliseconds(1)));
  EXPECT_EQ(r.delay_for("snapshot", t0 + milliseconds(1)), milliseconds(999));
}

TEST(RateLimiter, UnknownIdsAreClearErrors) {
  RateLimiter r({pool("known", 10, 1000)});
  try {
    (void)r.delay_for("nope", t0);
    FAIL() << "expected UnknownRateLimitError";
  } catch (const UnknownRateLimitError& e) {
    EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos);
  }
  EXPECT_THROW(r.record("nope", t0), UnknownRateLimitError);
  EXPECT_THROW(RateLimiter({pool("a", 1, 1000, 1, {LinkedLimit{"ghost", 1}})}), UnknownRateLimitError);
  EXPECT_THROW(RateLimiter({pool("a", 1, 1000), pool("a", 2, 1000)}), std::invalid_argument);
  EXPECT_THROW(RateLimiter({pool("a", 0, 1000)}), std::invalid_argument);
}

TEST(RateLimiter, RateLimitedHonoursRetryAfter) {
  RateLimiter r({pool("x", 100, 1000)});
  r.on_rate_limited(milliseconds(2000), t0);
  EXPECT_EQ(r.delay_for("x", t0), milliseconds(2000));
  EXPECT_EQ(r.delay_for("x", t0 + milliseconds(1500)), milliseconds(500));
  EXPECT_EQ(r.delay_for("x", t0 + milliseconds(2000)), milliseconds(0));
  // A shorter pause does not cut an existing one short.
  r.on_rate_limited(milliseconds(100), t0 + milliseconds(100));
  EXPECT_EQ(r.paused_until(), t0 + milliseconds(2000));
}

TEST(RateLimiter, RepeatedRateLimitsGrowTheBackoffUntilSuccess) {
  RateLimiterConfig c;
  c.initial_penalty = milliseconds(1000);
  c.max_penalty = milliseconds(5000);
  c.penalty_multiplier = 2.0;
  RateLimiter r({pool("x", 100, 1000)}, c);
  TimePoint now = t0;
  const int64_t expected[] = {1000, 2000, 4000, 5000, 5000};
  for (int64_t e : expected) {
    r.on_rate_limited(std::nullopt, now);
    EXPECT_EQ(r.delay_for("x", now), milliseconds(e));
    now = r.paused_until();
  }
  EXPECT_EQ(r.consecutive_rate_limits(), 5);
  r.on_success();
  EXPECT_EQ(r.consecutive_rate_limits(), 0);
  r.on_rate_limited(std::nullopt, now);
  EXPECT_EQ(r.delay_for("x", now), milliseconds(1000));
}

TEST(RateLimiter, ParsesRetryAfterSeconds) {
  EXPECT_EQ(RateLimiter::parse_retry_after("2"), milliseconds(2000));
  EXPECT_EQ(RateLimiter::parse_retry_after(" 0.5 "), milliseconds(500));
  EXPECT_EQ(RateLimiter::parse_retry_after("0"), milliseconds(0));
  EXPECT_EQ(RateLimiter::parse_retry_after(""), std::nullopt);
  EXPECT_EQ(RateLimiter::parse_retry_after("-1"), std::nullopt);
  EXPECT_EQ(RateLimiter::parse_retry_after("soon"), std::nullopt);
  EXPECT_EQ(RateLimiter::parse_retry_after("2s"), std::nullopt);
  EXPECT_EQ(RateLimiter::parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);
}

TEST(RateLimiter, AcquireWaitsOnTheRealClock) {
  boost::asio::io_context io;
  RateLimiter r({pool("x", 2, 150)}, no_margin());
  const auto start = std::chrono::steady_clock::now();
  nectar::test::run_sync(io, [&]() -> boost::asio::awaitable<void> {
    co_await r.acquire("x");
    co_await r.acquire("x");
    co_await r.acquire("x");  // waits for the first to leave the window
  }());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(145));
  EXPECT_LT(elapsed, milliseconds(1000));
  EXPECT_THROW(nectar::test::run_sync(io, r.acquire("nope")), UnknownRateLimitError);
}
