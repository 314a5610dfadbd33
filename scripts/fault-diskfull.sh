#!/usr/bin/env bash
# The storage root is a small tmpfs that is filled to the last byte mid-run, then freed. Writes must
# fail with a clear error, reads keep working, the server stays up and recovers. Needs root.
# Exit code 0 when it holds.
#   scripts/fault-diskfull.sh [--duration 6] [--clients 8] [--json FILE]
source "$(dirname "$0")/_common.sh"
build_release
run_in_private_mount_namespace dotnet "$loadtest_dll" fault-diskfull "$@"
