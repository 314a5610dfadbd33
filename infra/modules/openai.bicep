// Azure OpenAI with a chat model deployment for the chat client and, optionally, an embedding model
// deployment for the server's semantic search. Key (local) authentication is disabled: callers sign
// in with Microsoft Entra ID — the signed-in user from their machine, the server pods through their
// workload identity — and get "Cognitive Services OpenAI User" below.
param location string
param tags object
param name string
param chatDeploymentName string
param chatModelName string
param chatModelVersion string
@minValue(1)
param chatCapacity int
param embeddingDeploymentName string
@description('Empty: no embedding deployment.')
param embeddingModelName string
param embeddingModelVersion string
@minValue(1)
param embeddingCapacity int
@description('Object id of the signed-in user; empty to skip.')
param principalId string
@description('Object id of the server pods\' managed identity.')
param serverPrincipalId string

var openAiUserRoleId = '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {
  name: name
  location: location
  tags: tags
  kind: 'OpenAI'
  sku: { name: 'S0' }
  properties: {
    customSubDomainName: name
    publicNetworkAccess: 'Enabled'
    disableLocalAuth: true
  }
}

resource chatModel 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = {
  parent: account
  name: chatDeploymentName
  sku: {
    name: 'GlobalStandard'
    capacity: chatCapacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: chatModelName
      version: chatModelVersion
    }
    versionUpgradeOption: 'OnceCurrentVersionExpired'
  }
}

// One deployment at a time: the service refuses concurrent changes to deployments of one account.
resource embeddingModel 'Microsoft.CognitiveServices/accounts/deployments@2024-10-01' = if (!empty(embeddingModelName)) {
  parent: account
  name: embeddingDeploymentName
  dependsOn: [chatModel]
  sku: {
    name: 'GlobalStandard'
    capacity: embeddingCapacity
  }
  properties: {
    model: {
      format: 'OpenAI'
      name: embeddingModelName
      version: embeddingModelVersion
    }
    versionUpgradeOption: 'OnceCurrentVersionExpired'
  }
}

resource userAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(account.id, principalId, openAiUserRoleId)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', openAiUserRoleId)
    principalId: principalId
  }
}

resource serverAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, serverPrincipalId, openAiUserRoleId)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', openAiUserRoleId)
    principalId: serverPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output endpoint string = account.properties.endpoint
output chatDeploymentName string = chatModel.name
output embeddingDeploymentName string = empty(embeddingModelName) ? '' : embeddingModel.name
