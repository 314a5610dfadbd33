using System.Net;
using Memento.Tests.App.Proxy;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Model;

namespace Memento.Tests.App;

public sealed class ClientIpAffinityPolicyTests
{
    private static readonly ClusterState Cluster = new("mcpserver");
    private static readonly DestinationState[] Destinations = [new("replica-0"), new("replica-1"), new("replica-2")];

    [Fact]
    public void The_same_client_address_always_gets_the_same_replica_whatever_the_list_order()
    {
        var policy = new ClientIpAffinityPolicy();
        var client = Context("10.1.2.3");

        var picks = Enumerable.Range(0, 20)
            .Select(i => policy.PickDestination(client, Cluster, i % 2 == 0 ? Destinations : [.. Destinations.Reverse()])!.DestinationId)
            .Distinct()
            .ToList();

        Assert.Single(picks);
    }

    [Fact]
    public void Different_client_addresses_spread_over_the_replicas()
    {
        var policy = new ClientIpAffinityPolicy();

        var used = Enumerable.Range(1, 60)
            .Select(i => policy.PickDestination(Context($"192.168.0.{i}"), Cluster, Destinations)!.DestinationId)
            .ToHashSet();

        Assert.Equal(Destinations.Length, used.Count);
    }

    [Fact]
    public void A_client_whose_replica_is_gone_moves_to_an_available_one_and_none_means_no_pick()
    {
        var policy = new ClientIpAffinityPolicy();
        var client = Context("10.1.2.3");
        var first = policy.PickDestination(client, Cluster, Destinations)!;

        var moved = policy.PickDestination(client, Cluster, [.. Destinations.Where(d => d != first)]);
        var none = policy.PickDestination(client, Cluster, []);

        Assert.NotNull(moved);
        Assert.NotEqual(first.DestinationId, moved.DestinationId);
        Assert.Null(none);
    }

    [Fact]
    public void An_IPv4_client_seen_as_IPv6_mapped_hashes_like_the_plain_address()
    {
        var plain = IPAddress.Parse("10.1.2.3");

        Assert.Equal(ClientIpAffinityPolicy.StableHash(plain), ClientIpAffinityPolicy.StableHash(plain.MapToIPv6()));
    }

    private static DefaultHttpContext Context(string address)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        return context;
    }
}
