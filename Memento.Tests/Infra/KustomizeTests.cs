using k8s;
using k8s.Models;

namespace Memento.Tests.Infra;

/// <summary>
/// Every kustomization under infra/k8s renders with <c>kubectl kustomize</c>, every rendered object
/// loads into the Kubernetes object model in strict mode (an unknown or misspelt field fails), and
/// the objects hold the properties the deployment depends on.
/// </summary>
public sealed class KustomizeTests
{
    public static TheoryData<string> Kustomizations => ["base", "overlays/aks"];

    /// <summary>The base serves plain HTTP on 8000 (any cluster, behind its own TLS); the AKS overlay serves HTTPS itself on 8443.</summary>
    public static TheoryData<string, string, int> Listeners => new() { { "base", "http", 8000 }, { "overlays/aks", "https", 8443 } };

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public async Task Renders_and_loads_strictly(string kustomization)
    {
        // Act
        var objects = await RenderAsync(kustomization);

        // Assert
        Assert.NotEmpty(objects);
        Assert.All(objects, o => Assert.IsAssignableFrom<IKubernetesObject>(o));
        Assert.Single(objects.OfType<V1Namespace>(), n => n.Metadata.Name == "memento");
        Assert.All(objects.OfType<IMetadata<V1ObjectMeta>>().Where(o => o is not V1Namespace and not V1PersistentVolume),
            o => Assert.Equal("memento", o.Metadata.NamespaceProperty));
    }

    [Theory]
    [MemberData(nameof(Listeners))]
    public async Task Deployment_runs_two_hardened_replicas_on_its_port(string kustomization, string scheme, int port)
    {
        // Arrange
        var objects = await RenderAsync(kustomization);

        // Act
        var deployment = Assert.Single(objects.OfType<V1Deployment>());
        var pod = deployment.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);

        // Assert
        Assert.Equal(2, deployment.Spec.Replicas);
        Assert.Equal("/health", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/alive", container.LivenessProbe.HttpGet.Path);
        Assert.Equal(port, Assert.Single(container.Ports).ContainerPort);
        Assert.Equal(scheme, container.Ports[0].Name);
        Assert.Equal(scheme.ToUpperInvariant(), container.ReadinessProbe.HttpGet.Scheme ?? "HTTP");
        Assert.Equal(scheme.ToUpperInvariant(), container.LivenessProbe.HttpGet.Scheme ?? "HTTP");
        Assert.Equal(container.Ports[0].Name, container.ReadinessProbe.HttpGet.Port.Value);
        Assert.Equal(container.Ports[0].Name, container.LivenessProbe.HttpGet.Port.Value);
        Assert.All(["cpu", "memory"], r => Assert.Contains(r, container.Resources.Requests.Keys));
        Assert.All(["cpu", "memory"], r => Assert.Contains(r, container.Resources.Limits.Keys));
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.NotEqual(0, pod.SecurityContext.RunAsUser);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.Contains("ALL", container.SecurityContext.Capabilities.Drop);
    }

    [Theory]
    [MemberData(nameof(Listeners))]
    public async Task Configuration_comes_from_a_ConfigMap_and_keys_from_a_Secret(string kustomization, string scheme, int port)
    {
        // Arrange
        var objects = await RenderAsync(kustomization);
        var deployment = Assert.Single(objects.OfType<V1Deployment>());
        var pod = deployment.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);

        // Act
        var configMapName = Assert.Single(container.EnvFrom, e => e.ConfigMapRef?.Name.StartsWith("memento-config-", StringComparison.Ordinal) == true).ConfigMapRef.Name;
        var config = Assert.Single(objects.OfType<V1ConfigMap>(), c => c.Metadata.Name == configMapName).Data;
        var secretRef = Assert.Single(container.EnvFrom, e => e.SecretRef is not null).SecretRef;
        string MountOf(string volumeName) => Assert.Single(container.VolumeMounts, m => m.Name == volumeName).MountPath;
        V1Volume VolumeAt(string path) =>
            Assert.Single(pod.Volumes, v => v.Name == Assert.Single(container.VolumeMounts, m => path.StartsWith(m.MountPath + "/", StringComparison.Ordinal) || path == m.MountPath).Name);

