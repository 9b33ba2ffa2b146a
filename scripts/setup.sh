#!/usr/bin/env bash
# Installs every build and test dependency of nectar from Debian packages, plus the npm packages of the
# conformance tests (tests/conformance, pinned by its package-lock.json). Idempotent: packages that are
# already present are skipped, `apt-get update` runs only when something is missing, and `npm ci` only when
# the lock file is newer than the installed tree.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-system1.81-dev libboost-url1.81-dev
  libssl-dev zlib1g-dev libsimdjson-dev
  libspdlog-dev libfmt-dev libcli11-dev libyaml-cpp-dev
  libsqlite3-dev libedit-dev libncurses-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  python3 tmux
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
# Node.js runs the ccxt conformance test (tests/conformance). Check the commands, not dpkg: a node from
# elsewhere (e.g. NodeSource, which bundles npm) must not get Debian's npm installed on top of it.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages of the conformance tests, pinned by package-lock.json. `npm ci` runs only when nothing is
# installed yet or the lock file changed since the last install (npm writes node_modules/.package-lock.json).
# --ignore-scripts: nothing may build or download outside the npm registry.
conformance="$(cd "$(dirname "$0")/.." && pwd)/tests/conformance"
if [ -f "$conformance/package-lock.json" ]; then
  installed="$conformance/node_modules/.package-lock.json"
  if [ ! -f "$installed" ] || [ "$conformance/package-lock.json" -nt "$installed" ]; then
    echo "setup: npm ci in tests/conformance"
    (cd "$conformance" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  fi
fi
