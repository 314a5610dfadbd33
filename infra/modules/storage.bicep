// The storage account and Azure Files share that hold every user's memories. It lives in the
// application's resource group, not in the cluster's node resource group, so the memories outlive
// the cluster: deleting or recreating AKS never deletes them. Pods mount the share over SMB through
// the azurefile-csi driver (a static PersistentVolume in the aks overlay).
param location string
param tags object
@minLength(3)
@maxLength(24)
param name string
param shareName string
@minValue(1)
param shareQuotaGiB int

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_ZRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // The azurefile-csi driver mounts SMB shares with the account key kept in a Kubernetes Secret.
    allowSharedKeyAccess: true
    largeFileSharesState: 'Enabled'
  }
}

resource fileService 'Microsoft.Storage/storageAccounts/fileServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    shareDeleteRetentionPolicy: { enabled: true, days: 14 }
  }
}

resource share 'Microsoft.Storage/storageAccounts/fileServices/shares@2023-05-01' = {
  parent: fileService
  name: shareName
  properties: {
    accessTier: 'TransactionOptimized'
    enabledProtocols: 'SMB'
    shareQuota: shareQuotaGiB
  }
}

output name string = account.name
output shareName string = share.name
