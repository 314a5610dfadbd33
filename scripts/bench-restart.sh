#!/usr/bin/env bash
# Restart of a replica on an existing storage root: how long until the first search of a user finds
# something, how long until every memory of that user is ranked by meaning (the server's own
# "ranked by meaning" log line), and the replica's memory then.
#   scripts/bench-restart.sh ROOT USER [KEY=VALUE ...]
# ROOT is a storage root seeded earlier, for example by
#   scripts/bench.sh --root /tmp/v100k --memories 100000 --users 1 --seed-vectors all-minilm-l6-v2+title \
#     --clients 1 --duration 1 --warmup 1 --server-env Memento__Search__Embeddings=off
# KEY=VALUE pairs are extra environment for the server (e.g. Memento__Search__Embeddings=off,
# DOTNET_gcServer=0). Nothing else may use the machine while it runs: the times are wall-clock.
source "$(dirname "$0")/_common.sh"
if [ $# -lt 2 ]; then
  sed -n '2,10p' "$0" >&2
  exit 2
fi
root="$1" user="$2"
shift 2
[ -d "$root/$user" ] || { echo "No user $user under $root." >&2; exit 2; }
build_release
dll="$repo/Memento.McpServer/bin/Release/net10.0/Memento.McpServer.dll"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log=$(mktemp)
start=$(date +%s.%N)
env ASPNETCORE_ENVIRONMENT=Production Memento__Storage__Root="$root" \
  Memento__Http__RateLimitPermits=1000000 Memento__Http__LoopbackRateLimitPermits=1000000 "$@" \
  dotnet "$dll" --urls "http://127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
since() { python3 -c "import sys; print(f'{float(sys.argv[1]) - float(sys.argv[2]):.2f}')" "$(date +%s.%N)" "$start"; }
deadline=$((SECONDS + 300))
until curl -sf -o /dev/null "http://127.0.0.1:$port/health"; do
  kill -0 $pid 2>/dev/null || { echo "The server stopped:" >&2; tail -20 "$log" >&2; exit 1; }
  [ $SECONDS -lt $deadline ] || { echo "The server did not answer /health in 300 s." >&2; exit 1; }
  sleep 0.1
done
echo "alive after $(since) s"
call='{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"retrieve_memories","arguments":{"query":"budget review meeting","limit":5}}}'
until curl -s --max-time 60 -H "Content-Type: application/json" -H "Accept: application/json, text/event-stream" \
    -H "MCP-Protocol-Version: 2025-06-18" -H "X-Memento-User: $user" -d "$call" "http://127.0.0.1:$port/mcp" | grep -q '"hits":\[{'; do
  [ $SECONDS -lt $deadline ] || { echo "No search found anything in 300 s." >&2; exit 1; }
  sleep 0.2
done
echo "first search with hits after $(since) s"
if grep -q "BM25 + embeddings" "$log"; then
  until grep -q "ranked by meaning" "$log"; do
    [ $SECONDS -lt $((deadline + 900)) ] || { echo "The vectors were not ready in 20 minutes." >&2; exit 1; }
    sleep 0.5
  done
  echo "every memory ranked by meaning after $(since) s"
  grep "ranked by meaning" "$log" | sed 's/^ *//'
fi
sleep 5
grep -E 'VmHWM|VmRSS|RssAnon' /proc/$pid/status | tr -s ' \t' ' ' | tr '\n' ' '
echo
