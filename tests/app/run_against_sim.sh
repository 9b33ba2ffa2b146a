#!/usr/bin/env bash
# `nectar run --sim-banner`: a strategy config trading on a separate `nectar sim bitget` process (keys and
# URLs from its banner line), journaled, stopped cleanly with its orders cancelled; bad banners refused.
set -euo pipefail
nectar="$1"
tmp="$(mktemp -d)"
"$nectar" sim bitget --port 0 >"$tmp/banner" 2>"$tmp/sim.log" &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $1"; tail -30 "$tmp/conf/logs/bot.log" 2>/dev/null || true; exit 1; }
for _ in $(seq 1 100); do
  [ -s "$tmp/banner" ] && break
  sleep 0.05
done
banner="$(head -1 "$tmp/banner")"
mkdir -p "$tmp/conf/strategies"
cat >"$tmp/conf/strategies/bot.yml" <<'YAML'
strategy: pure_market_making
exchange: bitget
market: BTC-USDT
bid_spread: 0.01
ask_spread: 0.01
order_refresh_time: 30
order_amount: 0.001
YAML

rc=0
out="$("$nectar" --conf "$tmp/conf" run --config "$tmp/conf/strategies/bot.yml" --sim-banner "$banner" \
  --duration 5 --status-interval 1 2>&1)" || rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "exit code $rc"
rest="$(sed -E 's/.*"rest":"([^"]+)".*/\1/' <<<"$banner")"
grep -q "external simulator at $rest" <<<"$out" || fail "not on the simulator of the banner ($rest)"
grep -q 'bitget is ready\.' <<<"$out" || fail "never ready"
grep -Eq '\] mid [0-9]+\.[0-9]{2} \| orders\[ [BS]' <<<"$out" || fail "no quotes"
grep -Eq 'Stopped: 2 orders placed, .*; open orders left: 0' <<<"$out" || fail "no clean stop"
[ -s "$tmp/conf/data/bot.sqlite" ] || fail "no journal"
# The simulator keeps running after the bot: a second run on the same journal restores nothing.
out="$("$nectar" --conf "$tmp/conf" run --config "$tmp/conf/strategies/bot.yml" --sim-banner "$banner" \
  --duration 2 --status-interval 1 2>&1)" || fail "second run failed: $out"
if grep -q 'Restored' <<<"$out"; then fail "orders left in the journal by a clean stop"; fi

# Refused: not a banner, a banner with another environment.
rc=0
out="$("$nectar" --conf "$tmp/conf" run --config "$tmp/conf/strategies/bot.yml" --sim-banner '{"rest":1}' 2>&1)" ||
  rc=$?
[ "$rc" -eq 2 ] && grep -q 'not the JSON line printed by `nectar sim bitget`' <<<"$out" || fail "bad banner: $rc $out"
rc=0
out="$("$nectar" --conf "$tmp/conf" run --config "$tmp/conf/strategies/bot.yml" --sim-banner "$banner" \
  --env production 2>&1)" || rc=$?
[ "$rc" -eq 2 ] && grep -q 'cannot be used with --env production' <<<"$out" || fail "env conflict: $rc $out"
echo "ok run against nectar sim bitget"
