# Shared by the scripts in this folder: build the server and the load test in Release, then run
# the load test with the given arguments. Set NO_BUILD=1 to use the existing build.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

build_release() {
  if [ "${NO_BUILD:-0}" != 1 ]; then
    dotnet build "$repo/Memento.McpServer" -c Release --nologo --verbosity quiet -warnaserror >&2
    dotnet build "$repo/Memento.LoadTest" -c Release --nologo --verbosity quiet -warnaserror >&2
  fi
}

loadtest_dll="$repo/Memento.LoadTest/bin/Release/net10.0/Memento.LoadTest.dll"

# The storage faults mount file systems: they need root (or CAP_SYS_ADMIN) and run in a private
# mount namespace so that nothing stays mounted on the host, whatever happens to the run.
run_in_private_mount_namespace() {
  if [ "$(id -u)" != 0 ]; then
    echo "This fault run mounts a file system (bind mount / tmpfs) and needs root." >&2
    exit 2
  fi
  exec unshare --mount --propagation private "$@"
}
