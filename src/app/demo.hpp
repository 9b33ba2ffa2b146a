// `nectar demo`, the main job: an embedded Bitget simulator and a pure market making bot trading on it
// through the real `bitget` connector, with a status line every second.
#pragma once

#include <cstdint>

namespace nectar::app {

/// Runs until Ctrl-C/SIGTERM or `duration_s` seconds (0 = no limit); cancels the bot's orders on the way out.
int run_demo(int duration_s, uint64_t seed);

}  // namespace nectar::app
