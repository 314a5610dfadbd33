#!/usr/bin/env bash
# Two replicas on one storage root; kill -9 one of them every few seconds under a store-heavy load
# while clients fail over to the other; then check every acknowledged store is on disk exactly once,
# whole, readable and found by search through both replicas. Exit code 0 when every check holds.
#   scripts/fault-kill.sh [--duration 30] [--kill-every 3] [--clients 8] [--json FILE]
source "$(dirname "$0")/_common.sh"
build_release
exec dotnet "$loadtest_dll" fault-kill "$@"
