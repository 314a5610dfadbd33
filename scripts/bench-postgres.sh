#!/usr/bin/env bash
# The storage providers side by side, end to end (real MCP clients over Streamable HTTP), in one run:
#   1. the file provider, one server;
#   2. the PostgreSQL provider, one server;
#   3. the PostgreSQL provider, two replicas on the same database (clients spread over both).
# It starts a throw-away PostgreSQL server of its own (the machine's, `pg_config --bindir`; durable
# defaults: fsync and synchronous commit on) in a temporary folder on a free loopback port, and removes
# it afterwards.
#   scripts/bench-postgres.sh                          100,000 memories over 100 users, 1 and 16 clients
#   scripts/bench-postgres.sh --memories 10000 --users 10 --duration 10
# Other options of `dotnet Memento.LoadTest.dll run` pass through. Reports: $OUT (default /tmp/memento-bench-pg).
source "$(dirname "$0")/_common.sh"
build_release

out="${OUT:-/tmp/memento-bench-pg}"
mkdir -p "$out"
bindir="$(pg_config --bindir 2>/dev/null || true)"
[ -x "$bindir/initdb" ] || bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$bindir/initdb" ] || { echo "No PostgreSQL server found (install Debian's postgresql package)." >&2; exit 2; }

work="$(mktemp -d /tmp/memento-bench-pg-XXXXXX)"
as_pg=()
if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$work"; as_pg=(runuser -u postgres --); fi
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$work/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  rm -rf "$work" /tmp/memento-bench-pg-files /tmp/memento-bench-pg-files.corpus.json /tmp/memento-bench-pg-db /tmp/memento-bench-pg-db.corpus.json
}
trap cleanup EXIT
"${as_pg[@]}" "$bindir/initdb" -D "$work/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $work -c max_connections=200 -c shared_buffers=256MB" start >/dev/null
connection="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Maximum Pool Size=50"
# The postmaster: each PostgreSQL run also reports the CPU the database server used (all its backends).
database_pid="$(head -n 1 "$work/data/postmaster.pid")"

defaults=(--memories 100000 --users 100 --clients 1,16 --duration 15)
echo "==> files, one server" >&2
dotnet "$loadtest_dll" run "${defaults[@]}" --root /tmp/memento-bench-pg-files "$@" --json "$out/files.json" | tee "$out/files.txt"
echo "==> postgres, one server" >&2
dotnet "$loadtest_dll" run "${defaults[@]}" --provider postgres --connection-string "$connection" --database-pid "$database_pid" --root /tmp/memento-bench-pg-db "$@" --json "$out/postgres-1.json" | tee "$out/postgres-1.txt"
echo "==> postgres, two replicas on the same database" >&2
dotnet "$loadtest_dll" run "${defaults[@]}" --provider postgres --connection-string "$connection" --database-pid "$database_pid" --root /tmp/memento-bench-pg-db --replicas 2 "$@" --json "$out/postgres-2.json" | tee "$out/postgres-2.txt"
