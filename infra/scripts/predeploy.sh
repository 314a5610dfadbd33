#!/bin/sh
# Runs before `azd deploy` (and in `azd up`, after postprovision): the pods cannot start without these
# Secrets, so stop here with a clear message instead of rolling out pods that wait for them.
set -eu

: "${AZURE_RESOURCE_GROUP:?run through azd (azd deploy / azd up)}"
: "${AZURE_AKS_CLUSTER_NAME:?run through azd}"

az aks get-credentials --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_AKS_CLUSTER_NAME" --overwrite-existing --only-show-errors
missing=""
for secret in azure-files memento-tls memento-auth; do
  if ! kubectl -n memento get secret "$secret" >/dev/null 2>&1; then
    missing="$missing $secret"
  fi
done
if [ -n "$missing" ]; then
  echo "The memento namespace lacks the Secret(s):$missing." >&2
  echo "Run 'azd provision' (its postprovision hook creates them), or create them as docs/deploy.md shows." >&2
  exit 1
fi
