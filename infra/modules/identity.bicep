// The managed identity the server pods sign in to Azure as, without any secret: Microsoft Entra ID
// trusts the cluster's OIDC issuer for the Kubernetes service account memento/memento-mcpserver
// (workload identity; infra/k8s/overlays/aks/service-account.yaml).
param location string
param tags object
param name string
param oidcIssuerUrl string
param serviceAccountNamespace string
param serviceAccountName string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

resource federation 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
  parent: identity
  name: 'aks-${serviceAccountNamespace}-${serviceAccountName}'
  properties: {
    issuer: oidcIssuerUrl
    subject: 'system:serviceaccount:${serviceAccountNamespace}:${serviceAccountName}'
    audiences: ['api://AzureADTokenExchange']
  }
}

output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
