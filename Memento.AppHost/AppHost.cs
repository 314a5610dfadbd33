using Memento.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// Resources

IResourceBuilder<IResourceWithConnectionString>? openai = null;
if (builder.ExecutionContext.IsRunMode)
{
    // Locally Azure OpenAI is optional: without a connection string the chat client uses its
    // offline engine, so a fresh clone runs with no Azure account at all.
    if (builder.Configuration.GetConnectionString("openai") is { Length: > 0 })
    {
        openai = builder.AddConnectionString("openai");
    }
}
else
{
    // Publishing targets AKS: `aspire deploy` provisions the cluster and its registry and installs
    // every service as a Helm chart, with Azure OpenAI (gpt-4o-mini) for the chat client.
    builder.AddAzureKubernetesEnvironment("aks");
    var azureOpenAI = builder.AddAzureOpenAI("openai");
    azureOpenAI.AddDeployment("gpt-4o-mini", "gpt-4o-mini", "2024-07-18");
    openai = azureOpenAI;
}

// Services

var mcpServer = builder.AddProject<Projects.Memento_McpServer>("mcpserver")
    .WithReplicas(2)
    .WithHttpHealthCheck("/health");

if (builder.ExecutionContext.IsRunMode)
{
    // One folder on the developer's disk plays the part Azure Files plays in AKS: every replica
    // reads and writes the same tree, so replicas must see each other's writes.
    var storageRoot = builder.Configuration["Memento:Storage:Root"]
        ?? Path.Combine(builder.AppHostDirectory, "..", ".memento-data");
    mcpServer.WithEnvironment("Memento__Storage__Root", Path.GetFullPath(storageRoot));
}
else
{
    // In AKS the endpoint is public, so API keys are mandatory; the first key's user and hash are
    // deployment parameters that Aspire stores in a Kubernetes Secret.
    mcpServer
        .WithEnvironment("Memento__Storage__Root", AksPublishing.StorageRoot)
        .WithEnvironment("Memento__Search__IndexPath", AksPublishing.IndexPath)
        .WithEnvironment("Memento__Auth__Mode", "ApiKey")
        .WithEnvironment("Memento__Auth__ApiKeys__0__User", builder.AddParameter("api-key-user"))
        .WithEnvironment("Memento__Auth__ApiKeys__0__Hash", builder.AddParameter("api-key-hash", secret: true))
        .PublishAsKubernetesService(server => AksPublishing.ConfigureServer(
            server,
            builder.Configuration["Memento:Deploy:AllowedSourceRange"] ?? AksPublishing.NobodyRange));
}

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
