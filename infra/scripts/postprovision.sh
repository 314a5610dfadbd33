#!/bin/sh
# Runs after `azd provision`: connects kubectl to the new cluster and stores what the pods need to reach
# the memories in the memento namespace: with the file provider (default) the storage account's key, as
# the Secret the azurefile-csi driver mounts the memory share with; with MEMENTO_STORAGE_PROVIDER=Postgres
# the database's connection string, as the memento-db Secret the aks-postgres overlay reads.
# azd exports the Bicep outputs (AZURE_*, MEMENTO_*) and the environment's values as environment variables.
set -eu

: "${AZURE_RESOURCE_GROUP:?run through azd (azd provision / azd up)}"
: "${AZURE_AKS_CLUSTER_NAME:?run through azd}"

az aks get-credentials --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_AKS_CLUSTER_NAME" --overwrite-existing --only-show-errors

kubectl create namespace memento --dry-run=client -o yaml | kubectl apply -f -

if [ "${MEMENTO_STORAGE_PROVIDER:-Files}" = "Postgres" ]; then
  : "${AZURE_POSTGRES_HOST:?run through azd}"
  : "${MEMENTO_POSTGRES_PASSWORD:?set it first: azd env set MEMENTO_POSTGRES_PASSWORD <password>}"
  kubectl -n memento create secret generic memento-db \
    --from-literal=connection-string="Host=$AZURE_POSTGRES_HOST;Database=$AZURE_POSTGRES_DATABASE;Username=$AZURE_POSTGRES_USER;Password=$MEMENTO_POSTGRES_PASSWORD;SSL Mode=Require" \
    --dry-run=client -o yaml | kubectl apply -f -
else
  : "${AZURE_STORAGE_ACCOUNT_NAME:?run through azd}"
  key=$(az storage account keys list --resource-group "$AZURE_RESOURCE_GROUP" --account-name "$AZURE_STORAGE_ACCOUNT_NAME" --query "[0].value" -o tsv)
  kubectl -n memento create secret generic azure-files \
    --from-literal=azurestorageaccountname="$AZURE_STORAGE_ACCOUNT_NAME" \
    --from-literal=azurestorageaccountkey="$key" \
    --dry-run=client -o yaml | kubectl apply -f -
fi

if ! kubectl -n memento get secret memento-auth >/dev/null 2>&1; then
  echo "No API keys yet: create the memento-auth Secret before the pods can start (docs/deploy.md, 'API keys')."
fi
