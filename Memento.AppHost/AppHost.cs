using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

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

var storageRoot = builder.Configuration["Memento:Storage:Root"]
    ?? Path.Combine(builder.AppHostDirectory, "..", ".memento-data");

var mcpServer = builder.AddProject<Projects.Memento_McpServer>("mcpserver", launchProfileName: null)
    .WithHttpEndpoint()
    .WithReplicas(2)
    .WithEnvironment("Memento__Storage__Root", Path.GetFullPath(storageRoot))
    .WithHttpHealthCheck("/health");

if (database is not null)
{
    mcpServer.WithReference(database).WithEnvironment("Memento__Storage__Provider", "Postgres");
}

// Apps

var chat = builder.AddProject<Projects.Memento_ChatClient>("chat", launchProfileName: null)
    .WithHttpEndpoint()
    .WithReference(mcpServer)
    .WaitFor(mcpServer)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");

if (openai is not null)
{
    chat.WithReference(openai);
}

builder.Build().Run();
