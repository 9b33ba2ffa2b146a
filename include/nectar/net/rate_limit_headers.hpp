// What an exchange's REST response headers say about the quota left, as a pause for the rate limiter: the
// published per-endpoint weights are a model, the headers are the exchange's own count.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "nectar/net/http_client.hpp"

namespace nectar::net {

/// The longest pause a header may impose (a wrong or hostile header must not stall the bot for hours).
inline constexpr std::chrono::milliseconds kMaxHeaderPause{60000};

/// How long to wait before the next request, from the conventions exchanges use (nullopt: quota left, or no
/// such headers):
/// - `x-ratelimit-remaining` 0 with `x-ratelimit-reset` (UNIX seconds): until the reset (BitMEX);
///   `x-ratelimit-remaining-1s` 0: one second (BitMEX's burst limit on order routes);
/// - `X-BM-RateLimit-Remaining` (requests USED in the window, despite the name) at or above
///   `X-BM-RateLimit-Limit`: one window of `X-BM-RateLimit-Reset` seconds (BitMart).
/// Malformed values are ignored; the pause is at most kMaxHeaderPause. `now_unix_ms` is wall-clock time.
std::optional<std::chrono::milliseconds> rate_limit_pause(const HttpResponse& response, int64_t now_unix_ms);

}  // namespace nectar::net
