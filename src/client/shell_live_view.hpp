// The shell's `--live` views (order_book, ticker, status) and their `--seconds N` option. Private to
// nectar_client.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace nectar::client {

struct ShellSession;

/// A whole number of seconds for --seconds (0 to 86400), or nullopt after saying why not.
std::optional<int> parse_seconds(ShellSession& shell, const std::string& text);

/// The `--live` views: `render()` redrawn every second. On a terminal in place until Enter (or `seconds`
/// when given); otherwise one frame per second for `seconds` (default 10 when negative).
void live_view(ShellSession& shell, const std::string& title, int seconds,
               const std::function<std::string()>& render);

}  // namespace nectar::client
