// Quota feedback from response headers (net/rate_limit_headers) and the limiter pause it drives.
#include <gtest/gtest.h>

#include "nectar/net/rate_limit_headers.hpp"
#include "nectar/net/rate_limiter.hpp"

using namespace nectar::net;
using std::chrono::milliseconds;

namespace {

constexpr int64_t kNowMs = 1'700'000'000'250;

HttpResponse with(std::vector<std::pair<std::string, std::string>> headers, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.headers = std::move(headers);
  return r;
}

TEST(RateLimitHeaders, QuotaLeftOrNoHeadersMeansNoPause) {
  EXPECT_FALSE(rate_limit_pause(with({}), kNowMs));
  EXPECT_FALSE(
      rate_limit_pause(with({{"x-ratelimit-remaining", "3"}, {"x-ratelimit-reset", "1700000060"}}), kNowMs));
  EXPECT_FALSE(rate_limit_pause(
      with(
          {{"X-BM-RateLimit-Remaining", "4"}, {"X-BM-RateLimit-Limit", "10"}, {"X-BM-RateLimit-Reset", "2"}}),
      kNowMs));
}

TEST(RateLimitHeaders, BitmexBucketEmptyWaitsForTheReset) {
  const auto p =
      rate_limit_pause(with({{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", "1700000003"}}), kNowMs);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, milliseconds(2750));  // reset is UNIX seconds; names compare case-insensitively
  // The burst limit of order routes: one second.
  EXPECT_EQ(rate_limit_pause(with({{"x-ratelimit-remaining-1s", "0"}}), kNowMs), milliseconds(1000));
  // A reset in the past: no negative pause; no reset: a second.
  EXPECT_EQ(
      rate_limit_pause(with({{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", "1600000000"}}), kNowMs),
      milliseconds(0));
  EXPECT_EQ(rate_limit_pause(with({{"x-ratelimit-remaining", "0"}}), kNowMs), milliseconds(1000));
}

TEST(RateLimitHeaders, BitmartCountsRequestsUsedAgainstTheLimit) {
  const auto p = rate_limit_pause(with({{"X-BM-RateLimit-Remaining", "10"},
                                        {"X-BM-RateLimit-Limit", "10"},
                                        {"X-BM-RateLimit-Reset", "2"}}),
                                  kNowMs);
  EXPECT_EQ(p, milliseconds(2000));  // "Remaining" is the number used: at the limit, wait one window
}

TEST(RateLimitHeaders, MalformedOrHugeValuesAreHarmless) {
  EXPECT_FALSE(rate_limit_pause(with({{"x-ratelimit-remaining", "zero"}}), kNowMs));
  EXPECT_FALSE(
      rate_limit_pause(with({{"X-BM-RateLimit-Remaining", "9"}, {"X-BM-RateLimit-Limit", "-1"}}), kNowMs));
  EXPECT_EQ(
      rate_limit_pause(with({{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", "9999999999"}}), kNowMs),
      kMaxHeaderPause);
}

TEST(RateLimitHeaders, APauseHoldsEveryPoolWithoutGrowingTheBackOff) {
  RateLimit r;
  r.id = "orders";
  r.limit = 100;
  r.interval = milliseconds(1000);
  RateLimiter limiter({r});
  const auto t0 = RateLimiter::TimePoint{} + std::chrono::hours(1);
  limiter.pause_for(milliseconds(1500), t0);
  EXPECT_EQ(limiter.delay_for("orders", t0), milliseconds(1500));
  limiter.pause_for(milliseconds(200), t0);  // never shortens
  EXPECT_EQ(limiter.delay_for("orders", t0), milliseconds(1500));
  EXPECT_EQ(limiter.consecutive_rate_limits(), 0);
  EXPECT_EQ(limiter.delay_for("orders", t0 + milliseconds(1500)), milliseconds(0));
}

}  // namespace
