// Client-side request throttling in the style of Hummingbot's AsyncThrottler: weighted pools over sliding
// windows, pools linked to shared pools (e.g. every endpoint also counts against the per-IP pool), and a
// global pause after the exchange says "slow down" (HTTP 429/418 or an exchange rate-limit code).
#pragma once

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>

namespace nectar::net {

/// Another pool a request also draws from, and with which weight.
struct LinkedLimit {
  std::string id;
  int weight = 1;
};

/// One pool: at most `limit` weight per sliding `interval`. A request for `id` consumes `weight` here and
/// each linked pool's LinkedLimit::weight there. Pools used only as link targets (e.g. "IP") are declared the
/// same way; acquiring them directly is allowed.
struct RateLimit {
  std::string id;
  int limit = 1;
  std::chrono::milliseconds interval{1000};
  int weight = 1;
  std::vector<LinkedLimit> linked;
};

/// Thrown for an id that was never declared (or a link to one). The message names the id.
class UnknownRateLimitError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Tuning that is not per pool.
struct RateLimiterConfig {
  double safety_margin = 0.05;                      ///< effective limit = max(1, floor(limit * (1 - margin)))
  std::chrono::milliseconds initial_penalty{1000};  ///< pause after a 429 without Retry-After
  std::chrono::milliseconds max_penalty{60000};     ///< cap of the growing pause
  double penalty_multiplier = 2.0;                  ///< growth per consecutive 429 without a success between
};

/// Weighted sliding-window limiter. The pure core (delay_for/record/try_acquire/on_rate_limited with an
/// explicit `now`) has no I/O and is unit-testable with a fake clock; acquire() is the coroutine front end.
/// Not thread-safe: use it from the one io_context thread that owns the connector group.
/// A request heavier than a pool's whole effective limit passes when that pool's window is empty (instead of
/// waiting forever).
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;

  /// Throws std::invalid_argument for duplicate ids, non-positive limits/intervals/weights, and
  /// UnknownRateLimitError for links to undeclared pools.
  explicit RateLimiter(std::vector<RateLimit> limits, RateLimiterConfig config = {});

  /// How long a request for `id` must wait at `now` before it fits in all its pools and any 429 pause is
  /// over; zero when it may go now. Rounded up to whole milliseconds. Throws UnknownRateLimitError.
  std::chrono::milliseconds delay_for(std::string_view id, TimePoint now) const;
  /// Books a request for `id` at `now` in its pool and the linked pools (without checking capacity).
  void record(std::string_view id, TimePoint now);
  /// record() and true if delay_for() is zero; false (nothing recorded) otherwise.
  bool try_acquire(std::string_view id, TimePoint now);
  /// Waits (on the calling coroutine's executor, steady clock) until a request for `id` fits, then records
  /// it.
  boost::asio::awaitable<void> acquire(std::string_view id);

  /// The exchange rejected a request for rate limiting. Every pool pauses until now + retry_after, or,
  /// without retry_after, for a back-off that starts at initial_penalty and grows with each further call
  /// until on_success(). A pause never shortens an existing one.
  void on_rate_limited(std::optional<std::chrono::milliseconds> retry_after, TimePoint now = Clock::now());
  /// The exchange said (in response headers) that its quota is used up: every pool waits `pause` from `now`.
  /// Not a rejection, so the 429 back-off does not grow; never shortens an existing pause.
  void pause_for(std::chrono::milliseconds pause, TimePoint now = Clock::now()) {
    if (pause.count() > 0) paused_until_ = std::max(paused_until_, now + pause);
  }
  /// A request went through: the next 429 without Retry-After starts from initial_penalty again.
  void on_success() noexcept { consecutive_rate_limits_ = 0; }
  /// End of the current pause (a time in the past when not paused).
  TimePoint paused_until() const noexcept { return paused_until_; }
  /// Consecutive on_rate_limited() calls since the last on_success().
  int consecutive_rate_limits() const noexcept { return consecutive_rate_limits_; }

  /// The limit after the safety margin for pool `id`. Throws UnknownRateLimitError.
  int effective_limit(std::string_view id) const;
  /// Weight booked in pool `id` within its window ending at `now`. Throws UnknownRateLimitError.
  int usage(std::string_view id, TimePoint now) const;

  /// Parses a Retry-After header given in (possibly fractional) seconds, e.g. "2" or "0.5"; nullopt for
  /// anything else (including the HTTP-date form).
  static std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value);

 private:
  struct Entry {
    TimePoint at;
    int weight;
  };
  struct Pool {
    RateLimit limit;
    int effective = 1;
    std::vector<std::pair<Pool*, int>> draws;  // (pool, weight) this request id consumes: itself + linked
    std::deque<Entry> log;                     // oldest first
  };
  const Pool& pool(std::string_view id) const;
  Pool& pool(std::string_view id);

  RateLimiterConfig config_;
  std::unordered_map<std::string, Pool> pools_;
  TimePoint paused_until_{};
  int consecutive_rate_limits_ = 0;
};

}  // namespace nectar::net
