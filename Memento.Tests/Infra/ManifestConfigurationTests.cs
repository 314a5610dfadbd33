using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using k8s.Models;
using Memento.Tests.App.Scenarios;
using Memento.Tests.Chat;
using Memento.Tests.Infrastructure;
using ModelContextProtocol.Client;

namespace Memento.Tests.Infra;

/// <summary>
/// The configuration the Kubernetes manifests give the server is configuration the real server
/// accepts: the server process starts with the rendered ConfigMap, an API key the way the memento-auth
/// Secret supplies it, and a certificate where the memento-tls Secret is mounted; it serves HTTPS from
/// that certificate, its probe paths answer over HTTPS, an MCP client with that key completes the
/// protocol handshake, and the chat client trusting the certificate's CA connects to it.
/// Only the pod's fixed port and its mount paths are mapped onto this machine.
/// </summary>
public sealed partial class ManifestConfigurationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const string Key = "mk_infrastructure-check";

    [Fact]
    public async Task Server_serves_https_from_the_mounted_certificate_and_an_API_key_client_completes_the_MCP_handshake()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        using var pod = new TempDirectory("memento-k8s-pod");
        var (container, environment, caFile) = await PodAsync(pod.Path);

        // Act
        await using var server = await ServiceProcess.StartAsync("Memento.McpServer", environment);
        using var http = new HttpClient(TrustOnly(caFile)) { BaseAddress = server.BaseAddress, Timeout = Timeout };
        var ready = await http.GetAsync(container.ReadinessProbe.HttpGet.Path, ct);
        var alive = await http.GetAsync(container.LivenessProbe.HttpGet.Path, ct);
        using var untrusting = new HttpClient { BaseAddress = server.BaseAddress, Timeout = Timeout };
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync("/health", ct));
        await using var client = await MementoMcp.CreateClientAsync(
            () => new HttpClientTransport(
                new HttpClientTransportOptions
                {
                    Endpoint = new Uri(server.BaseAddress, "/mcp"),
                    TransportMode = HttpTransportMode.StreamableHttp,
                    AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {Key}" },
                },
                new HttpClient(TrustOnly(caFile)) { Timeout = Timeout },
                ownsHttpClient: true),
            Timeout,
            ct);

        // Assert
        Assert.Equal("https", server.BaseAddress.Scheme);
        Assert.Equal("HTTPS", container.ReadinessProbe.HttpGet.Scheme);
        Assert.Equal("HTTPS", container.LivenessProbe.HttpGet.Scheme);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.IsType<System.Security.Authentication.AuthenticationException>(refused.InnerException);
        Assert.False(string.IsNullOrEmpty(client.ServerInfo?.Name));
        Assert.False(server.HasExited, server.Tail());
    }

    [Fact]
    public async Task The_chat_client_connects_over_https_when_it_trusts_the_certificates_CA_and_refuses_otherwise()
    {
        // Arrange
        using var pod = new TempDirectory("memento-k8s-pod");
        var (_, environment, caFile) = await PodAsync(pod.Path);
        await using var server = await ServiceProcess.StartAsync("Memento.McpServer", environment);
        var chat = ChatStack.CleanModelEnvironment();
        chat["Memento__Chat__ServerUrl"] = new Uri(server.BaseAddress, "/mcp").ToString();
        chat["Memento__Chat__ApiKey"] = Key;

        // Act
        chat["Memento__Chat__ServerCertificate"] = caFile;
        await using var trusting = await ServiceProcess.StartAsync("Memento.ChatClient", chat, ["chat"], waitForListening: false);
        await trusting.WaitForOutputAsync(MenuLine(), Timeout);
        await trusting.WriteLineAsync("remember: the gate code is 4471");
        var stored = await trusting.WaitForOutputAsync(StoredLine(), Timeout);
        await trusting.WriteLineAsync("quit");

        chat.Remove("Memento__Chat__ServerCertificate");
        await using var untrusting = await ServiceProcess.StartAsync("Memento.ChatClient", chat, ["chat"], waitForListening: false);
        await untrusting.WaitForOutputAsync(MenuLine(), Timeout);
        await untrusting.WriteLineAsync("remember: the gate code is 4471");
        var refused = await untrusting.WaitForOutputAsync(ErrorLine(), Timeout);
        await untrusting.WriteLineAsync("quit");

        // Assert
        // The server took the user from the API key: the memory is in infra-check's folder on the volume.
        var id = StoredLine().Match(stored).Groups["id"].Value;
        Assert.True(File.Exists(Path.Combine(environment["Memento__Storage__Root"]!, "infra-check", id + ".md")), trusting.Tail());
        Assert.Equal(0, await trusting.WaitForExitAsync(Timeout));
        Assert.Contains(server.BaseAddress.Authority, refused, StringComparison.Ordinal);
        Assert.Contains("Memento:Chat:ServerCertificate", refused, StringComparison.Ordinal);
        Assert.Equal(0, await untrusting.WaitForExitAsync(Timeout));
    }

    /// <summary>The rendered pod's container, its environment mapped onto this machine, and the CA of the certificate written where the TLS Secret is mounted.</summary>
    private static async Task<(V1Container Container, Dictionary<string, string?> Environment, string CaFile)> PodAsync(string podRoot)
    {
        var objects = await Kustomize.RenderAsync("overlays/aks");
        var spec = Assert.Single(objects.OfType<V1Deployment>()).Spec.Template.Spec;
        var container = Assert.Single(spec.Containers);
        // Every ConfigMap the container reads, in order (memento-config, and memento-azure from the values azd resolves).
        var configMaps = objects.OfType<V1ConfigMap>().ToDictionary(c => c.Metadata.Name);
        var config = container.EnvFrom.Where(e => e.ConfigMapRef is not null).SelectMany(e => configMaps[e.ConfigMapRef.Name].Data)
            .GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        var environment = PodEnvironment(container, config, podRoot);
        environment["Memento__Auth__ApiKeys__0__User"] = "infra-check";
        environment["Memento__Auth__ApiKeys__0__Hash"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Key)));

        // The memento-tls Secret (type kubernetes.io/tls) holds tls.crt and tls.key; Kestrel reads them where it is mounted.
        var certificatePath = environment["Kestrel__Certificates__Default__Path"]!;
        var keyPath = environment["Kestrel__Certificates__Default__KeyPath"]!;
        Assert.Equal(Path.GetDirectoryName(certificatePath), Path.GetDirectoryName(keyPath));
        var tlsVolume = Assert.Single(spec.Volumes, v => v.Secret?.SecretName == "memento-tls");
        var written = TestCertificates.WriteServerCertificate(Path.GetDirectoryName(certificatePath)!);
        Assert.Equal(Path.Combine(podRoot, tlsVolume.Name, "tls.crt"), certificatePath);
        Assert.Equal(written.CertificateFile, certificatePath);
        Assert.Equal(written.KeyFile, keyPath);
        return (container, environment, written.CaFile);
    }

    private static SocketsHttpHandler TrustOnly(string caFile)
    {
        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(caFile));
        return new SocketsHttpHandler { SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy } };
    }

    /// <summary>
    /// The container's environment (ConfigMap plus literal env) with every path under a volume mount
    /// moved into a per-test folder, and the pod's HTTPS address replaced by a loopback one with a port ServiceProcess learns.
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

        var port = Assert.Single(container.Ports);
        Assert.Equal($"https://+:{port.ContainerPort}", environment["ASPNETCORE_URLS"]);
        environment["ASPNETCORE_URLS"] = "https://127.0.0.1:0";
        return environment;
    }

    [GeneratedRegex(@"^Menu: 1\) help  2\) who am I")]
    private static partial Regex MenuLine();

    [GeneratedRegex(@"Stored ""the gate code is 4471"" \((?<id>[^)]+)\)")]
    private static partial Regex StoredLine();

    [GeneratedRegex(@"\[error\] I could not reach the Memento server at https://\S+: the TLS handshake failed")]
    private static partial Regex ErrorLine();
}
