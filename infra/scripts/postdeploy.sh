#!/bin/sh
# Runs after `azd deploy` (and in `azd up`): fails the command unless the rollout completes, so a
# deployment whose pods cannot start is reported as a failure, then says how to connect.
set -eu

: "${AZURE_SERVER_HOST:?run through azd (azd deploy / azd up)}"
: "${AZURE_ENV_NAME:?run through azd}"

timeout="${MEMENTO_ROLLOUT_TIMEOUT:-10m}"
if ! kubectl -n memento rollout status deployment/memento-mcpserver --timeout="$timeout"; then
  echo "The memento-mcpserver rollout did not complete within $timeout. What the cluster says:" >&2
  kubectl -n memento get pods -l app.kubernetes.io/name=memento-mcpserver -o wide >&2 || true
  kubectl -n memento get events --sort-by=.lastTimestamp 2>/dev/null | tail -n 20 >&2 || true
  exit 1
fi

echo "Memento is serving https://$AZURE_SERVER_HOST/mcp (port 443, TLS; only from the source ranges in"
echo "infra/k8s/overlays/aks/source-ranges.yaml). Clients trust .azure/$AZURE_ENV_NAME/memento-ca.crt;"
echo "azd prints the load balancer's address as http://<ip> — connect with the https name above."
