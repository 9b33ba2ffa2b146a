#!/usr/bin/env bash
# The README's "try it by hand" steps, as a test: start `nectar sim bitget`, then `nectar probe bitget` with
# its banner: the probe must see the market and the funded account, place a limit order and cancel it.
set -euo pipefail
nectar="$1"
out="$(mktemp -d)"
"$nectar" sim bitget --port 0 >"$out/banner" 2>"$out/sim.log" &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq 1 100); do
  [ -s "$out/banner" ] && break
  sleep 0.05
done
banner="$(head -1 "$out/banner")"
"$nectar" probe bitget --sim-banner "$banner" --side buy --amount 0.001 --price 50000 --cancel-after 0.5 \
  --timeout 20 >"$out/probe" 2>"$out/probe.log"
cat "$out/probe"
fail() { echo "FAIL: $1"; cat "$out/probe.log"; exit 1; }
grep -q '^ready:' "$out/probe" || fail "connector never ready"
grep -q 'USDT     total 10000, available 10000' "$out/probe" || fail "funded balance not shown"
grep -q 'event OrderCreated' "$out/probe" || fail "order not created"
grep -q 'event OrderCancelled' "$out/probe" || fail "order not cancelled"
grep -q ': CANCELED$' "$out/probe" || fail "final state not CANCELED"
echo "ok probe against nectar sim bitget"
