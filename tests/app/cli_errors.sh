#!/usr/bin/env bash
# The command line reports failures in words with a non-zero exit, never `terminate called`; --conf is
# accepted after the subcommand too.
set -uo pipefail
nectar="$1"
out="$(mktemp -d)"
holder_pid=""
trap '[ -n "$holder_pid" ] && kill $holder_pid 2>/dev/null; rm -rf "$out"' EXIT
fail() { echo "FAIL: $1"; cat "$out"/* 2>/dev/null; exit 1; }

# 1. `nectar sim` on a port that is taken: one line naming the port and the reason, exit 1.
"$nectar" sim bitget --port 0 >"$out/banner" 2>/dev/null &
holder_pid=$!
for _ in $(seq 1 100); do
  [ -s "$out/banner" ] && break
  sleep 0.05
done
port="$(sed -n 's|.*"rest":"http://127.0.0.1:\([0-9]*\)".*|\1|p' "$out/banner" | head -1)"
[ -n "$port" ] || fail "no port in the banner"
"$nectar" sim bitget --port "$port" >"$out/second.out" 2>"$out/second.err"
rc=$?
[ "$rc" -eq 1 ] || fail "port in use: exit $rc, expected 1"
grep -q "nectar sim: cannot listen on 127.0.0.1:$port: Address already in use" "$out/second.err" ||
  fail "port in use: no clear message"
grep -q "terminate called" "$out/second.err" && fail "port in use: terminate called"

# 2. --conf after the subcommand is the same option as before it.
"$nectar" run --config "$out/missing.yml" --conf "$out/conf" >"$out/run.out" 2>&1
rc=$?
[ "$rc" -ne 0 ] || fail "a missing config file must not succeed"
grep -q "were not expected" "$out/run.out" && fail "--conf after the subcommand was refused"
grep -q "missing.yml" "$out/run.out" || fail "the missing config file is not named"
"$nectar" --help | grep -q "before or after the subcommand" || fail "--help does not say where --conf goes"
echo "ok command-line errors"
