// Azure Database for PostgreSQL Flexible Server for the PostgreSQL storage provider (chosen with
// `azd env set MEMENTO_STORAGE_PROVIDER Postgres`): the source of truth for every user's memories
// instead of the Azure Files share. pgvector is allow-listed (azure.extensions), so the server's
// migrations create the extension and keep embeddings as `vector`. Like the share, it lives in the
// application's resource group and outlives the cluster. docs/storage.md, docs/deploy.md.
param location string
param tags object
@minLength(3)
@maxLength(63)
param name string
param databaseName string
param administratorLogin string
@secure()
param administratorPassword string
@description('Compute tier of the server; Burstable B1ms is the smallest that serves a team.')
param skuName string = 'Standard_B1ms'
param skuTier string = 'Burstable'
@minValue(32)
param storageSizeGB int = 32

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: skuName, tier: skuTier }
  properties: {
    version: '16'
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorPassword
    authConfig: { passwordAuth: 'Enabled', activeDirectoryAuth: 'Disabled' }
    storage: { storageSizeGB: storageSizeGB, autoGrow: 'Enabled' }
    backup: { backupRetentionDays: 14, geoRedundantBackup: 'Disabled' }
    highAvailability: { mode: 'Disabled' }
    network: { publicNetworkAccess: 'Enabled' }
  }
}

// Allows connections from Azure services (the AKS nodes' outbound addresses), still with TLS and the password.
resource allowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: server
  name: 'AllowAzureServices'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

resource vectorExtension 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: server
  name: 'azure.extensions'
  properties: { value: 'VECTOR', source: 'user-override' }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: { charset: 'UTF8', collation: 'en_US.utf8' }
  dependsOn: [vectorExtension]
}

output name string = server.name
output host string = server.properties.fullyQualifiedDomainName
output databaseName string = database.name
output administratorLogin string = administratorLogin
