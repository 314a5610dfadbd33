#!/bin/sh
# Runs before `azd deploy` (and in `azd up`, after postprovision): the pods cannot start without these
# Secrets, so stop here with a clear message instead of rolling out pods that wait for them. Also stops
# a deploy whose overlay (MEMENTO_K8S_OVERLAY, from the last provision) does not match the storage
# provider asked for since (azd env set MEMENTO_STORAGE_PROVIDER ...).
set -eu

: "${AZURE_RESOURCE_GROUP:?run through azd (azd deploy / azd up)}"
: "${AZURE_AKS_CLUSTER_NAME:?run through azd}"
: "${MEMENTO_K8S_OVERLAY:?is not in the azd environment: run 'azd provision' (main.bicep outputs it) before 'azd deploy'}"

provider="${MEMENTO_STORAGE_PROVIDER:-Files}"
case "$provider" in
  Postgres) expected=aks-postgres; storage_secret=memento-db ;;
  *) expected=aks; storage_secret=azure-files ;;
esac
if [ "$MEMENTO_K8S_OVERLAY" != "$expected" ]; then
  echo "MEMENTO_STORAGE_PROVIDER is $provider, but the environment was provisioned for overlay $MEMENTO_K8S_OVERLAY." >&2
  echo "Run 'azd provision' (or 'azd up') so the infrastructure and the overlay follow the provider." >&2
  exit 1
fi

az aks get-credentials --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_AKS_CLUSTER_NAME" --overwrite-existing --only-show-errors
missing=""
for secret in "$storage_secret" memento-tls memento-auth; do
  if ! kubectl -n memento get secret "$secret" >/dev/null 2>&1; then
    missing="$missing $secret"
  fi
done
if [ -n "$missing" ]; then
  echo "The memento namespace lacks the Secret(s):$missing." >&2
  echo "Run 'azd provision' (its postprovision hook creates them), or create them as docs/deploy.md shows." >&2
  exit 1
fi
