using Aspire.Hosting.Kubernetes;
using Aspire.Hosting.Kubernetes.Resources;

namespace Memento.AppHost;

/// <summary>
/// How the MCP server is shaped when the AppHost publishes to AKS: the same contract as
/// infra/k8s (a LoadBalancer restricted to known client ranges with ClientIP affinity for legacy SSE,
/// two hardened replicas on one ReadWriteMany Azure Files volume, a local per-pod search index).
/// </summary>
internal static class AksPublishing
{
    public const string StorageRoot = "/data/memento";
    public const string IndexPath = "/var/cache/memento/index";

    /// <summary>RFC 5737 documentation range: the Service admits nobody until a real range is configured.</summary>
    public const string NobodyRange = "192.0.2.0/24";

    private const string SharedClaimName = "memento-data";
    private const long AppUserId = 1654; // the .NET images' non-root "app" user

    public static void ConfigureServer(KubernetesResource server, string allowedSourceRange)
    {
        if (server.Service is { } service)
        {
            service.Spec.Type = "LoadBalancer";
            service.Spec.LoadBalancerSourceRanges.Add(allowedSourceRange);
            // Legacy SSE keeps its session in one replica's memory; Streamable HTTP is stateless.
            service.Spec.SessionAffinity = "ClientIP";
            service.Spec.SessionAffinityConfig = new SessionAffinityConfigV1
            {
                ClientIp = new ClientIPConfigV1 { TimeoutSeconds = 10800 },
            };
        }

        var claim = new PersistentVolumeClaim
        {
            Metadata = new ObjectMetaV1 { Name = SharedClaimName },
            Spec = new PersistentVolumeClaimSpecV1
            {
                StorageClassName = "azurefile-csi",
                Resources = new VolumeResourceRequirementsV1(),
            },
        };
        claim.Spec.AccessModes.Add("ReadWriteMany");
        claim.Spec.Resources.Requests["storage"] = "10Gi";
        server.AdditionalResources.Add(claim);

        if (server.Workload is not { } workload)
        {
            return;
        }

        if (workload is Deployment deployment)
        {
            deployment.Spec.Replicas = 2;
        }

        var pod = workload.PodTemplate.Spec;
        pod.SecurityContext = new PodSecurityContextV1 { RunAsNonRoot = true, RunAsUser = AppUserId, FsGroup = AppUserId };
        pod.Volumes.Add(new VolumeV1 { Name = "data", PersistentVolumeClaim = new PersistentVolumeClaimVolumeSourceV1 { ClaimName = SharedClaimName } });
        pod.Volumes.Add(new VolumeV1 { Name = "index", EmptyDir = new EmptyDirVolumeSourceV1 { SizeLimit = "1Gi" } });
        pod.Volumes.Add(new VolumeV1 { Name = "tmp", EmptyDir = new EmptyDirVolumeSourceV1 { SizeLimit = "256Mi" } });

        foreach (var container in pod.Containers)
        {
            container.SecurityContext = new SecurityContextV1
            {
                RunAsNonRoot = true,
                ReadOnlyRootFilesystem = true,
                AllowPrivilegeEscalation = false,
                Capabilities = new CapabilitiesV1(),
            };
            container.SecurityContext.Capabilities.Drop.Add("ALL");
            container.VolumeMounts.Add(new VolumeMountV1 { Name = "data", MountPath = StorageRoot });
            container.VolumeMounts.Add(new VolumeMountV1 { Name = "index", MountPath = Path.GetDirectoryName(IndexPath)! });
            container.VolumeMounts.Add(new VolumeMountV1 { Name = "tmp", MountPath = "/tmp" });
            container.Resources = new ResourceRequirementsV1();
            container.Resources.Requests["cpu"] = "100m";
            container.Resources.Requests["memory"] = "256Mi";
            container.Resources.Limits["cpu"] = "1";
            container.Resources.Limits["memory"] = "512Mi";

            // Probe the same port the container publishes, whatever value the publisher chose for it.
            if (container.Ports.FirstOrDefault()?.ContainerPort is { } port)
            {
                container.ReadinessProbe = new ProbeV1 { HttpGet = new HttpGetActionV1 { Path = "/health", Port = port }, PeriodSeconds = 10 };
                container.LivenessProbe = new ProbeV1 { HttpGet = new HttpGetActionV1 { Path = "/alive", Port = port }, PeriodSeconds = 20 };
            }
        }
    }
}
