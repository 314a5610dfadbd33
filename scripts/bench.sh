#!/usr/bin/env bash
# End-to-end benchmark: real MCP clients over Streamable HTTP against a server process it starts.
#   scripts/bench.sh                                  10,000 memories, one user, 16 clients
#   scripts/bench.sh --memories 100000 --users 100    100,000 memories over 100 users
# Every option of `dotnet Memento.LoadTest.dll run` passes through (--help lists them).
source "$(dirname "$0")/_common.sh"
build_release
exec dotnet "$loadtest_dll" run "$@"
