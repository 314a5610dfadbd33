using System.Text.RegularExpressions;
using Memento.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Memento.Tests.Infra;

/// <summary>
/// What azd's AKS service target does with azure.yaml's <c>k8s</c> keys on <c>azd deploy</c>, as its source
/// says (Azure/azure-dev, cli/azd/pkg/project/service_target_aks.go and cli/azd/pkg/tools/kubectl):
/// <list type="number">
/// <item><c>kustomize.env</c>: each value is envsubst'ed against the azd environment and written as
/// <c>KEY=value</c> lines to <c>&lt;kustomize.dir&gt;/.env</c> (removed after the deploy).</item>
/// <item><c>kustomize.edits</c>: each is split on spaces and run as <c>kustomize edit …</c> in that folder.</item>
/// <item><c>kubectl apply -k &lt;kustomize.dir&gt;</c>.</item>
/// <item><c>deploymentPath</c> (default <c>manifests</c>): skipped when the folder does not exist; otherwise
/// every <c>.yaml</c>/<c>.yml</c> file under it, recursively in name order, goes to <c>kubectl apply -f</c>
/// (<c>*.tmpl.yaml</c> through Go templates first), then azd waits up to 10 minutes for the Deployment whose
/// name contains <c>deployment.name</c> to have all replicas available, then runs
/// <c>kubectl rollout status deployment/&lt;name&gt;</c>.</item>
/// <item><c>service.name</c>: the Service whose load balancer IP azd reports, always as <c>http://&lt;ip&gt;</c>.</item>
/// </list>
/// </summary>
internal static partial class Azd
{
    /// <summary>The azd environment after <c>azd provision</c>: main.bicep's outputs, plus what azd sets itself.</summary>
    public static IReadOnlyDictionary<string, string> SampleEnvironment(IEnumerable<string> bicepOutputs)
    {
        var values = bicepOutputs.ToDictionary(o => o, o => $"sample-{o.ToLowerInvariant().Replace('_', '-')}", StringComparer.Ordinal);
        values["AZURE_SERVER_IDENTITY_CLIENT_ID"] = "00000000-0000-0000-0000-000000000001";
        values["AZURE_OPENAI_ENDPOINT"] = "https://oai-sample.openai.azure.com/";
        values["AZURE_SERVER_DNS_LABEL"] = "memento-sample";
        values["SERVICE_MCPSERVER_IMAGE_NAME"] = "crsample.azurecr.io/memento/mcpserver-dev:azd-deploy-1";
        values["AZURE_ENV_NAME"] = "sample";
        return values;
    }

    /// <summary>The names main.bicep outputs (azd stores them in the environment).</summary>
    public static List<string> BicepOutputs() =>
        [.. OutputLine().Matches(File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "main.bicep"))).Select(m => m.Groups["name"].Value)];

    /// <summary>azd's envsubst of <c>${NAME}</c>; a name the environment does not hold fails the check (azd would substitute nothing).</summary>
    public static string Envsubst(string text, IReadOnlyDictionary<string, string> environment) =>
        Reference().Replace(text, m => environment.TryGetValue(m.Groups["name"].Value, out var value)
            ? value
            : throw new Xunit.Sdk.XunitException($"azure.yaml refers to ${{{m.Groups["name"].Value}}}, which neither main.bicep outputs nor azd sets."));

    public static IEnumerable<string> References(string text) => Reference().Matches(text).Select(m => m.Groups["name"].Value);

    /// <summary>
    /// A copy of infra/k8s with the kustomize folder prepared as azd prepares it (the <c>.env</c> file from
    /// <c>kustomize.env</c>); returns the copy of <c>kustomize.dir</c>.
    /// </summary>
    public static string PrepareKustomizeDir(string copyRoot)
    {
        var server = Server();
        var k8s = Map(server, "k8s");
        var kustomize = Map(k8s, "kustomize");
        var dir = Scalar(kustomize, "dir");
        var environment = SampleEnvironment(BicepOutputs());
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "infra", "k8s"), "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copyRoot, "infra", "k8s", Path.GetRelativePath(Path.Combine(RepoPaths.Root, "infra", "k8s"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var prepared = Path.Combine(copyRoot, dir);
        if (kustomize.Children.TryGetValue(new YamlScalarNode("env"), out var env))
        {
            var lines = ((YamlMappingNode)env).Children.Select(kv => $"{((YamlScalarNode)kv.Key).Value}={Envsubst(((YamlScalarNode)kv.Value).Value ?? "", environment)}\n");
            File.WriteAllText(Path.Combine(prepared, ".env"), string.Concat(lines));
        }

        return prepared;
    }

    /// <summary>The files azd gives <c>kubectl apply -f</c> from <paramref name="deploymentPath"/>, in its order; empty when the folder does not exist.</summary>
    public static List<string> PlainManifests(string deploymentPath)
    {
        var result = new List<string>();
        if (!Directory.Exists(deploymentPath))
        {
            return result;
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(deploymentPath).Order(StringComparer.Ordinal))
        {
            if (Directory.Exists(entry))
            {
                result.AddRange(PlainManifests(entry));
            }
            else if (Path.GetExtension(entry) is ".yaml" or ".yml")
            {
                result.Add(entry);
            }
        }

        return result;
    }

    public static YamlMappingNode Load()
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(Path.Combine(RepoPaths.Root, "azure.yaml")));
        stream.Load(reader);
        return Assert.IsType<YamlMappingNode>(Assert.Single(stream.Documents).RootNode);
    }

    public static YamlMappingNode Server() => Map(Map(Load(), "services"), "mcpserver");

    public static YamlMappingNode Map(YamlMappingNode node, string key) =>
        Assert.IsType<YamlMappingNode>(node.Children[new YamlScalarNode(key)]);

    public static string Scalar(YamlMappingNode node, string key) =>
        Assert.IsType<YamlScalarNode>(node.Children[new YamlScalarNode(key)]).Value ?? "";

    [GeneratedRegex(@"^output (?<name>[A-Z0-9_]+) ", RegexOptions.Multiline)]
    private static partial Regex OutputLine();

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Reference();
}
