// `nectar demo`, the main job: an embedded Bitget simulator and a pure market making bot trading on it
// through the real `bitget` connector. It is `nectar run` (client::run_headless: the same runner, order
// journal and clean stop) with a built-in config and a live status view.
#pragma once

#include <cstdint>
#include <filesystem>

namespace nectar::app {

/// The demo's built-in strategy config (Hummingbot YAML keys and units), named `demo`.
extern const char* const kDemoConfigYaml;

/// Runs until Ctrl-C/SIGTERM or `duration_s` seconds (0 = no limit); cancels the bot's orders on the way out.
/// Orders and fills are journaled in `<config_dir>/data/demo.sqlite`, logs go to
/// `<config_dir>/logs/demo.log`.
int run_demo(int duration_s, uint64_t seed, const std::filesystem::path& config_dir);

}  // namespace nectar::app
