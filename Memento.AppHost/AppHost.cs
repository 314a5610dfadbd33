using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

// Resources

// Azure OpenAI is optional: without a connection string the chat client uses its offline engine,
// so a fresh clone runs with no Azure account at all.
var openai = builder.Configuration.GetConnectionString("openai") is { Length: > 0 }
    ? builder.AddConnectionString("openai")
    : null;

// Services

var storageRoot = builder.Configuration["Memento:Storage:Root"]
    ?? Path.Combine(builder.AppHostDirectory, "..", ".memento-data");

var mcpServer = builder.AddProject<Projects.Memento_McpServer>("mcpserver", launchProfileName: null)
    .WithHttpEndpoint()
    .WithReplicas(2)
    .WithEnvironment("Memento__Storage__Root", Path.GetFullPath(storageRoot))
    .WithHttpHealthCheck("/health");

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
    // The same connection serves the server's embeddings when Memento:Search:Embeddings is "azure";
    // otherwise the server ranks by meaning with its local model and ignores it.
    mcpServer.WithReference(openai);
}

if (builder.Configuration["Memento:Search:Embeddings"] is { Length: > 0 } embeddings)
{
    mcpServer.WithEnvironment("Memento__Search__Embeddings", embeddings);
}

builder.Build().Run();
