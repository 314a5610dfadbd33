using k8s;
using k8s.Models;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.Infra;

/// <summary>
/// The AKS variant for the PostgreSQL provider (<c>overlays/aks-postgres</c>): the aks overlay's deployment
/// and service without the Azure Files volume, configured for PostgreSQL, the connection string from a Secret.
/// </summary>
public sealed class PostgresOverlayTests
{
    [Fact]
    public async Task Renders_the_aks_deployment_without_a_shared_volume_and_with_the_database_from_a_Secret()
    {
        // Arrange: infra/k8s as azd prepares it (the aks overlay's .env written), which aks-postgres builds on.
        var kubectl = ToolRunner.FindOnPath("kubectl");
        if (kubectl is null)
        {
            Assert.Skip("kubectl is not installed; it renders the kustomizations (https://kubernetes.io/docs/tasks/tools/).");
        }

        using var copy = new TempDirectory("memento-aks-postgres");
        var aks = Azd.PrepareKustomizeDir(copy.Path);

        // Act
        var rendered = await ToolRunner.RunAsync(kubectl, ["kustomize", Path.Combine(aks, "..", "aks-postgres")], RepoPaths.Root, TestContext.Current.CancellationToken);
        Assert.True(rendered.ExitCode == 0, rendered.StandardError);
        var objects = KubernetesYaml.LoadAllFromString(rendered.StandardOutput, strict: true);
        var files = await Kustomize.RenderAsync("overlays/aks");
        var deployment = Assert.Single(objects.OfType<V1Deployment>());
        var pod = deployment.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);
        var config = Assert.Single(objects.OfType<V1ConfigMap>(), c => c.Metadata.Name == Assert.Single(container.EnvFrom, e => e.ConfigMapRef?.Name.StartsWith("memento-config", StringComparison.Ordinal) == true).ConfigMapRef.Name).Data;
        var connection = Assert.Single(container.Env, e => e.Name == "ConnectionStrings__memento-db");

        // Assert: no share, no claim, no volume for memories; per-pod scratch space stays.
        Assert.Empty(objects.OfType<V1PersistentVolumeClaim>());
        Assert.Empty(objects.OfType<V1PersistentVolume>());
        Assert.DoesNotContain(pod.Volumes, v => v.PersistentVolumeClaim is not null);
        Assert.DoesNotContain(container.VolumeMounts, m => m.MountPath == "/data/memento");
        Assert.Contains(container.VolumeMounts, m => config["Memento__Search__IndexPath"].StartsWith(m.MountPath + "/", StringComparison.Ordinal));
        // Assert: the provider and its connection string, never a literal.
        Assert.Equal("Postgres", config["Memento__Storage__Provider"]);
        Assert.Null(connection.Value);
        Assert.Equal("memento-db", connection.ValueFrom.SecretKeyRef.Name);
        Assert.Equal("connection-string", connection.ValueFrom.SecretKeyRef.Key);
        // Assert: everything else is the aks overlay's (image, replicas, probes, hardening, service).
        var filesDeployment = Assert.Single(files.OfType<V1Deployment>());
        Assert.Equal(filesDeployment.Spec.Replicas, deployment.Spec.Replicas);
        Assert.Equal(filesDeployment.Spec.Template.Spec.Containers[0].Image, container.Image);
        Assert.Equal(filesDeployment.Spec.Template.Spec.Containers[0].ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Path);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Equal("ApiKey", config["Memento__Auth__Mode"]);
        var service = Assert.Single(objects.OfType<V1Service>());
        Assert.Equal(Assert.Single(files.OfType<V1Service>()).Spec.LoadBalancerSourceRanges, service.Spec.LoadBalancerSourceRanges);
        Assert.Equal("ClientIP", service.Spec.SessionAffinity);
        Assert.All(objects.OfType<IMetadata<V1ObjectMeta>>().Where(o => o is not V1Namespace), o => Assert.Equal("memento", o.Metadata.NamespaceProperty));
    }
}
