using Memento.McpServer.Storage;
using Memento.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Memento.Tests.Storage;

/// <summary>Users are opened on first use and closed when idle, so a replica's memory does not grow with the number of users.</summary>
public sealed class UserShardsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Beyond_the_bound_the_least_recently_used_user_is_closed_and_reopens_with_its_memories()
    {
        using var env = new TestStore(new StorageOptions { MaxOpenUsers = 2 });
        var store = env.Store;
        var alice = (await store.StoreAsync("alice", new NewMemory("Alice keeps the harbour keys"), Ct)).Memory;
        await store.StoreAsync("bob", new NewMemory("Bob feeds the lighthouse cat"), Ct);
        Assert.Equal(2, store.OpenUsers);

        await store.StoreAsync("carol", new NewMemory("Carol paints the boats"), Ct);
        await store.ListAsync("bob", new ListQuery(), Ct);

        Assert.Equal(2, store.OpenUsers);
        var found = await store.SearchAsync("alice", new SearchQuery("harbour keys"), Ct);
        Assert.Equal(alice.Id, Assert.Single(found.Items).Memory.Id);
        Assert.Equal(2, store.OpenUsers);
        Assert.Equal(1, (await store.GetStatsAsync("carol", Ct)).MemoryCount);
    }

    [Fact]
    public async Task A_closed_user_opened_again_sees_what_other_replicas_wrote_meanwhile_and_they_see_its_writes()
    {
        using var env = new TestStore(new StorageOptions { MaxOpenUsers = 1 });
        var a = env.Store;
        var b = env.Open();
        var first = (await a.StoreAsync("alice", new NewMemory("The ferry leaves at nine"), Ct)).Memory;
        Assert.Single((await b.ListAsync("alice", new ListQuery(), Ct)).Items);

        await a.ListAsync("bob", new ListQuery(), Ct);
        var written = (await b.StoreAsync("alice", new NewMemory("The ferry is late on Sundays"), Ct)).Memory;
        await b.DeleteAsync("alice", first.Id, Ct);

        // Alice was closed on replica A while B wrote; opened again, A sees B's store and delete.
        var ids = (await a.ListAsync("alice", new ListQuery(), Ct)).Items.Select(m => m.Id);
        Assert.Equal([written.Id], ids);
        Assert.Equal(written.Id, Assert.Single((await a.SearchAsync("alice", new SearchQuery("ferry"), Ct)).Items).Memory.Id);

        // And what A writes after opening alice again reaches B through A's change log.
        var later = (await a.StoreAsync("alice", new NewMemory("Tickets are cheaper online"), Ct)).Memory;
        Assert.Equal(later.Id, Assert.Single((await b.SearchAsync("alice", new SearchQuery("tickets online"), Ct)).Items).Memory.Id);
        Assert.Equal(2, (await b.GetStatsAsync("alice", Ct)).MemoryCount);
    }

    [Fact]
    public async Task A_user_idle_past_the_timeout_is_closed_and_a_recent_one_stays_open()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero));
        using var env = new TestStore(new StorageOptions { UserIdleTimeout = TimeSpan.FromMinutes(10) }, time: time);
        var store = env.Store;
        await store.StoreAsync("alice", new NewMemory("Morning note"), Ct);
        time.Advance(TimeSpan.FromMinutes(6));
        await store.StoreAsync("bob", new NewMemory("Later note"), Ct);
        Assert.Equal(2, store.OpenUsers);

        time.Advance(TimeSpan.FromMinutes(5));
        await store.ListAsync("carol", new ListQuery(), Ct);

        Assert.Equal(2, store.OpenUsers); // bob (5 min idle) and carol; alice (11 min idle) was closed
        time.Advance(TimeSpan.FromMinutes(11));
        await ((IStorageMaintenance)store).CleanUpAsync(Ct);
        Assert.Equal(0, store.OpenUsers);
        Assert.Single((await store.ListAsync("alice", new ListQuery(), Ct)).Items);
    }

    [Fact]
    public void A_user_in_use_is_never_closed_and_is_closed_once_released_beyond_the_bound()
    {
        using var root = new TempDirectory("memento-shards");
        var time = new FakeTimeProvider();
        using var shards = new UserShards(root.Path, null, "00aa11bb22cc33dd", new StorageOptions { MaxOpenUsers = 1 }, time);

        var alice = shards.Get("alice");
        var bob = shards.Get("bob");
        Assert.Equal(2, shards.OpenCount);
        Assert.Equal(0, alice.Shard.Index.Count);

        alice.Dispose();
        Assert.Equal(1, shards.OpenCount);
        Assert.Equal(0, bob.Shard.Index.Count);
        bob.Dispose();
        bob.Dispose();
        Assert.Equal(1, shards.OpenCount);

        using var again = shards.Get("alice");
        Assert.Equal(0, again.Shard.Index.Count);
        Assert.Equal(1, shards.OpenCount);
    }

    [Fact]
    public async Task Starting_opens_no_user_and_a_bad_bound_stops_the_start_naming_the_setting()
    {
        using var root = new TempDirectory("memento-root");
        foreach (var user in new[] { "alice", "bob", "carol" })
        {
            Directory.CreateDirectory(Path.Combine(root.Path, user));
        }

        using (var host = Build(root.Path, maxOpenUsers: null))
        {
            await host.StartAsync(Ct);
            Assert.Equal(0, host.Services.GetRequiredService<FileMemoryStore>().OpenUsers);
            await host.StopAsync(Ct);
        }

        using var bad = Build(root.Path, maxOpenUsers: "0");
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => bad.StartAsync(Ct));
        Assert.Contains("Memento:Storage:MaxOpenUsers", error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(string root, string? maxOpenUsers)
    {
        var builder = Host.CreateApplicationBuilder();
        var settings = new Dictionary<string, string?> { ["Memento:Storage:Root"] = root };
        if (maxOpenUsers is not null)
        {
            settings["Memento:Storage:MaxOpenUsers"] = maxOpenUsers;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.AddMementoStorage();
        return builder.Build();
    }
}
