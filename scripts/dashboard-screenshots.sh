#!/usr/bin/env bash
# Refreshes the Aspire dashboard screenshots in docs/images/ that the README's F5 section shows.
#   scripts/dashboard-screenshots.sh            build, then take the screenshots
#   NO_BUILD=1 scripts/dashboard-screenshots.sh use the existing build
# It starts Memento.AppHost as F5 does (the dashboard included, on free ports, a throw-away storage folder),
# opens the login URL the AppHost prints in Debian's headless Chromium, sends a chat message on the chat page,
# and saves the Resources page, that message's trace and the storing replica's memento.memories.stored chart.
# The steps are the test Memento.AppHost.Tests/Dashboard/DashboardTests, which the test command runs too
# (its pictures then go to TestResults/screenshots/); here MEMENTO_SCREENSHOTS points it at docs/images/.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
configuration="${CONFIGURATION:-Debug}"

chromium="${MEMENTO_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  echo "error: Chromium is not installed at $chromium (apt-get install chromium, or set MEMENTO_CHROMIUM)." >&2
  exit 1
fi

if [ "${NO_BUILD:-0}" != 1 ]; then
  dotnet build Memento.AppHost.Tests -c "$configuration" --nologo --verbosity quiet -warnaserror
fi

stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT
MEMENTO_SCREENSHOTS="$repo/docs/images" timeout 600 dotnet test Memento.AppHost.Tests -c "$configuration" --no-build --nologo \
  --filter "FullyQualifiedName~Memento.AppHost.Tests.Dashboard.DashboardTests" --logger "console;verbosity=normal" </dev/null

for image in dashboard-resources dashboard-trace dashboard-metrics; do
  if [ ! docs/images/$image.png -nt "$stamp" ]; then
    echo "error: docs/images/$image.png was not taken by this run (see the test output above)." >&2
    exit 1
  fi
done
ls -l docs/images/dashboard-*.png
