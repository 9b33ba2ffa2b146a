#include "nectar/net/rate_limiter.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace nectar::net {
namespace {

std::chrono::milliseconds ceil_ms(RateLimiter::Clock::duration d) {
  return d.count() <= 0 ? std::chrono::milliseconds(0) : std::chrono::ceil<std::chrono::milliseconds>(d);
}

}  // namespace

RateLimiter::RateLimiter(std::vector<RateLimit> limits, RateLimiterConfig config) : config_(config) {
  const double margin = std::clamp(config_.safety_margin, 0.0, 0.99);
  for (auto& l : limits) {
    if (l.limit <= 0 || l.interval.count() <= 0 || l.weight <= 0) {
      throw std::invalid_argument("rate limit '" + l.id + "': limit, interval and weight must be positive");
    }
    Pool p;
    p.effective = std::max(1, static_cast<int>(std::floor(l.limit * (1.0 - margin))));
    p.limit = std::move(l);
    const std::string id = p.limit.id;
    if (!pools_.emplace(id, std::move(p)).second) {
      throw std::invalid_argument("rate limit '" + id + "' declared twice");
    }
  }
  // Resolve links once all pools exist; unordered_map nodes are stable, so the pointers stay valid.
  for (auto& [id, p] : pools_) {
    p.draws.emplace_back(&p, p.limit.weight);
    for (const auto& link : p.limit.linked) {
      auto it = pools_.find(link.id);
      if (it == pools_.end()) {
        throw UnknownRateLimitError("rate limit '" + id + "' links to undeclared limit '" + link.id + "'");
      }
      if (link.weight <= 0) {
        throw std::invalid_argument("rate limit '" + id + "': linked weight for '" + link.id +
                                    "' must be positive");
      }
      p.draws.emplace_back(&it->second, link.weight);
    }
  }
}

const RateLimiter::Pool& RateLimiter::pool(std::string_view id) const {
  auto it = pools_.find(std::string(id));
  if (it == pools_.end()) throw UnknownRateLimitError("unknown rate limit id '" + std::string(id) + "'");
  return it->second;
}

RateLimiter::Pool& RateLimiter::pool(std::string_view id) {
  return const_cast<Pool&>(static_cast<const RateLimiter*>(this)->pool(id));
}

int RateLimiter::effective_limit(std::string_view id) const {
  return pool(id).effective;
}

int RateLimiter::usage(std::string_view id, TimePoint now) const {
  const Pool& p = pool(id);
  int used = 0;
  for (const auto& e : p.log) {
    if (e.at + p.limit.interval > now) used += e.weight;
  }
  return used;
}

std::chrono::milliseconds RateLimiter::delay_for(std::string_view id, TimePoint now) const {
  const Pool& p = pool(id);
  std::chrono::milliseconds delay = ceil_ms(paused_until_ - now);
  for (const auto& [target, weight] : p.draws) {
    const auto interval = target->limit.interval;
    int used = 0;
    for (const auto& e : target->log) {
      if (e.at + interval > now) used += e.weight;
    }
    const int excess = used + weight - target->effective;
    // An empty window always admits one request, even one heavier than the whole pool.
    if (excess <= 0 || used == 0) continue;
    // Wait until the oldest live entries that free `excess` weight have left the window. If even an empty
    // window is not enough (an oversized request), wait until it is empty.
    int freed = 0;
    TimePoint free_at = now;
    for (const auto& e : target->log) {
      if (e.at + interval <= now) continue;
      freed += e.weight;
      free_at = e.at + interval;
      if (freed >= excess) break;
    }
    delay = std::max(delay, ceil_ms(free_at - now));
  }
  return delay;
}

void RateLimiter::record(std::string_view id, TimePoint now) {
  Pool& p = pool(id);
  for (auto& [target, weight] : p.draws) {
    auto& log = target->log;
    const auto interval = target->limit.interval;
    while (!log.empty() && log.front().at + interval <= now) log.pop_front();
    log.push_back({now, weight});
  }
}

bool RateLimiter::try_acquire(std::string_view id, TimePoint now) {
  if (delay_for(id, now).count() > 0) return false;
  record(id, now);
  return true;
}

boost::asio::awaitable<void> RateLimiter::acquire(std::string_view id_view) {
  const std::string id(id_view);  // the caller's view need not outlive our suspensions
  pool(id);                       // throw for unknown ids before waiting
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  for (;;) {
    const auto now = Clock::now();
    const auto delay = delay_for(id, now);
    if (delay.count() == 0) {
      record(id, now);
      co_return;
    }
    timer.expires_after(delay);
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
}

void RateLimiter::on_rate_limited(std::optional<std::chrono::milliseconds> retry_after, TimePoint now) {
  std::chrono::milliseconds pause;
  if (retry_after) {
    pause = std::max(std::chrono::milliseconds(0), *retry_after);
  } else {
    const double grown = static_cast<double>(config_.initial_penalty.count()) *
                         std::pow(std::max(1.0, config_.penalty_multiplier), consecutive_rate_limits_);
    pause = std::chrono::milliseconds(
        static_cast<int64_t>(std::min(grown, static_cast<double>(config_.max_penalty.count()))));
  }
  ++consecutive_rate_limits_;
  paused_until_ = std::max(paused_until_, now + pause);
}

std::optional<std::chrono::milliseconds> RateLimiter::parse_retry_after(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty() || !(value.front() >= '0' && value.front() <= '9')) return std::nullopt;
  double seconds = 0;
  const auto [ptr, ec] =
      std::from_chars(value.data(), value.data() + value.size(), seconds, std::chars_format::fixed);
  if (ec != std::errc{} || ptr != value.data() + value.size() || !std::isfinite(seconds)) return std::nullopt;
  return std::chrono::milliseconds(std::llround(seconds * 1000.0));
}

}  // namespace nectar::net
