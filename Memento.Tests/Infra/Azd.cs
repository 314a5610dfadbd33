using System.Text.RegularExpressions;
using Memento.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Memento.Tests.Infra;

/// <summary>
/// What azd's AKS service target does with azure.yaml's <c>k8s</c> keys on <c>azd deploy</c>, as its source
/// says (Azure/azure-dev, cli/azd/pkg/project/service_target_aks.go and cli/azd/pkg/tools/kubectl):
/// <list type="number">
/// <item><c>kustomize.dir</c>: envsubst'ed against the azd environment (<c>Kustomize.Directory.Envsubst</c>;
/// cli/azd/pkg/kustomize/config.go declares <c>dir</c>, <c>edits</c> and <c>env</c> all as expandable strings).</item>
/// <item><c>kustomize.env</c>: each value is envsubst'ed against the azd environment and written as
/// <c>KEY=value</c> lines to <c>&lt;kustomize.dir&gt;/.env</c> (removed after the deploy).</item>
/// <item><c>kustomize.edits</c>: each is envsubst'ed, split on spaces and run as <c>kustomize edit …</c> in that folder
/// (modelled for <c>set image</c>, the one edit used; see <see cref="KustomizeEdit"/>).</item>
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
    /// <summary>The storage providers main.bicep allows (<c>param storageProvider</c>; azd: <c>MEMENTO_STORAGE_PROVIDER</c>).</summary>
    public static List<string> StorageProviders()
    {
        var allowed = AllowedProviders().Match(File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "main.bicep")));
        Assert.True(allowed.Success, "main.bicep declares no @allowed([...]) param storageProvider");
        return [.. allowed.Groups["values"].Value.Split(',').Select(v => v.Trim().Trim('\''))];
    }

    /// <summary>What main.bicep outputs as <c>MEMENTO_K8S_OVERLAY</c> for <paramref name="provider"/> (its <c>usePostgres ? a : b</c>).</summary>
    public static string OverlayFor(string provider)
    {
        var output = OverlayOutput().Match(File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "main.bicep")));
        Assert.True(output.Success, "main.bicep has no output MEMENTO_K8S_OVERLAY string = usePostgres ? '...' : '...'");
        return provider == "Postgres" ? output.Groups["postgres"].Value : output.Groups["files"].Value;
    }

    /// <summary>
    /// The azd environment after <c>azd env set MEMENTO_STORAGE_PROVIDER &lt;provider&gt;</c> and <c>azd provision</c>:
    /// main.bicep's outputs (the provider and its overlay as main.bicep computes them), plus what azd sets itself.
    /// </summary>
    public static IReadOnlyDictionary<string, string> SampleEnvironment(IEnumerable<string> bicepOutputs, string provider = "Files")
    {
        var values = bicepOutputs.ToDictionary(o => o, o => $"sample-{o.ToLowerInvariant().Replace('_', '-')}", StringComparer.Ordinal);
        values["MEMENTO_STORAGE_PROVIDER"] = provider;
        values["MEMENTO_K8S_OVERLAY"] = OverlayFor(provider);
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

    /// <summary>The folder azd deploys (<c>kustomize.dir</c> after envsubst) for <paramref name="provider"/>, relative to the repository.</summary>
    public static string KustomizeDir(string provider = "Files") =>
        Envsubst(Scalar(Map(Map(Server(), "k8s"), "kustomize"), "dir"), SampleEnvironment(BicepOutputs(), provider));

    /// <summary>
    /// A copy of infra/k8s with the kustomize folder prepared as azd prepares it for <paramref name="provider"/> (the
    /// <c>.env</c> file from <c>kustomize.env</c>, in the folder <c>kustomize.dir</c> names); returns that copy of it.
    /// </summary>
    public static string PrepareKustomizeDir(string copyRoot, string provider = "Files")
    {
        var kustomize = Map(Map(Server(), "k8s"), "kustomize");
        var dir = KustomizeDir(provider);
        var environment = SampleEnvironment(BicepOutputs(), provider);
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

        if (kustomize.Children.TryGetValue(new YamlScalarNode("edits"), out var edits))
        {
            foreach (var edit in ((YamlSequenceNode)edits).Children.Select(e => Envsubst(((YamlScalarNode)e).Value ?? "", environment)))
            {
                KustomizeEdit(prepared, edit.Split(' '));
            }
        }

        return prepared;
    }

    /// <summary>
    /// What <c>kustomize edit &lt;args&gt;</c> does to the kustomization in <paramref name="dir"/>, for the one edit azure.yaml
    /// uses, <c>set image &lt;name&gt;=&lt;newName&gt;[:&lt;tag&gt;|@&lt;digest&gt;]</c> (kubernetes-sigs/kustomize,
    /// kustomize/commands/edit/set/setimage.go): the <c>images</c> entry of that name is replaced by one with the new
    /// name and tag or digest, or added. Any other edit fails the check, since these checks could not tell what it does.
    /// </summary>
    private static void KustomizeEdit(string dir, string[] args)
    {
        if (args is not ["set", "image", var image] || image.Split('=') is not [{ Length: > 0 } name, { Length: > 0 } target])
        {
            throw new Xunit.Sdk.XunitException($"azure.yaml runs `kustomize edit {string.Join(' ', args)}`, which the infrastructure checks do not model (only `set image <name>=<newName>[:<tag>]`).");
        }

        var entry = new YamlMappingNode { { "name", name } };
        if (target.Split('@') is [var digestName, var digest])
        {
            entry.Add("newName", digestName);
            entry.Add("digest", digest);
        }
        else if (ImageTag().Match(target) is { Success: true } tagged)
        {
            entry.Add("newName", tagged.Groups["name"].Value);
            entry.Add("newTag", tagged.Groups["tag"].Value);
        }
        else
        {
            entry.Add("newName", target);
        }

        var file = Path.Combine(dir, "kustomization.yaml");
        var stream = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(file)))
        {
            stream.Load(reader);
        }

        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var images = root.Children.TryGetValue(new YamlScalarNode("images"), out var existing) ? (YamlSequenceNode)existing : new YamlSequenceNode();
        var kept = images.Children.Where(i => ((YamlScalarNode)((YamlMappingNode)i).Children[new YamlScalarNode("name")]).Value != name).ToList();
        root.Children[new YamlScalarNode("images")] = new YamlSequenceNode(kept.Append(entry));
        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        File.WriteAllText(file, writer.ToString());
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

    [GeneratedRegex(@"@allowed\(\[(?<values>[^\]]+)\]\)\s*(?:@[^\n]*\n\s*)*param storageProvider ")]
    private static partial Regex AllowedProviders();

    [GeneratedRegex(@"^output MEMENTO_K8S_OVERLAY string = usePostgres \? '(?<postgres>[^']+)' : '(?<files>[^']+)'", RegexOptions.Multiline)]
    private static partial Regex OverlayOutput();

    [GeneratedRegex(@"^output (?<name>[A-Z0-9_]+) ", RegexOptions.Multiline)]
    private static partial Regex OutputLine();

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Reference();

    // kustomize's own pattern for <newName>:<tag> (setimage.go).
    [GeneratedRegex("^(?<name>.*):(?<tag>[a-zA-Z0-9._-]*)$")]
    private static partial Regex ImageTag();
}
