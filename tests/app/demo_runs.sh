#!/usr/bin/env bash
# The main job (README command 1 runs `nectar demo`): the bot must connect to the embedded simulator through
# the bitget connector, quote, journal its orders (the `nectar run` runner) and stop cleanly with its orders
# cancelled; on a terminal it shows a live status block instead of status lines.
set -euo pipefail
nectar="$1"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $1"; cat "$tmp/conf/logs/demo.log" 2>/dev/null | tail -30; exit 1; }

rc=0
out="$("$nectar" --conf "$tmp/conf" demo --duration 6 2>&1)" || rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "exit code $rc"
grep -q "^nectar demo: pure market making on BTC-USDT" <<<"$out" || fail "no banner"
grep -q "^Strategy 'demo' started: pure market making on bitget BTC-USDT; journal $tmp/conf/data/demo.sqlite" \
  <<<"$out" || fail "not started with its journal"
grep -q '^bitget is ready\.$' <<<"$out" || fail "bot never ready"
# Not a terminal: one status line per second.
[ "$(grep -Ec '^\[ +[0-9]+s\] mid ' <<<"$out")" -ge 5 ] || fail "not one status line per second"
grep -Eq '^\[ +[0-9]+s\] mid [0-9]+\.[0-9]{2} \| orders\[ [BS][0-9.]+@[0-9.]+ .*\| BTC [0-9.]+ USDT [0-9.]+$' \
  <<<"$out" || fail "no quotes shown"
grep -Eq '^Stopped: [1-9][0-9]* orders placed, .*; open orders left: 0$' <<<"$out" || fail "no clean stop"
[ -s "$tmp/conf/data/demo.sqlite" ] || fail "no journal"
[ -s "$tmp/conf/logs/demo.log" ] || fail "no log"
if command -v sqlite3 >/dev/null; then
  placed="$(sqlite3 "$tmp/conf/data/demo.sqlite" "SELECT count(*) FROM orders")"
  active="$(sqlite3 "$tmp/conf/data/demo.sqlite" \
    "SELECT count(*) FROM orders WHERE state NOT IN ('FILLED','CANCELED','FAILED','EXPIRED')")"
  [ "$placed" -ge 2 ] || fail "journal has $placed orders"
  [ "$active" -eq 0 ] || fail "journal has $active orders still active after the stop"
fi

# On a terminal (script(1) gives it one): a status block redrawn in place every second.
if command -v script >/dev/null; then
  rc=0
  tty_out="$(script -qec "'$nectar' --conf '$tmp/conf' demo --duration 4" /dev/null 2>&1)" || rc=$?
  [ "$rc" -eq 0 ] || { echo "$tty_out"; fail "exit code $rc on a terminal"; }
  for part in '  Market  ' '  Balances' '  Orders' '  P&L '; do
    grep -qF "$part" <<<"$tty_out" || { echo "$tty_out"; fail "no '$part' in the status block on a terminal"; }
  done
  grep -q $'\e\\[[0-9]*F\e\\[J' <<<"$tty_out" || { echo "$tty_out"; fail "status block not redrawn"; }
  if grep -Eq '^\[ +[0-9]+s\] mid ' <<<"$tty_out"; then fail "status lines on a terminal"; fi
  grep -q 'open orders left: 0' <<<"$tty_out" || { echo "$tty_out"; fail "no clean stop on a terminal"; }
fi

# Killed (SIGKILL) with orders open, then run again: those orders lived on the embedded simulator of the
# killed run, which is gone with it; the new run closes them in the journal instead of restoring them, and
# stops cleanly. While the first one runs, a second run on the same journal is refused.
"$nectar" --conf "$tmp/conf" demo >"$tmp/killed.out" 2>&1 &
demo_pid=$!
for _ in $(seq 1 100); do
  grep -q '^\[ *[0-9]*s\] mid [0-9]' "$tmp/killed.out" && break
  sleep 0.1
done
sleep 1
rc=0
second="$("$nectar" --conf "$tmp/conf" demo --duration 2 2>&1)" || rc=$?
[ "$rc" -eq 2 ] && grep -q "another nectar run is using the journal $tmp/conf/data/demo.sqlite" <<<"$second" ||
  { kill -9 $demo_pid; fail "second demo on the same journal: rc $rc: $second"; }
kill -9 $demo_pid
wait $demo_pid 2>/dev/null || true
rc=0
out="$("$nectar" --conf "$tmp/conf" demo --duration 3 2>&1)" || rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "restart after a kill: exit code $rc"
grep -Eq '^The journal had [1-9][0-9]* open order\(s\) of an earlier run on an embedded simulator' <<<"$out" ||
  fail "orders of the killed run not closed"
if grep -q '^Restored ' <<<"$out"; then fail "orders of a gone simulator restored"; fi
grep -q 'open orders left: 0$' <<<"$out" || fail "no clean stop after a kill"
echo "ok demo runs"
