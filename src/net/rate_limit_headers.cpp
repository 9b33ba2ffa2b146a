#include "nectar/net/rate_limit_headers.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>

namespace nectar::net {

namespace {

std::optional<int64_t> int_header(const HttpResponse& r, std::string_view name) {
  const std::optional<std::string> v = r.header(name);
  if (!v) return std::nullopt;
  std::string_view s = *v;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  int64_t out = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::chrono::milliseconds> rate_limit_pause(const HttpResponse& r, int64_t now_unix_ms) {
  using std::chrono::milliseconds;
  std::optional<milliseconds> pause;
  auto longer = [&pause](milliseconds p) {
    p = std::clamp(p, milliseconds(0), kMaxHeaderPause);
    if (!pause || p > *pause) pause = p;
  };
  if (auto left = int_header(r, "x-ratelimit-remaining"); left && *left <= 0) {
    const auto reset = int_header(r, "x-ratelimit-reset");
    // Without a usable reset time the bucket refills continuously: a second buys at least one request.
    longer(reset && *reset > 0 ? milliseconds(*reset * 1000 - now_unix_ms) : milliseconds(1000));
  }
  if (auto left = int_header(r, "x-ratelimit-remaining-1s"); left && *left <= 0) longer(milliseconds(1000));
  const auto used = int_header(r, "X-BM-RateLimit-Remaining");
  const auto limit = int_header(r, "X-BM-RateLimit-Limit");
  if (used && limit && *limit > 0 && *used >= *limit) {
    const auto window = int_header(r, "X-BM-RateLimit-Reset");
    longer(milliseconds(window && *window > 0 ? *window * 1000 : 1000));
  }
  return pause;
}

}  // namespace nectar::net
