#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds nectar, and runs the main job. Extra arguments go to `nectar demo`
# (e.g. --duration 30). No keys, no internet, no prompts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target nectar
exec "$BUILD_DIR/bin/nectar" demo "$@"
