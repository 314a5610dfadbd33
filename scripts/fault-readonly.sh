#!/usr/bin/env bash
# The storage root becomes a read-only mount mid-run (a bind mount remounted ro: root ignores file
# permissions but not a read-only mount), then read-write again. Writes must fail with a clear
# error, reads keep working, the server stays up and recovers. Needs root. Exit code 0 when it holds.
#   scripts/fault-readonly.sh [--duration 6] [--clients 8] [--json FILE]
source "$(dirname "$0")/_common.sh"
build_release
run_in_private_mount_namespace dotnet "$loadtest_dll" fault-readonly "$@"
