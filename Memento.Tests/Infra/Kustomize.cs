using System.Collections.Concurrent;
using k8s;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.Infra;

/// <summary>Renders the kustomizations under infra/k8s with <c>kubectl kustomize</c> and loads them strictly.</summary>
public static class Kustomize
{
    // Rendering is a pure function of the files, so each kustomization renders once per run; every
    // caller still gets its own freshly loaded objects.
    private static readonly ConcurrentDictionary<string, Lazy<Task<ToolResult>>> Rendered = new();

    /// <summary>The objects <paramref name="kustomization"/> (relative to infra/k8s) renders to, loaded in strict mode.</summary>
    public static async Task<List<object>> RenderAsync(string kustomization)
    {
        var kubectl = ToolRunner.FindOnPath("kubectl");
        if (kubectl is null)
        {
            Assert.Skip("kubectl is not installed; it renders the kustomizations (https://kubernetes.io/docs/tasks/tools/).");
        }

        var result = await Rendered.GetOrAdd(kustomization, _ => new Lazy<Task<ToolResult>>(
            () => ToolRunner.RunAsync(kubectl, ["kustomize", Prepare(kustomization)], RepoPaths.Root, CancellationToken.None)))
            .Value.WaitAsync(TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, $"kubectl kustomize {kustomization} failed:\n{result.StandardError}");
        return KubernetesYaml.LoadAllFromString(result.StandardOutput, strict: true);
    }

    /// <summary>
    /// The folder to render: the kustomization itself, or, for the one azd deploys (azure.yaml's
    /// <c>kustomize.dir</c>), a copy prepared the way azd prepares it (<see cref="Azd.PrepareKustomizeDir"/>).
    /// </summary>
    private static string Prepare(string kustomization)
    {
        var dir = Path.Combine(RepoPaths.Root, "infra", "k8s", kustomization);
        var azdDir = Azd.Scalar(Azd.Map(Azd.Map(Azd.Server(), "k8s"), "kustomize"), "dir");
        if (Path.GetFullPath(Path.Combine(RepoPaths.Root, azdDir)) != Path.GetFullPath(dir))
        {
            return dir;
        }

        // Kept for the test run: rendering is cached, and the copy is small.
        var copy = Path.Combine(Path.GetTempPath(), $"memento-azd-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Copies.Add(copy);
        return Azd.PrepareKustomizeDir(copy);
    }

    private static readonly ConcurrentBag<string> Copies = [];

    static Kustomize() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var copy in Copies)
        {
            try
            {
                Directory.Delete(copy, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    };
}
