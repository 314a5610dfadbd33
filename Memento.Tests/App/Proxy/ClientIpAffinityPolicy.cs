using System.Net;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Memento.Tests.App.Proxy;

/// <summary>
/// Kubernetes <c>sessionAffinity: ClientIP</c> as a YARP load-balancing policy: every request from one
/// client address goes to the same destination for as long as that destination is available; when it
/// is not, the client is re-hashed over the destinations that are. YARP's own session affinity is
/// cookie- or header-based, which MCP clients do not echo, so the client address is the only key.
/// </summary>
public sealed class ClientIpAffinityPolicy : ILoadBalancingPolicy
{
    public const string PolicyName = "ClientIp";

    public string Name => PolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        if (availableDestinations.Count == 0)
        {
            return null;
        }

        // Order by id so the same client maps to the same destination on every request, whatever
        // order YARP hands the list over in.
        var ordered = availableDestinations.OrderBy(d => d.DestinationId, StringComparer.Ordinal).ToList();
        var address = context.Connection.RemoteIpAddress ?? IPAddress.Loopback;
        return ordered[(int)(StableHash(address) % (uint)ordered.Count)];
    }

    /// <summary>FNV-1a over the address bytes: stable across processes, unlike <see cref="object.GetHashCode"/>.</summary>
    internal static uint StableHash(IPAddress address)
    {
        var bytes = (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).GetAddressBytes();
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }
}
