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
/// is an array of strings; project <c>hooks</c> allow only the azd command hook names. What azd then
/// does with each key is modelled in <see cref="Azd"/>, after azd's source, and checked against the repository.
/// </summary>
public sealed partial class AzureYamlTests
{
    private static readonly string[] AksOptions = ["deploymentPath", "namespace", "deployment", "service", "ingress", "helm", "kustomize"];
    private static readonly string[] KustomizeOptions = ["dir", "edits", "env"];
    private static readonly string[] Hooks = ["postprovision", "predeploy", "postdeploy"];
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
        Assert.All(Azd.StorageProviders(), p => Assert.True(File.Exists(Path.Combine(project, Azd.KustomizeDir(p), "kustomization.yaml")), $"no kustomization for {p} at {Azd.KustomizeDir(p)}"));
        Assert.Equal("memento", Scalar(k8s, "namespace"));
        Assert.Contains(edits.Children, e => ((YamlScalarNode)e).Value == "set image memento-mcpserver=${SERVICE_MCPSERVER_IMAGE_NAME}");
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, Scalar(Map(root, "infra"), "path"), Scalar(Map(root, "infra"), "module") + ".bicep")));
    }

    [Fact]
    public void Azd_applies_nothing_but_the_overlay_and_waits_for_the_rollout()
    {
        // Arrange: after `kubectl apply -k <kustomize.dir>`, azd runs `kubectl apply -f` on every .yaml/.yml
        // under deploymentPath (a Kustomization there fails: "no matches for kind Kustomization"), and
        // waits for deployment.name only when that folder exists.
        var k8s = Map(Map(Map(Load(), "services"), "mcpserver"), "k8s");
        var deploymentPath = Path.GetFullPath(Path.Combine(RepoPaths.Root, Scalar(k8s, "deploymentPath")));

        // Act
        var applied = Azd.PlainManifests(deploymentPath);

        // Assert
        Assert.True(Directory.Exists(deploymentPath), $"{deploymentPath} must exist, or azd skips its rollout wait");
        Assert.Empty(applied);
        foreach (var provider in Azd.StorageProviders())
        {
            var kustomizeDir = Path.GetFullPath(Path.Combine(RepoPaths.Root, Azd.KustomizeDir(provider)));
            Assert.False(kustomizeDir.StartsWith(deploymentPath, StringComparison.Ordinal) || deploymentPath.StartsWith(kustomizeDir, StringComparison.Ordinal),
                "deploymentPath and kustomize.dir must not overlap: azd would apply the overlay's files one by one");
        }
    }

    [Theory]
    [InlineData("Files", true)]
    [InlineData("Postgres", false)]
    public async Task One_azd_value_chooses_the_storage_and_the_overlay_azd_deploys(string provider, bool share)
    {
        // Arrange: `azd env set MEMENTO_STORAGE_PROVIDER <provider>` reaches main.bicep through main.parameters.json;
        // `azd provision` stores main.bicep's outputs, MEMENTO_K8S_OVERLAY among them; `azd deploy` envsubsts kustomize.dir.
        var parameters = File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "main.parameters.json"));
        Assert.Contains(provider, Azd.StorageProviders());

        // Act
        var dir = Azd.KustomizeDir(provider);
        var objects = await Kustomize.RenderAsync(dir["infra/k8s/".Length..]);

        // Assert: the overlay azd renders runs the server on the storage the infrastructure was provisioned with.
        Assert.Contains("\"storageProvider\": { \"value\": \"${MEMENTO_STORAGE_PROVIDER=Files}\" }", parameters, StringComparison.Ordinal);
        Assert.Contains("${MEMENTO_K8S_OVERLAY}", Scalar(Map(Map(Map(Map(Load(), "services"), "mcpserver"), "k8s"), "kustomize"), "dir"), StringComparison.Ordinal);
        var deployment = Assert.Single(objects.OfType<k8s.Models.V1Deployment>());
        var config = objects.OfType<k8s.Models.V1ConfigMap>()
            .Where(c => deployment.Spec.Template.Spec.Containers[0].EnvFrom.Any(e => e.ConfigMapRef?.Name == c.Metadata.Name))
            .SelectMany(c => c.Data).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        Assert.Equal(provider, config.GetValueOrDefault("Memento__Storage__Provider", "Files"));
        Assert.Equal(share, objects.OfType<k8s.Models.V1PersistentVolumeClaim>().Any());
        Assert.Equal(share, deployment.Spec.Template.Spec.Volumes.Any(v => v.PersistentVolumeClaim is not null));
    }

    [Fact]
    public void Every_value_azd_substitutes_comes_from_the_provisioned_infrastructure()
    {
        // Arrange
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "azure.yaml"));
        var environment = Azd.SampleEnvironment(Azd.BicepOutputs());

        // Act
        var references = Azd.References(text).Distinct().ToList();

        // Assert: azd substitutes what its environment holds (main.bicep's outputs, SERVICE_<NAME>_IMAGE_NAME); anything else becomes empty.
        Assert.NotEmpty(references);
        Assert.All(references, r => Assert.True(environment.ContainsKey(r), $"${{{r}}} is neither a main.bicep output nor set by azd"));
    }

    [Theory]
    [InlineData("Files")]
    [InlineData("Postgres")]
    public async Task The_values_azd_writes_to_the_overlays_env_file_reach_the_objects_that_need_them(string provider)
    {
        // Arrange: the .env azd writes from kustomize.env feeds the memento-azure ConfigMap.
        var env = Map(Map(Map(Map(Load(), "services"), "mcpserver"), "k8s"), "kustomize");
        var keys = Keys(Map(env, "env"));
        var sample = Azd.SampleEnvironment(Azd.BicepOutputs(), provider);

        // Act
        var objects = await Kustomize.RenderAsync(Azd.KustomizeDir(provider)["infra/k8s/".Length..]);
        var config = Assert.Single(objects.OfType<k8s.Models.V1ConfigMap>(), c => c.Metadata.Name.StartsWith("memento-azure-", StringComparison.Ordinal));
        var deployment = Assert.Single(objects.OfType<k8s.Models.V1Deployment>());
        var service = Assert.Single(objects.OfType<k8s.Models.V1Service>());
        var account = Assert.Single(objects.OfType<k8s.Models.V1ServiceAccount>());

        // Assert
        Assert.Equal(keys.Order(StringComparer.Ordinal), config.Data.Keys.Order(StringComparer.Ordinal));
        Assert.Contains(deployment.Spec.Template.Spec.Containers[0].EnvFrom, e => e.ConfigMapRef?.Name == config.Metadata.Name);
        Assert.Equal(sample["AZURE_SERVER_DNS_LABEL"], service.Metadata.Annotations["service.beta.kubernetes.io/azure-dns-label-name"]);
        Assert.Equal(sample["AZURE_SERVER_IDENTITY_CLIENT_ID"], account.Metadata.Annotations["azure.workload.identity/client-id"]);
        Assert.Equal(account.Metadata.Name, deployment.Spec.Template.Spec.ServiceAccountName);
        Assert.Equal("true", deployment.Spec.Template.Metadata.Labels["azure.workload.identity/use"]);
    }

    [Theory]
    [InlineData("Files")]
    [InlineData("Postgres")]
    public async Task Names_azd_waits_for_exist_in_the_rendered_overlay(string provider)
    {
        // Arrange
        var k8s = Map(Map(Map(Load(), "services"), "mcpserver"), "k8s");
        var dir = Azd.KustomizeDir(provider);
        Assert.StartsWith("infra/k8s/", dir, StringComparison.Ordinal);

        // Act
        var objects = await Kustomize.RenderAsync(dir["infra/k8s/".Length..]);

        // Assert
        Assert.Contains(objects, o => o is k8s.Models.V1Deployment d && d.Metadata.Name == Scalar(Map(k8s, "deployment"), "name"));
        Assert.Contains(objects, o => o is k8s.Models.V1Service s && s.Metadata.Name == Scalar(Map(k8s, "service"), "name"));
        Assert.Contains(objects, o => o is k8s.Models.V1Deployment d && d.Spec.Template.Spec.Containers[0].Image.Contains(".azurecr.io/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Files")]
    [InlineData("Postgres")]
    public async Task The_image_azd_pushed_is_the_image_the_overlay_deploys(string provider)
    {
        // Arrange: azd pushes the image it built, stores its name as SERVICE_MCPSERVER_IMAGE_NAME, and runs the
        // kustomize.edits in kustomize.dir before `kubectl apply -k`; the edit must rename the image the
        // Deployment's container names, or the pods run the overlay's placeholder.
        var pushed = Azd.SampleEnvironment(Azd.BicepOutputs(), provider)["SERVICE_MCPSERVER_IMAGE_NAME"];

        // Act
        var objects = await Kustomize.RenderAsync(Azd.KustomizeDir(provider)["infra/k8s/".Length..]);

        // Assert
        var container = Assert.Single(Assert.Single(objects.OfType<k8s.Models.V1Deployment>()).Spec.Template.Spec.Containers);
        Assert.Equal(pushed, container.Image);
    }

    [Fact]
    public async Task Hooks_are_valid_executable_scripts()
    {
        foreach (var name in Hooks)
        {
            // Arrange
            var hook = Map(Map(Load(), "hooks"), name);
            var script = Path.Combine(RepoPaths.Root, Scalar(hook, "run"));

            // Act
            var syntax = await ToolRunner.RunAsync("sh", ["-n", script], RepoPaths.Root, TestContext.Current.CancellationToken);

            // Assert
            Assert.Equal("sh", Scalar(hook, "shell"));
            Assert.True(syntax.ExitCode == 0, syntax.Combined);
            Assert.True(OperatingSystem.IsWindows() || (File.GetUnixFileMode(script) & UnixFileMode.UserExecute) != 0, $"{script} is not executable");
        }
    }

    [Fact]
    public void The_postdeploy_hook_fails_azd_when_the_rollout_of_the_deployment_azd_names_does_not_complete()
    {
        // Arrange
        var root = Load();
        var deployment = Scalar(Map(Map(Map(Map(root, "services"), "mcpserver"), "k8s"), "deployment"), "name");
        var script = File.ReadAllText(Path.Combine(RepoPaths.Root, Scalar(Map(Map(root, "hooks"), "postdeploy"), "run")));

        // Assert: set -e and a bounded rollout status whose failure exits non-zero (azd fails a hook that does).
        Assert.Contains("set -eu", script, StringComparison.Ordinal);
        Assert.Matches(@"kubectl -n memento rollout status deployment/" + Regex.Escape(deployment) + @" --timeout=", script);
        Assert.Contains("exit 1", script, StringComparison.Ordinal);
    }

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
