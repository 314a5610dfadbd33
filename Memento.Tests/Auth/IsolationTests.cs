using System.Text.Json;
using Memento.Tests.Tools;
using ModelContextProtocol;
using ModelContextProtocol.Client;

namespace Memento.Tests.Auth;

/// <summary>User A cannot read, change, delete, list or find user B's memories by any tool, resource or guessed id.</summary>
public sealed class IsolationTests
{
    [Fact]
    public async Task ApiKey_users_cannot_reach_each_others_memories()
    {
        await using var server = McpServerHost.Start(AuthModeTests.ApiKeySettings());
        await using var alice = await server.ConnectAsync(bearer: AuthModeTests.AliceKey);
        await using var bob = await server.ConnectAsync(bearer: AuthModeTests.BobKey);
        await using var admin = await server.ConnectAsync(bearer: AuthModeTests.AdminKey);

        await AssertIsolatedAsync(alice, bob, "alice");
        await AssertAdminOnlyAsync(bob, admin, ["alice", "bob"]);
    }

    [Fact]
    public async Task Jwt_users_cannot_reach_each_others_memories()
    {
        await using var issuer = await TestOidcIssuer.StartAsync();
        await using var server = McpServerHost.Start(AuthModeTests.JwtSettings(issuer.Authority));
        var aliceOid = Guid.NewGuid().ToString();
        await using var alice = await server.ConnectAsync(bearer: issuer.CreateToken(AuthModeTests.Audience, oid: aliceOid, sub: "ignored"));
        await using var bob = await server.ConnectAsync(bearer: issuer.CreateToken(AuthModeTests.Audience, sub: "auth0|bob"));
        await using var admin = await server.ConnectAsync(bearer: issuer.CreateToken(AuthModeTests.Audience, oid: Guid.NewGuid().ToString(), roles: ["memento.admin"]));

        await AssertIsolatedAsync(alice, bob, aliceOid);
        var bobUser = (await bob.CallOkAsync("get_user_stats")).GetProperty("user").GetString()!;
        Assert.StartsWith("u-", bobUser);
        await AssertAdminOnlyAsync(bob, admin, [aliceOid, bobUser]);
    }

    [Fact]
    public async Task Local_mode_users_named_by_header_see_only_their_own_memories()
    {
        await using var server = McpServerHost.Start();
        await using var alice = await server.ConnectAsync(user: "alice");
        await using var bob = await server.ConnectAsync(user: "bob");

        var id = (await alice.CallOkAsync("store_memory", new { content = "Alice's local secret" })).Id();

        Assert.Contains("No memory", await bob.CallErrorAsync("get_memory_content", new { memory_id = id }));
        Assert.Empty(MemoryToolsTests.Ids(await bob.CallOkAsync("list_memories"), "memories"));
        Assert.Equal("Alice's local secret", (await alice.CallOkAsync("get_memory_content", new { memory_id = id })).GetProperty("content").GetString());
    }

    private static async Task AssertIsolatedAsync(McpClient alice, McpClient bob, string aliceUser)
    {
        const string Secret = "Alice's secret: the safe combination is 31-07-99";
        var id = (await alice.CallOkAsync("store_memory", new { content = Secret, title = "Safe", tags = new[] { "private" } })).Id();
        await bob.CallOkAsync("store_memory", new { content = "Bob's own note" });

        Assert.Contains("No memory", await bob.CallErrorAsync("get_memory_content", new { memory_id = id }));
        Assert.Contains("No memory", await bob.CallErrorAsync("update_memory", new { memory_id = id, content = "overwritten by bob" }));
        Assert.Contains("No memory", await bob.CallErrorAsync("delete_memory", new { memory_id = id }));
        Assert.DoesNotContain(id, MemoryToolsTests.Ids(await bob.CallOkAsync("list_memories", new { tags = new[] { "private" } }), "memories"));
        // Ranking by meaning gives Bob his nearest own notes; never Alice's.
        Assert.DoesNotContain(id, MemoryToolsTests.Ids(await bob.CallOkAsync("retrieve_memories", new { query = "safe combination secret" }), "hits"));
        Assert.Contains("'user' argument is not accepted", await bob.CallErrorAsync("list_memories", new { user = aliceUser }));
        Assert.Contains("'user' argument is not accepted", await bob.CallErrorAsync("get_memory_content", new { memory_id = id, user = aliceUser }));
        Assert.Equal(1, (await bob.CallOkAsync("get_user_stats")).GetProperty("memoryCount").GetInt32());
        var bobResources = await bob.ListResourcesAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.DoesNotContain(bobResources, r => r.Uri.Contains(id, StringComparison.Ordinal));
        await Assert.ThrowsAsync<McpProtocolException>(async () =>
            await bob.ReadResourceAsync($"memento://memories/{id}", cancellationToken: TestContext.Current.CancellationToken));

        var intact = await alice.CallOkAsync("get_memory_content", new { memory_id = id });
        Assert.Equal(Secret, intact.GetProperty("content").GetString());
        Assert.Equal("Safe", intact.GetProperty("title").GetString());
    }

    private static async Task AssertAdminOnlyAsync(McpClient user, McpClient admin, string[] expectedUsers)
    {
        Assert.Contains("administrator role", await user.CallErrorAsync("list_users"));

        var listed = await admin.CallOkAsync("list_users");

        var users = listed.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("user").GetString()).ToList();
        Assert.All(expectedUsers, u => Assert.Contains(u, users));
        Assert.All(listed.GetProperty("users").EnumerateArray(), u => Assert.Equal(JsonValueKind.Number, u.GetProperty("memoryCount").ValueKind));
    }
}
