#!/bin/sh
# Runs after `azd provision`: connects kubectl to the new cluster and stores the storage account's
# key in the memento namespace as the Secret the azurefile-csi driver mounts the memory share with.
# azd exports the Bicep outputs (AZURE_*) as environment variables.
set -eu

: "${AZURE_RESOURCE_GROUP:?run through azd (azd provision / azd up)}"
: "${AZURE_AKS_CLUSTER_NAME:?run through azd}"
: "${AZURE_STORAGE_ACCOUNT_NAME:?run through azd}"

az aks get-credentials --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_AKS_CLUSTER_NAME" --overwrite-existing --only-show-errors

kubectl create namespace memento --dry-run=client -o yaml | kubectl apply -f -

key=$(az storage account keys list --resource-group "$AZURE_RESOURCE_GROUP" --account-name "$AZURE_STORAGE_ACCOUNT_NAME" --query "[0].value" -o tsv)
kubectl -n memento create secret generic azure-files \
  --from-literal=azurestorageaccountname="$AZURE_STORAGE_ACCOUNT_NAME" \
  --from-literal=azurestorageaccountkey="$key" \
  --dry-run=client -o yaml | kubectl apply -f -

if ! kubectl -n memento get secret memento-auth >/dev/null 2>&1; then
  echo "No API keys yet: create the memento-auth Secret before the pods can start (docs/deploy.md, 'API keys')."
fi
