using System.Net;
using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using Memento.Tests.Infrastructure;
using ModelContextProtocol.Client;

namespace Memento.Tests.Infra;

/// <summary>
/// The configuration the Kubernetes manifests give the server is configuration the real server
/// accepts: the server process starts with the rendered ConfigMap (plus an API key the way the
/// memento-auth Secret supplies it), its probe paths answer, and an MCP client with that key completes the protocol handshake.
/// Only the pod's fixed port and its mount paths are mapped onto this machine.
/// </summary>
public sealed class ManifestConfigurationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Server_starts_with_the_rendered_configuration_and_an_API_key_client_completes_the_MCP_handshake()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var objects = await Kustomize.RenderAsync("overlays/aks");
        var container = Assert.Single(Assert.Single(objects.OfType<V1Deployment>()).Spec.Template.Spec.Containers);
        var configMapName = Assert.Single(container.EnvFrom, e => e.ConfigMapRef is not null).ConfigMapRef.Name;
        var config = Assert.Single(objects.OfType<V1ConfigMap>(), c => c.Metadata.Name == configMapName).Data;
        using var pod = new TempDirectory("memento-k8s-pod");
        var environment = PodEnvironment(container, config, pod.Path);
        const string key = "mk_infrastructure-check";
        environment["Memento__Auth__ApiKeys__0__User"] = "infra-check";
        environment["Memento__Auth__ApiKeys__0__Hash"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

        // Act
        await using var server = await ServiceProcess.StartAsync("Memento.McpServer", environment);
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = Timeout };
        var ready = await http.GetAsync(container.ReadinessProbe.HttpGet.Path, ct);
        var alive = await http.GetAsync(container.LivenessProbe.HttpGet.Path, ct);
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(server.BaseAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
        });
        await using var client = await McpClient.CreateAsync(transport, cancellationToken: ct).WaitAsync(Timeout, ct);

        // Assert
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.False(string.IsNullOrEmpty(client.ServerInfo?.Name));
        Assert.False(server.HasExited, server.Tail());
    }

    /// <summary>
    /// The container's environment (ConfigMap plus literal env) with every path under a volume mount
    /// moved into a per-test folder, and the fixed port replaced by the loopback port ServiceProcess picks.
    /// </summary>
    private static Dictionary<string, string?> PodEnvironment(V1Container container, IDictionary<string, string> config, string podRoot)
    {
        var mounts = container.VolumeMounts.OrderByDescending(m => m.MountPath.Length).ToList();
        string Local(string podPath)
        {
            var mount = mounts.First(m => podPath == m.MountPath || podPath.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
            var local = Path.Combine(podRoot, mount.Name) + podPath[mount.MountPath.Length..];
            Directory.CreateDirectory(Path.Combine(podRoot, mount.Name));
            return local;
        }

        var environment = config.ToDictionary(kv => kv.Key, kv => (string?)kv.Value);
        foreach (var variable in container.Env ?? [])
        {
            environment[variable.Name] = variable.Value;
        }

        foreach (var name in environment.Keys.ToList())
        {
            if (environment[name] is { } value && mounts.Any(m => value == m.MountPath || value.StartsWith(m.MountPath + "/", StringComparison.Ordinal)))
            {
                environment[name] = Local(value);
            }
        }

        Assert.Equal("8000", environment["ASPNETCORE_HTTP_PORTS"]);
        environment.Remove("ASPNETCORE_HTTP_PORTS");
        return environment;
    }
}
