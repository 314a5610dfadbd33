using Memento.AppHost;
using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);
var storageRoot = LocalRun.StorageRoot(builder);

// Resources

// Azure OpenAI is optional: without a connection string the chat client uses its offline engine,
// so a fresh clone runs with no Azure account at all.
var openai = builder.Configuration.GetConnectionString("openai") is { Length: > 0 }
    ? builder.AddConnectionString("openai")
    : null;

// PostgreSQL is optional too: with a memento-db connection string (an existing server, e.g. Azure
// Database for PostgreSQL) the replicas keep memories there, with the PostgreSQL provider, instead of
// in the shared folder.
var database = builder.Configuration.GetConnectionString("memento-db") is { Length: > 0 }
    ? builder.AddConnectionString("memento-db")
    : null;

// Services

// No launch profile: its fixed port (8000, the standalone server's) would clash with a server started
// on its own and between two clones; Aspire picks free ports for the proxy and for each replica.
var mcpServer = builder.AddProject<Projects.Memento_McpServer>("mcpserver", launchProfileName: null)
    .WithHttpEndpoint(name: "http")
    .WithReplicas(2)
    // One folder on the developer's disk plays the part Azure Files plays in AKS: every replica reads
    // and writes the same tree, so replicas must see each other's writes.
    .WithEnvironment("Memento__Storage__Root", storageRoot)
    .WithReplicaProbes(readinessPath: "/health", livenessPath: "/alive");

if (builder.Configuration["Memento:Http:EnableLegacySse"] is { Length: > 0 } legacySse)
{
    // Older MCP clients' HTTP+SSE transport, off unless asked for (it needs affinity to one replica).
    mcpServer.WithEnvironment("Memento__Http__EnableLegacySse", legacySse);
}

if (database is not null)
{
    mcpServer.WithReference(database).WithEnvironment("Memento__Storage__Provider", "Postgres");
}

// Apps

var chat = builder.AddProject<Projects.Memento_ChatClient>("chat", launchProfileName: null)
    .WithHttpEndpoint(name: "http")
    .WithExternalHttpEndpoints()
    .WithReference(mcpServer)
    .WaitFor(mcpServer)
    .WithHttpHealthCheck("/health");

if (openai is not null)
{
    chat.WithReference(openai);
    // The same connection serves the server's embeddings when Memento:Search:Embeddings is "azure";
    // otherwise the server ranks by meaning with its local model and ignores it.
    mcpServer.WithReference(openai);
}

if (builder.Configuration["Memento:Search:Embeddings"] is { Length: > 0 } embeddings)
{
    mcpServer.WithEnvironment("Memento__Search__Embeddings", embeddings);
}

try
{
    builder.CheckLocalRun(storageRoot);
}
catch (PortInUseException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 1;
}

await builder.Build().RunAsync();
return 0;