        // Assert: the environment contract of DESIGN.md section 9, wired to the right volumes.
        if (scheme == "https")
        {
            // Kestrel's own configuration: HTTPS only, the certificate where the memento-tls Secret is mounted.
            Assert.Equal($"https://+:{port}", config["ASPNETCORE_URLS"]);
            var tls = Assert.Single(pod.Volumes, v => v.Secret?.SecretName == "memento-tls");
            var tlsMount = Assert.Single(container.VolumeMounts, m => m.Name == tls.Name);
            Assert.True(tlsMount.ReadOnlyProperty);
            Assert.Equal($"{tlsMount.MountPath}/tls.crt", config["Kestrel__Certificates__Default__Path"]);
            Assert.Equal($"{tlsMount.MountPath}/tls.key", config["Kestrel__Certificates__Default__KeyPath"]);
        }
        else
        {
            Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), config["ASPNETCORE_HTTP_PORTS"]);
        }

        Assert.Equal("ApiKey", config["Memento__Auth__Mode"]);
        Assert.Equal("memento-auth", secretRef.Name);
        Assert.NotEqual(true, secretRef.Optional);
        var dataVolume = VolumeAt(config["Memento__Storage__Root"]);
        Assert.Equal("memento-data", dataVolume.PersistentVolumeClaim?.ClaimName);
        Assert.NotNull(VolumeAt(config["Memento__Search__IndexPath"]).EmptyDir);
        Assert.NotNull(VolumeAt("/tmp").EmptyDir);
        Assert.Equal("/tmp", MountOf(VolumeAt("/tmp").Name));
        Assert.DoesNotContain(container.Env ?? [], e => e.Name.Contains("Key", StringComparison.OrdinalIgnoreCase) && e.Value is not null);
    }

    [Theory]
    [MemberData(nameof(Listeners))]
    public async Task Service_is_a_restricted_LoadBalancer_with_ClientIP_affinity(string kustomization, string scheme, int port)
    {
        // Arrange
        var objects = await RenderAsync(kustomization);
        var deployment = Assert.Single(objects.OfType<V1Deployment>());

        // Act
        var service = Assert.Single(objects.OfType<V1Service>());

        // Assert
        Assert.Equal("LoadBalancer", service.Spec.Type);
        Assert.NotEmpty(service.Spec.LoadBalancerSourceRanges);
        Assert.All(service.Spec.LoadBalancerSourceRanges, r =>
        {
            Assert.Matches(@"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$", r);
            Assert.NotEqual("0.0.0.0/0", r);
        });
        Assert.Equal("ClientIP", service.Spec.SessionAffinity);
        Assert.Equal(10800, service.Spec.SessionAffinityConfig.ClientIP.TimeoutSeconds);
        Assert.Equal(deployment.Spec.Selector.MatchLabels, service.Spec.Selector);
        var servicePort = Assert.Single(service.Spec.Ports);
        Assert.Equal(scheme, servicePort.TargetPort.Value);
        Assert.Equal(scheme == "https" ? 443 : 80, servicePort.Port);
        Assert.Equal(port, Assert.Single(deployment.Spec.Template.Spec.Containers[0].Ports, p => p.Name == scheme).ContainerPort);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public async Task Shared_volume_is_ReadWriteMany_on_azurefile_csi_and_a_disruption_budget_keeps_one_replica(string kustomization)
    {
        // Arrange
        var objects = await RenderAsync(kustomization);
        var deployment = Assert.Single(objects.OfType<V1Deployment>());

        // Act
        var claim = Assert.Single(objects.OfType<V1PersistentVolumeClaim>());
        var budget = Assert.Single(objects.OfType<V1PodDisruptionBudget>());

        // Assert
        Assert.Equal("memento-data", claim.Metadata.Name);
        Assert.Equal(["ReadWriteMany"], claim.Spec.AccessModes);
        Assert.Equal("azurefile-csi", claim.Spec.StorageClassName);
        Assert.Equal(new ResourceQuantity("10Gi"), claim.Spec.Resources.Requests["storage"]);
        Assert.Equal(deployment.Spec.Selector.MatchLabels, budget.Spec.Selector.MatchLabels);
        Assert.True(budget.Spec.MinAvailable?.Value is "1" || budget.Spec.MaxUnavailable?.Value is "1");
    }

    [Fact]
    public async Task Aks_overlay_pulls_from_ACR_and_pins_the_volume_to_the_provisioned_share()
    {
        // Act
        var objects = await RenderAsync("overlays/aks");
        var container = Assert.Single(Assert.Single(objects.OfType<V1Deployment>()).Spec.Template.Spec.Containers);
        var claim = Assert.Single(objects.OfType<V1PersistentVolumeClaim>());
        var volume = Assert.Single(objects.OfType<V1PersistentVolume>());

        // Assert
        Assert.Matches(@"^[^/]+\.azurecr\.io/", container.Image);
        Assert.Equal(volume.Metadata.Name, claim.Spec.VolumeName);
        Assert.Equal("file.csi.azure.com", volume.Spec.Csi.Driver);
        Assert.Equal("memento-data", volume.Spec.Csi.VolumeAttributes["shareName"]);
        Assert.Equal("azurefile-csi", volume.Spec.StorageClassName);
        Assert.Equal(["ReadWriteMany"], volume.Spec.AccessModes);
        Assert.Equal("Retain", volume.Spec.PersistentVolumeReclaimPolicy);
        Assert.Equal(claim.Spec.Resources.Requests["storage"], volume.Spec.Capacity["storage"]);
        Assert.Contains("uid=1654", volume.Spec.MountOptions);
    }

    [Fact]
    public async Task The_share_is_mounted_without_an_attribute_cache_as_docs_storage_promises()
    {
        // Arrange: docs/storage.md promises read-your-writes through any replica; the Linux SMB client
        // caches attributes (another replica's log size included) for actimeo seconds.
        var storageDoc = await File.ReadAllTextAsync(Path.Combine(Infrastructure.RepoPaths.Root, "docs", "storage.md"), TestContext.Current.CancellationToken);

        // Act
        var volume = Assert.Single((await RenderAsync("overlays/aks")).OfType<V1PersistentVolume>());
        var cacheOptions = volume.Spec.MountOptions.Where(o => o.Split('=')[0] is "actimeo" or "acregmax" or "acdirmax").ToList();

        // Assert
        Assert.Equal(["actimeo=0"], cacheOptions);
        Assert.DoesNotContain("cache=none", volume.Spec.MountOptions);
        Assert.Contains("mounts the share with **`actimeo=0`**", storageDoc, StringComparison.Ordinal);
    }

    [Fact]
    public void Strict_loading_rejects_an_unknown_field()
    {
        // Arrange: the same loader the checks above rely on, given a misspelt field.
        const string yaml = """
            apiVersion: v1
            kind: Service
            metadata:
              name: x
            spec:
              sessionAfinity: ClientIP
            """;

        // Act / Assert
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(yaml, strict: true));
        Assert.Single(KubernetesYaml.LoadAllFromString(yaml, strict: false));
    }

    private static Task<List<object>> RenderAsync(string kustomization) => Kustomize.RenderAsync(kustomization);
}
