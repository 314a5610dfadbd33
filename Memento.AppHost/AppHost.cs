var builder = DistributedApplication.CreateBuilder(args);

// Resources

// One folder on the developer's disk plays the part Azure Files plays in AKS: every server replica
// reads and writes the same tree, so replicas must see each other's writes.
var storageRoot = builder.Configuration["Memento:Storage:Root"]
    ?? Path.Combine(builder.AppHostDirectory, "..", ".memento-data");

// Azure OpenAI is optional: without a connection string the chat client uses its offline engine.
var openai = builder.Configuration.GetConnectionString("openai") is { Length: > 0 }
    ? builder.AddConnectionString("openai")
    : null;

// Services

var mcpServer = builder.AddProject<Projects.Memento_McpServer>("mcpserver")
    .WithReplicas(2)
    .WithEnvironment("Memento__Storage__Root", Path.GetFullPath(storageRoot))
    .WithHttpHealthCheck("/health");

// Apps

var chat = builder.AddProject<Projects.Memento_ChatClient>("chat")
    .WithReference(mcpServer)
    .WaitFor(mcpServer)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");

if (openai is not null)
{
    chat.WithReference(openai);
}

builder.Build().Run();
