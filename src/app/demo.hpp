// `nectar demo`, the main job: an embedded exchange simulator and a pure market making bot trading on it
// through the exchange's real spot connector (by default the first registered simulator's first connector).
// It is `nectar run` (client::run_headless: the same runner, order journal and clean stop) with a built-in
// config and a live status view.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace nectar::app {

/// The demo's built-in strategy config (Hummingbot YAML keys and units), named `demo`, for a connector id.
std::string demo_config_yaml(const std::string& exchange);
/// The connector the demo trades on when none is given: the first connector of the first simulator.
std::string default_demo_exchange();

/// Runs on `exchange` ("" = default_demo_exchange()) until Ctrl-C/SIGTERM or `duration_s` seconds (0 = no
/// limit); cancels the bot's orders on the way out. Orders and fills are journaled in
/// `<config_dir>/data/demo.sqlite`, logs go to
/// `<config_dir>/logs/demo.log`.
int run_demo(const std::string& exchange, int duration_s, uint64_t seed,
             const std::filesystem::path& config_dir);

}  // namespace nectar::app
