// The AKS cluster: system-assigned managed identity for the control plane, a kubelet identity that
// may pull from the registry (AcrPull), Azure Files CSI for the shared memory volume, container
// insights into Log Analytics, and the OIDC issuer + workload identity for keyless Azure access.
param location string
param tags object
param name string
param kubernetesVersion string
param nodeVmSize string
param nodeCount int
param logAnalyticsWorkspaceId string
param containerRegistryName string

var acrPullRoleId = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

resource cluster 'Microsoft.ContainerService/managedClusters@2024-02-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'mcpserver' })
  identity: { type: 'SystemAssigned' }
  sku: { name: 'Base', tier: 'Free' }
  properties: {
    dnsPrefix: name
    kubernetesVersion: empty(kubernetesVersion) ? null : kubernetesVersion
    enableRBAC: true
    disableLocalAccounts: false
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: nodeCount
        vmSize: nodeVmSize
        osType: 'Linux'
        osSKU: 'AzureLinux'
        type: 'VirtualMachineScaleSets'
        enableAutoScaling: false
      }
    ]
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      loadBalancerSku: 'standard'
    }
    storageProfile: {
      fileCSIDriver: { enabled: true }
      diskCSIDriver: { enabled: true }
    }
    oidcIssuerProfile: { enabled: true }
    securityProfile: {
      workloadIdentity: { enabled: true }
    }
    addonProfiles: {
      omsagent: {
        enabled: true
        config: {
          logAnalyticsWorkspaceResourceID: logAnalyticsWorkspaceId
        }
      }
    }
  }
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: containerRegistryName
}

resource kubeletAcrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, cluster.id, acrPullRoleId)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPullRoleId)
    principalId: cluster.properties.identityProfile.kubeletidentity.objectId
    principalType: 'ServicePrincipal'
  }
}

output name string = cluster.name
output kubeletIdentityClientId string = cluster.properties.identityProfile.kubeletidentity.clientId
