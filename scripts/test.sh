#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds everything, and runs the whole test suite (CTest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
BUILD_DIR=${BUILD_DIR:-build}
start=$(date +%s)
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
echo "build: $(( $(date +%s) - start ))s"
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)" --timeout 600
