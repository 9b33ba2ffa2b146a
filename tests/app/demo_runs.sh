#!/usr/bin/env bash
# The main job (README command 1 runs `nectar demo`): the bot must connect to the embedded simulator through
# the bitget connector, quote, and stop cleanly with its orders cancelled.
set -euo pipefail
out="$("$1" demo --duration 6 2>/dev/null)"
echo "$out"
fail() { echo "FAIL: $1"; exit 1; }
grep -q '^ready: pure market making on BTC-USDT' <<<"$out" || fail "bot never ready"
grep -Eq '^\[   [0-9]s\] mid [0-9]+\.[0-9]{2} +\| orders\[ [BS]' <<<"$out" || fail "no quotes shown"
grep -q '^stopped: ' <<<"$out" || fail "no clean stop"
echo "ok demo runs"
