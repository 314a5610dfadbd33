using System.Text.RegularExpressions;
using Memento.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Memento.Tests.Infra;

/// <summary>
/// azure.yaml holds the shape the azd schema requires and points at files that exist. The schema facts
/// are those of https://raw.githubusercontent.com/Azure/azure-dev/main/schemas/v1.0/azure.yaml.json
/// (Azure/azure-dev, schemas/v1.0/azure.yaml.json): root requires <c>name</c> (pattern below, at least
/// two characters); <c>services</c> has at least one entry and each requires <c>host</c>; the
/// <c>k8s</c> block (definition <c>aksOptions</c>) and its <c>deployment</c>, <c>service</c> and
/// <c>kustomize</c> objects allow no other properties than those listed here; <c>kustomize.edits</c>
/// is an array of strings; project <c>hooks</c> allow only the azd command hook names.
/// </summary>
public sealed partial class AzureYamlTests
{
    private static readonly string[] AksOptions = ["deploymentPath", "namespace", "deployment", "service", "ingress", "helm", "kustomize"];
    private static readonly string[] KustomizeOptions = ["dir", "edits", "env"];
    private static readonly string[] HookNames =
    [
        "preprovision", "postprovision", "preinfracreate", "postinfracreate", "preinfradelete", "postinfradelete",
        "predown", "postdown", "preup", "postup", "prepackage", "postpackage", "prepublish", "postpublish",
        "predeploy", "postdeploy", "prerestore", "postrestore",
    ];

    [Fact]
    public void Has_the_shape_the_azd_schema_requires()
    {
        // Act
        var root = Load();

        // Assert
        var name = Scalar(root, "name");
        Assert.Matches(ProjectName(), name);
        Assert.True(name.Length >= 2);
        Assert.Equal("infra", Scalar(Map(root, "infra"), "path"));
        Assert.Matches("^[a-z0-9.]+$", Scalar(Map(root, "infra"), "provider"));
        var services = Map(root, "services");
        Assert.NotEmpty(services.Children);
        Assert.All(services.Children.Values, s => Assert.False(string.IsNullOrEmpty(Scalar((YamlMappingNode)s, "host"))));
        Assert.All(Keys(Map(root, "hooks")), h => Assert.Contains(h, HookNames));
    }

    [Fact]
    public void Server_deploys_to_aks_with_the_kustomize_overlay()
    {
        // Arrange
        var root = Load();

        // Act
        var server = Map(Map(root, "services"), "mcpserver");
        var k8s = Map(server, "k8s");
        var kustomize = Map(k8s, "kustomize");

        // Assert: only properties the schema allows.
        Assert.Equal("aks", Scalar(server, "host"));
        Assert.All(Keys(k8s), k => Assert.Contains(k, AksOptions));
        Assert.All(Keys(kustomize), k => Assert.Contains(k, KustomizeOptions));
        Assert.Equal(["name"], Keys(Map(k8s, "deployment")));
        Assert.Equal(["name"], Keys(Map(k8s, "service")));
        var edits = Assert.IsType<YamlSequenceNode>(kustomize.Children[new YamlScalarNode("edits")]);
        Assert.All(edits.Children, e => Assert.IsType<YamlScalarNode>(e));

        // Assert: and they point at what is in the repository.
        var project = Path.GetFullPath(Path.Combine(RepoPaths.Root, Scalar(server, "project")));
        Assert.True(File.Exists(Path.Combine(project, "Dockerfile")), "the docker service needs a Dockerfile in its project folder");
        Assert.All(StorageOverlays, overlay => Assert.True(File.Exists(Path.Combine(project, ExpandOverlay(Scalar(kustomize, "dir"), overlay), "kustomization.yaml")), overlay));
        Assert.Equal(Scalar(kustomize, "dir"), Scalar(k8s, "deploymentPath"));
        Assert.Equal("memento", Scalar(k8s, "namespace"));
        Assert.Contains(edits.Children, e => ((YamlScalarNode)e).Value == "set image memento-mcpserver=${SERVICE_MCPSERVER_IMAGE_NAME}");
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, Scalar(Map(root, "infra"), "path"), Scalar(Map(root, "infra"), "module") + ".bicep")));
    }

    [Theory]
    [MemberData(nameof(StorageOverlays))]
    public async Task Names_azd_waits_for_exist_in_the_rendered_overlay(string overlay)
    {
        // Arrange
        var k8s = Map(Map(Map(Load(), "services"), "mcpserver"), "k8s");
        var dir = ExpandOverlay(Scalar(Map(k8s, "kustomize"), "dir"), overlay);
        Assert.StartsWith("infra/k8s/", dir, StringComparison.Ordinal);

        // Act
        var objects = await Kustomize.RenderAsync(dir["infra/k8s/".Length..]);

        // Assert
        Assert.Contains(objects, o => o is k8s.Models.V1Deployment d && d.Metadata.Name == Scalar(Map(k8s, "deployment"), "name"));
        Assert.Contains(objects, o => o is k8s.Models.V1Service s && s.Metadata.Name == Scalar(Map(k8s, "service"), "name"));
        Assert.Contains(objects, o => o is k8s.Models.V1Deployment d && d.Spec.Template.Spec.Containers[0].Image.Contains(".azurecr.io/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Postprovision_hook_is_a_valid_executable_script()
    {
        // Arrange
        var hook = Map(Map(Load(), "hooks"), "postprovision");
        var script = Path.Combine(RepoPaths.Root, Scalar(hook, "run"));

        // Act
        var syntax = await ToolRunner.RunAsync("sh", ["-n", script], RepoPaths.Root, TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal("sh", Scalar(hook, "shell"));
        Assert.True(syntax.ExitCode == 0, syntax.Combined);
        Assert.True(OperatingSystem.IsWindows() || (File.GetUnixFileMode(script) & UnixFileMode.UserExecute) != 0, $"{script} is not executable");
    }

    /// <summary>
    /// The overlays the kustomize dir's <c>${MEMENTO_K8S_OVERLAY=aks}</c> names: a Bicep output, <c>aks</c> for the
    /// file provider and <c>aks-postgres</c> for the PostgreSQL one (azd expands the variable in <c>dir</c>).
    /// </summary>
    public static TheoryData<string> StorageOverlays => ["aks", "aks-postgres"];

    private static string ExpandOverlay(string dir, string overlay) =>
        OverlayVariable().Replace(dir, overlay);

    [GeneratedRegex(@"\$\{MEMENTO_K8S_OVERLAY(=[^}]*)?\}")]
    private static partial Regex OverlayVariable();

    private static YamlMappingNode Load()
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(Path.Combine(RepoPaths.Root, "azure.yaml")));
        stream.Load(reader);
        return Assert.IsType<YamlMappingNode>(Assert.Single(stream.Documents).RootNode);
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) =>
        Assert.IsType<YamlMappingNode>(node.Children[new YamlScalarNode(key)]);

    private static string Scalar(YamlMappingNode node, string key) =>
        Assert.IsType<YamlScalarNode>(node.Children[new YamlScalarNode(key)]).Value ?? "";

    private static List<string> Keys(YamlMappingNode node) =>
        [.. node.Children.Keys.Select(k => ((YamlScalarNode)k).Value ?? "")];

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex ProjectName();
}
