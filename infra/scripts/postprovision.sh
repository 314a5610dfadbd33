#!/bin/sh
# Runs after `azd provision` (and in `azd up`): connects kubectl to the cluster and creates what the
# pods need and the overlay does not hold:
#   azure-files   the storage account's name and key, for the azurefile-csi driver (refreshed each run);
#   memento-db    instead of azure-files with MEMENTO_STORAGE_PROVIDER=Postgres: the database's connection
#                 string (key connection-string), from the server's outputs and MEMENTO_POSTGRES_PASSWORD;
#   memento-tls   a server certificate for AZURE_SERVER_HOST signed by a private CA made here (only when
#                 the Secret is missing: replace it with your own certificate whenever you like);
#   memento-auth  the first API key (only when the Secret is missing), printed once and never stored.
# Secret values never appear on a command line: they go through files in a private temporary folder
# and server-side apply (which keeps no last-applied-configuration copy of them).
# azd exports the Bicep outputs (AZURE_*) as environment variables.
set -eu

: "${AZURE_RESOURCE_GROUP:?run through azd (azd provision / azd up)}"
: "${AZURE_AKS_CLUSTER_NAME:?run through azd}"
if [ "${MEMENTO_STORAGE_PROVIDER:-Files}" = "Postgres" ]; then
  : "${AZURE_POSTGRES_HOST:?run through azd}"
  : "${MEMENTO_POSTGRES_PASSWORD:?set it first: azd env set MEMENTO_POSTGRES_PASSWORD <password>}"
else
  : "${AZURE_STORAGE_ACCOUNT_NAME:?run through azd}"
fi
: "${AZURE_SERVER_HOST:?run through azd}"
: "${AZURE_ENV_NAME:?run through azd}"

namespace=memento
manager=memento-postprovision
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"
umask 077

apply() {
  kubectl apply --server-side --force-conflicts --field-manager="$manager" -f -
}

az aks get-credentials --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_AKS_CLUSTER_NAME" --overwrite-existing --only-show-errors
kubectl create namespace "$namespace" --dry-run=client -o yaml | apply >/dev/null

if [ "${MEMENTO_STORAGE_PROVIDER:-Files}" = "Postgres" ]; then
  # --- memento-db: the connection string, from a file, never an argument -----------------------------
  printf 'Host=%s;Database=%s;Username=%s;Password=%s;SSL Mode=Require' \
    "$AZURE_POSTGRES_HOST" "$AZURE_POSTGRES_DATABASE" "$AZURE_POSTGRES_USER" "$MEMENTO_POSTGRES_PASSWORD" > "$work/connection-string"
  kubectl -n "$namespace" create secret generic memento-db --from-file="$work/connection-string" \
    --dry-run=client -o yaml | apply >/dev/null
  echo "Secret memento-db: database $AZURE_POSTGRES_DATABASE on $AZURE_POSTGRES_HOST"
else
  # --- azure-files: the share's key, from a file, never an argument ------------------------------------
  printf %s "$AZURE_STORAGE_ACCOUNT_NAME" > "$work/azurestorageaccountname"
  az storage account keys list --resource-group "$AZURE_RESOURCE_GROUP" --account-name "$AZURE_STORAGE_ACCOUNT_NAME" \
    --query "[0].value" -o tsv | tr -d '\r\n' > "$work/azurestorageaccountkey"
  kubectl -n "$namespace" create secret generic azure-files \
    --from-file="$work/azurestorageaccountname" --from-file="$work/azurestorageaccountkey" \
    --dry-run=client -o yaml | apply >/dev/null
  # Earlier versions applied this Secret client-side, which copied the key into this annotation.
  kubectl -n "$namespace" annotate secret azure-files kubectl.kubernetes.io/last-applied-configuration- >/dev/null 2>&1 || true
  echo "Secret azure-files: storage account $AZURE_STORAGE_ACCOUNT_NAME"
fi

# --- memento-tls: the server's certificate --------------------------------------------------------
ca_file=".azure/$AZURE_ENV_NAME/memento-ca.crt"
if ! kubectl -n "$namespace" get secret memento-tls >/dev/null 2>&1; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -sha256 \
    -subj "/CN=Memento CA for $AZURE_ENV_NAME" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -subj "/CN=$AZURE_SERVER_HOST" \
    -keyout "$work/tls.key" -out "$work/tls.csr" 2>/dev/null
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectAltName=DNS:$AZURE_SERVER_HOST" > "$work/tls.ext"
  openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
    -days 825 -sha256 -extfile "$work/tls.ext" -out "$work/tls.crt" 2>/dev/null
  # The CA's key is not kept: renewing means a new CA and a new certificate (delete the Secret, run this again).
  kubectl -n "$namespace" create secret generic memento-tls --type=kubernetes.io/tls \
    --from-file="$work/tls.crt" --from-file="$work/tls.key" --from-file="$work/ca.crt" \
    --dry-run=client -o yaml | apply >/dev/null
  echo "Secret memento-tls: certificate for $AZURE_SERVER_HOST from a new private CA"
fi
# The CA clients trust, next to the azd environment (it is public; the Secret may also hold your own chain).
mkdir -p "$(dirname "$ca_file")"
if kubectl -n "$namespace" get secret memento-tls -o jsonpath='{.data.ca\.crt}' | base64 -d > "$work/ca.out" 2>/dev/null && [ -s "$work/ca.out" ]; then
  umask 022
  cp "$work/ca.out" "$ca_file"
  umask 077
  echo "CA certificate for clients: $ca_file"
fi

# --- memento-auth: the first API key ----------------------------------------------------------------
if ! kubectl -n "$namespace" get secret memento-auth >/dev/null 2>&1; then
  user="${MEMENTO_FIRST_USER:-admin}"
  key="mk_$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')"
  hash=$(printf %s "$key" | openssl dgst -sha256 -r | cut -d' ' -f1)
  printf %s "$user" > "$work/Memento__Auth__ApiKeys__0__User"
  printf %s "$hash" > "$work/Memento__Auth__ApiKeys__0__Hash"
  printf %s "memento.admin" > "$work/Memento__Auth__ApiKeys__0__Roles__0"
  kubectl -n "$namespace" create secret generic memento-auth \
    --from-file="$work/Memento__Auth__ApiKeys__0__User" --from-file="$work/Memento__Auth__ApiKeys__0__Hash" \
    --from-file="$work/Memento__Auth__ApiKeys__0__Roles__0" \
    --dry-run=client -o yaml | apply >/dev/null
  echo
  echo "First API key, for user '$user' (admin). It is shown this once and stored nowhere; keep it now:"
  echo
  echo "    $key"
  echo
  echo "More keys and rotation: docs/deploy.md, 'API keys'."
fi
