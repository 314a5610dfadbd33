// Memento on Azure: one resource group holding AKS, ACR, Azure Files, Azure OpenAI and monitoring.
// azd provisions this file (infra.path: infra); the outputs become azd environment values.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names and tags every resource.')
param environmentName string

@minLength(1)
@description('Azure region for every resource. The chat and embedding models must be offered there as GlobalStandard; list them with `az cognitiveservices model list --location <region>` (docs/deploy.md).')
param location string

@description('Object id of the signed-in user or CI principal, granted Azure OpenAI access for local runs. Empty to skip.')
param principalId string = ''

@description('Kubernetes version for the cluster. Empty lets AKS pick its default version.')
param kubernetesVersion string = ''

@description('VM size of the AKS system node pool.')
param nodeVmSize string = 'Standard_D2s_v5'

@minValue(1)
@maxValue(10)
@description('Number of AKS nodes. Two keeps both server replicas on separate nodes.')
param nodeCount int = 2

@description('Chat model the chat client uses. Must be generally available for new deployments in the region: see docs/deploy.md, "Choosing the models".')
param chatModelName string = 'gpt-5.4-mini'

@description('Version of chatModelName (az cognitiveservices model list shows the versions a region offers).')
param chatModelVersion string = '2026-03-17'

@description('Tokens per minute (thousands) for the chat model deployment.')
param openAiCapacity int = 10

@description('Embedding model for the server\'s semantic search; empty for none.')
param embeddingModelName string = 'text-embedding-3-small'

@description('Version of embeddingModelName.')
param embeddingModelVersion string = '1'

@description('Tokens per minute (thousands) for the embedding deployment.')
param embeddingCapacity int = 10

@allowed(['Files', 'Postgres'])
@description('Where memories live: Files (an Azure Files share) or Postgres (Azure Database for PostgreSQL Flexible Server). azd: MEMENTO_STORAGE_PROVIDER.')
param storageProvider string = 'Files'

@secure()
@description('Administrator password of the PostgreSQL server (storageProvider Postgres only). azd: MEMENTO_POSTGRES_PASSWORD.')
param postgresAdministratorPassword string = ''

var usePostgres = storageProvider == 'Postgres'

var tags = { 'azd-env-name': environmentName }
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var serverDnsLabel = 'memento-${resourceToken}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'cr${resourceToken}'
  }
}

module aks 'modules/aks.bicep' = {
  name: 'aks'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'aks-${resourceToken}'
    kubernetesVersion: kubernetesVersion
    nodeVmSize: nodeVmSize
    nodeCount: nodeCount
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
    containerRegistryName: registry.outputs.name
  }
}

// The identity the server pods sign in to Azure OpenAI with (workload identity; no key in the cluster).
module serverIdentity 'modules/identity.bicep' = {
  name: 'server-identity'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'id-mcpserver-${resourceToken}'
    oidcIssuerUrl: aks.outputs.oidcIssuerUrl
    serviceAccountNamespace: 'memento'
    serviceAccountName: 'memento-mcpserver'
  }
}

module storage 'modules/storage.bicep' = if (!usePostgres) {
  name: 'storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'st${resourceToken}'
    shareName: 'memento-data'
    shareQuotaGiB: 100
  }
}

module postgres 'modules/postgres.bicep' = if (usePostgres) {
  name: 'postgres'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'psql-${resourceToken}'
    databaseName: 'memento'
    administratorLogin: 'memento_admin'
    administratorPassword: postgresAdministratorPassword
  }
}

module openai 'modules/openai.bicep' = {
  name: 'openai'
  scope: rg
  params: {
    location: location
    tags: tags
    name: 'oai-${resourceToken}'
    chatDeploymentName: 'chat'
    chatModelName: chatModelName
    chatModelVersion: chatModelVersion
    chatCapacity: openAiCapacity
    embeddingDeploymentName: 'embedding'
    embeddingModelName: embeddingModelName
    embeddingModelVersion: embeddingModelVersion
    embeddingCapacity: embeddingCapacity
    principalId: principalId
    serverPrincipalId: serverIdentity.outputs.principalId
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_AKS_CLUSTER_NAME string = aks.outputs.name
output AZURE_AKS_IDENTITY_CLIENT_ID string = aks.outputs.kubeletIdentityClientId
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output MEMENTO_STORAGE_PROVIDER string = storageProvider
// The kustomize overlay for this storage: the share-backed aks one, or aks-postgres without a volume.
output MEMENTO_K8S_OVERLAY string = usePostgres ? 'aks-postgres' : 'aks'
output AZURE_STORAGE_ACCOUNT_NAME string = usePostgres ? '' : storage!.outputs.name
output AZURE_STORAGE_SHARE_NAME string = usePostgres ? '' : storage!.outputs.shareName
output AZURE_POSTGRES_HOST string = usePostgres ? postgres!.outputs.host : ''
output AZURE_POSTGRES_DATABASE string = usePostgres ? postgres!.outputs.databaseName : ''
output AZURE_POSTGRES_USER string = usePostgres ? postgres!.outputs.administratorLogin : ''
output AZURE_OPENAI_ENDPOINT string = openai.outputs.endpoint
output AZURE_OPENAI_DEPLOYMENT string = openai.outputs.chatDeploymentName
output AZURE_OPENAI_EMBEDDING_DEPLOYMENT string = openai.outputs.embeddingDeploymentName
output AZURE_SERVER_IDENTITY_CLIENT_ID string = serverIdentity.outputs.clientId
// The load balancer's public address gets this DNS label (Service annotation azure-dns-label-name), so
// the server's TLS certificate can name it before the address exists.
output AZURE_SERVER_DNS_LABEL string = serverDnsLabel
output AZURE_SERVER_HOST string = '${serverDnsLabel}.${location}.cloudapp.azure.com'
output AZURE_LOG_ANALYTICS_WORKSPACE_ID string = monitoring.outputs.logAnalyticsWorkspaceId
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
