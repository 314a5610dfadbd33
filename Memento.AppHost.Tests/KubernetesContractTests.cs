using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using k8s.Models;
using Memento.Tests.Infra;
using Microsoft.Extensions.Logging.Abstractions;

#pragma warning disable ASPIREPROBES001 // The AppHost declares its probes with Aspire's (experimental) probe annotations.

namespace Memento.AppHost.Tests;

/// <summary>
/// The AppHost (local runs) and infra/k8s (AKS) describe the same server; nothing generates one from the
/// other, so this test holds them together: the AppHost's resources, read through Aspire.Hosting.Testing,
/// against the rendered AKS overlay. A change to either side that the other does not follow fails here.
/// </summary>
public sealed class KubernetesContractTests
{
    private const string Overlay = "overlays/aks";

    [Fact]
    public async Task The_AppHost_and_the_AKS_overlay_agree_on_replicas_port_health_paths_and_environment()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Memento_AppHost>(
            ["Memento:Storage:Root=" + Path.Combine(Path.GetTempPath(), "memento-contract-unused")], ct);
        var server = Assert.Single(appHost.Resources.OfType<ProjectResource>(), r => r.Name == "mcpserver");
        var objects = await Kustomize.RenderAsync(Overlay);
        var deployment = Assert.Single(objects.OfType<V1Deployment>());
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        // Every ConfigMap the container takes its environment from (the overlay may add its own to the base's).
        var config = objects.OfType<V1ConfigMap>()
            .Where(c => container.EnvFrom.Any(e => e.ConfigMapRef?.Name == c.Metadata.Name))
            .SelectMany(c => c.Data)
            .GroupBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        var service = Assert.Single(objects.OfType<V1Service>());

        // Act
        var replicas = Assert.Single(server.Annotations.OfType<ReplicaAnnotation>()).Replicas;
        var probes = server.Annotations.OfType<EndpointProbeAnnotation>().ToDictionary(p => p.Type);
        var endpoint = Assert.Single(server.Annotations.OfType<EndpointAnnotation>());
        var environment = await EnvironmentNamesAsync(server, ct);
        var containerPort = Assert.Single(container.Ports);
        var kubernetesNames = config.Keys.Concat(container.Env?.Select(e => e.Name) ?? []).ToHashSet(StringComparer.Ordinal);

        // Assert: replicas.
        Assert.True(replicas >= 2, $"The AppHost runs {replicas} server replica(s); shared storage needs at least 2 to be exercised.");
        Assert.Equal(replicas, deployment.Spec.Replicas);

        // Assert: health paths, on the same named port.
        Assert.Equal(container.ReadinessProbe.HttpGet.Path, probes[ProbeType.Readiness].Path);
        Assert.Equal(container.LivenessProbe.HttpGet.Path, probes[ProbeType.Liveness].Path);
        Assert.All(probes.Values, p => Assert.Equal(endpoint.Name, p.EndpointReference.EndpointName));
        Assert.Equal(containerPort.Name, container.ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal(containerPort.Name, container.LivenessProbe.HttpGet.Port.Value);

        // Assert: the port. Locally the AppHost's endpoint speaks plain HTTP on a port Aspire picks (never the
        // standalone 8000); in AKS the server terminates TLS itself, so the pod's one named port serves HTTPS,
        // the probes use that scheme on it, the Service targets it, and the server listens on its number.
        Assert.Equal("http", endpoint.UriScheme);
        Assert.Equal("https", containerPort.Name);
        Assert.Equal("HTTPS", container.ReadinessProbe.HttpGet.Scheme);
        Assert.Equal("HTTPS", container.LivenessProbe.HttpGet.Scheme);
        Assert.Equal(containerPort.Name, Assert.Single(service.Spec.Ports).TargetPort.Value);
        var listen = new Uri(config["ASPNETCORE_URLS"].Replace("+", "localhost", StringComparison.Ordinal));
        Assert.Equal("https", listen.Scheme);
        Assert.Equal(containerPort.ContainerPort, listen.Port);
        Assert.Null(endpoint.Port);
        Assert.Null(endpoint.TargetPort);

        // Assert: every Memento setting the AppHost gives the server is one the pod is given too.
        var mementoSettings = environment.Where(k => k.StartsWith("Memento__", StringComparison.Ordinal)).ToList();
        Assert.Contains("Memento__Storage__Root", mementoSettings);
        Assert.All(mementoSettings, name => Assert.True(kubernetesNames.Contains(name), $"The AppHost sets {name} on the server; {Overlay} does not."));
    }

    [Fact]
    public async Task The_chat_client_is_given_the_server_by_service_discovery_under_the_name_it_reads()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Memento_AppHost>(
            ["Memento:Storage:Root=" + Path.Combine(Path.GetTempPath(), "memento-contract-unused")], ct);
        var chat = Assert.Single(appHost.Resources.OfType<ProjectResource>(), r => r.Name == "chat");

        // Act
        var environment = await EnvironmentNamesAsync(chat, ct);

        // Assert: Memento.ChatClient/Mcp/ServerAddress.cs reads services:mcpserver:http:0; renaming the
        // resource (or its endpoint) would leave the chat client on its standalone default.
        Assert.Contains("services__mcpserver__http__0", environment);
        Assert.DoesNotContain(environment, k => k.StartsWith("Memento__Chat__ServerUrl", StringComparison.Ordinal));
    }

    // The names of the variables the AppHost gives a resource, evaluated as for publishing so that no
    // endpoint has to be allocated (the values are then expressions; only the names matter here).
    private static async Task<IReadOnlyCollection<string>> EnvironmentNamesAsync(IResource resource, CancellationToken ct)
    {
        var configuration = await ExecutionConfigurationBuilder.Create(resource)
            .WithEnvironmentVariablesConfig()
            .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish), NullLogger.Instance, ct);
        return [.. configuration.EnvironmentVariables.Select(e => e.Key)];
    }
}
