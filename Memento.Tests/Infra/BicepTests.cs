using System.Text.Json;
using System.Text.RegularExpressions;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.Infra;

/// <summary>
/// infra/ compiles and lints with the Bicep CLI, warnings counted as failures, and provisions what the
/// deployment needs. Two CLI calls cover every .bicep file (modules are compiled with main.bicep).
/// </summary>
public sealed partial class BicepTests(BicepTests.BuildFixture infra) : IClassFixture<BicepTests.BuildFixture>
{
    private static string InfraDir => Path.Combine(RepoPaths.Root, "infra");

    /// <summary>One <c>bicep build</c> of infra/ shared by the checks that read its output.</summary>
    public sealed class BuildFixture : IAsyncLifetime
    {
        private readonly TempDirectory _output = new("memento-bicep");

        public ToolResult Build { get; private set; } = null!;

        public string MainJson => Path.Combine(_output.Path, "main.json");

        public async ValueTask InitializeAsync() =>
            Build = await BuildAsync(InfraDir, _output.Path, TestContext.Current.CancellationToken);

        public ValueTask DisposeAsync()
        {
            _output.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public async Task Every_bicep_file_builds_and_lints_without_warnings()
    {
        // Act
        var lint = await ToolRunner.RunAsync(
            ToolRunner.BicepPath(), ["lint", "--pattern", "**/*.bicep"], InfraDir, TestContext.Current.CancellationToken);

        // Assert
        Assert.True(infra.Build.ExitCode == 0 && Diagnostics(infra.Build).Count == 0, "bicep build reported:\n" + infra.Build.Combined);
        Assert.True(lint.ExitCode == 0 && Diagnostics(lint).Count == 0, "bicep lint reported:\n" + lint.Combined);
        Assert.True(File.Exists(infra.MainJson), "bicep build wrote no main.json");
    }

    [Fact]
    public async Task A_warning_in_a_module_is_caught()
    {
        // Arrange: a copy of infra/ with an unused parameter, which the linter reports.
        var ct = TestContext.Current.CancellationToken;
        using var copy = new TempDirectory("memento-bicep-broken");
        CopyDirectory(InfraDir, copy.Path);
        File.AppendAllText(Path.Combine(copy.Path, "modules", "registry.bicep"), "\nparam neverUsed string = 'x'\n");
        using var output = new TempDirectory("memento-bicep-out");

        // Act
        var build = await BuildAsync(copy.Path, output.Path, ct);

        // Assert
        Assert.Contains(Diagnostics(build), d => d.Contains("no-unused-params", StringComparison.Ordinal));
    }

    [Fact]
    public void Template_provisions_the_deployment_and_outputs_what_azd_uses()
    {
        // Arrange
        Assert.Equal(0, infra.Build.ExitCode);
        using var template = JsonDocument.Parse(File.ReadAllText(infra.MainJson));
        var json = template.RootElement.GetRawText();

        // Act
        var outputs = template.RootElement.GetProperty("outputs").EnumerateObject().Select(o => o.Name).ToHashSet();
        var types = ResourceTypes().Matches(json).Select(m => m.Groups["type"].Value).ToHashSet(StringComparer.OrdinalIgnoreCase);

        // Assert: azd's AKS host reads the cluster and registry from these outputs.
        Assert.Superset(
            new HashSet<string>
            {
                "AZURE_AKS_CLUSTER_NAME", "AZURE_CONTAINER_REGISTRY_ENDPOINT", "AZURE_RESOURCE_GROUP", "AZURE_OPENAI_ENDPOINT",
                "AZURE_OPENAI_DEPLOYMENT", "AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_SHARE_NAME", "APPLICATIONINSIGHTS_CONNECTION_STRING",
                "AZURE_OPENAI_EMBEDDING_DEPLOYMENT", "AZURE_SERVER_IDENTITY_CLIENT_ID", "AZURE_SERVER_DNS_LABEL", "AZURE_SERVER_HOST",
            },
            outputs);
        Assert.Superset(
            new HashSet<string>(StringComparer.OrdinalIgnoreCase)
            {
                "Microsoft.ContainerService/managedClusters", "Microsoft.ContainerRegistry/registries",
                "Microsoft.Storage/storageAccounts/fileServices/shares", "Microsoft.CognitiveServices/accounts",
                "Microsoft.CognitiveServices/accounts/deployments", "Microsoft.OperationalInsights/workspaces",
                "Microsoft.Insights/components", "Microsoft.Authorization/roleAssignments",
                "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
                "Microsoft.Insights/dataCollectionRules", "Microsoft.Insights/dataCollectionRuleAssociations",
            },
            types);
        Assert.Matches("\"kind\":\\s*\"OpenAI\"", json);
        Assert.Contains("7f951dda-4ed3-4680-a7ca-43fe172d538d", json, StringComparison.Ordinal); // AcrPull for the kubelet identity
        Assert.Contains("kubeletidentity", json, StringComparison.Ordinal);
        Assert.Contains("SystemAssigned", json, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_models_are_parameters_still_open_to_new_deployments()
    {
        // Arrange: Azure closes a generally available model version to new customers 12 months after its
        // release (the version is the release date) and retires it six months later ("Azure OpenAI model
        // deprecations and retirements"). gpt-4o-mini 2024-07-18, the earlier default, closed on 2025-07-18.
        Assert.Equal(0, infra.Build.ExitCode);
        using var template = JsonDocument.Parse(File.ReadAllText(infra.MainJson));
        var parameters = template.RootElement.GetProperty("parameters");
        string Default(string name) => parameters.GetProperty(name).GetProperty("defaultValue").GetString()!;

        // Act
        var chatModel = Default("chatModelName");
        var chatVersion = DateOnly.ParseExact(Default("chatModelVersion"), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var closesToNewCustomers = chatVersion.AddMonths(12);

        // Assert
        Assert.NotEqual("gpt-4o-mini", chatModel);
        Assert.True(closesToNewCustomers > DateOnly.FromDateTime(DateTime.UtcNow),
            $"{chatModel} {chatVersion:yyyy-MM-dd} is closed to new deployments since {closesToNewCustomers:yyyy-MM-dd}: pick a current default (docs/deploy.md, 'Choosing the models').");
        Assert.Equal("text-embedding-3-small", Default("embeddingModelName"));
        Assert.Equal("1", Default("embeddingModelVersion"));
    }

    [Fact]
    public void Nothing_authenticates_with_a_key_where_an_identity_can()
    {
        // Arrange
        Assert.Equal(0, infra.Build.ExitCode);
        var json = File.ReadAllText(infra.MainJson);

        // Assert: Azure OpenAI accepts Entra ID tokens only; the pods' identity is federated with their
        // service account; container insights authenticates with its managed identity through a rule.
        Assert.Matches("\"disableLocalAuth\":\\s*true", json);
        Assert.Matches("\"useAADAuth\":\\s*\"true\"", json);
        Assert.Contains("format('system:serviceaccount:{0}:{1}', parameters('serviceAccountNamespace'), parameters('serviceAccountName'))", json, StringComparison.Ordinal);
        Assert.Matches("\"serviceAccountNamespace\":\\s*\\{\\s*\"value\":\\s*\"memento\"", json);
        Assert.Matches("\"serviceAccountName\":\\s*\\{\\s*\"value\":\\s*\"memento-mcpserver\"", json);
        Assert.Contains("Microsoft-ContainerInsights-Group-Default", json, StringComparison.Ordinal);
        Assert.DoesNotContain("listKeys", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Azd_finds_the_cluster_it_deploys_to_by_the_service_tag()
    {
        // Arrange: for a service without resourceName, azd lists the resource group's resources tagged
        // azd-service-name: <service key> and deploys to the one whose type is a host (App Service, Container
        // Apps and their jobs, AKS, Static Web Apps, ML endpoints); none or several fails the deploy
        // (Azure/azure-dev, cli/azd/pkg/project/resource_manager.go, GetServiceResource).
        Assert.Equal(0, infra.Build.ExitCode);
        using var template = JsonDocument.Parse(File.ReadAllText(infra.MainJson));
        var services = Azd.Map(Azd.Load(), "services");
        var service = Assert.Single(services.Children).Key.ToString();
        Assert.False(Azd.Map(services, service).Children.ContainsKey(new YamlDotNet.RepresentationModel.YamlScalarNode("resourceName")));

        // Act
        var tagged = Resources(template.RootElement)
            .Where(r => HostTypes.Contains(r.GetProperty("type").GetString()!) && r.TryGetProperty("tags", out var tags) && Tags(tags, service))
            .Select(r => r.GetProperty("type").GetString())
            .ToList();

        // Assert
        Assert.Equal(["Microsoft.ContainerService/managedClusters"], tagged);
        Assert.Equal("aks", Azd.Scalar(Azd.Map(services, service), "host"));
    }

    private static readonly HashSet<string> HostTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "Microsoft.Web/sites", "Microsoft.App/containerApps", "Microsoft.App/jobs", "Microsoft.ContainerService/managedClusters",
        "Microsoft.Web/staticSites", "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
    };

    /// <summary>Every resource of the compiled template, nested module deployments included.</summary>
    private static IEnumerable<JsonElement> Resources(JsonElement node)
    {
        if (node.ValueKind == JsonValueKind.Object)
        {
            if (node.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString()!.StartsWith("Microsoft.", StringComparison.Ordinal))
            {
                yield return node;
            }

            foreach (var child in node.EnumerateObject().SelectMany(p => Resources(p.Value)))
            {
                yield return child;
            }
        }
        else if (node.ValueKind == JsonValueKind.Array)
        {
            foreach (var child in node.EnumerateArray().SelectMany(Resources))
            {
                yield return child;
            }
        }
    }

    // Tags as a literal object, or as the expression Bicep compiles union(tags, { 'azd-service-name': ... }) to.
    private static bool Tags(JsonElement tags, string service) =>
        tags.ValueKind == JsonValueKind.Object
            ? tags.TryGetProperty("azd-service-name", out var value) && value.GetString() == service
            : tags.GetString()!.Contains($"'azd-service-name', '{service}'", StringComparison.Ordinal);

    private static async Task<ToolResult> BuildAsync(string infraDir, string outDir, CancellationToken ct) =>
        await ToolRunner.RunAsync(ToolRunner.BicepPath(), ["build", "--pattern", "**/*.bicep", "--outdir", outDir], infraDir, ct);

    /// <summary>Every warning or error line the CLI printed (its default diagnostics format).</summary>
    private static List<string> Diagnostics(ToolResult result) =>
        [.. result.Combined.Split('\n').Where(l => DiagnosticLine().IsMatch(l))];

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [GeneratedRegex(@"\) : (Warning|Error) ")]
    private static partial Regex DiagnosticLine();

    [GeneratedRegex("\"type\":\\s*\"(?<type>Microsoft\\.[^\"]+)\"")]
    private static partial Regex ResourceTypes();
}
