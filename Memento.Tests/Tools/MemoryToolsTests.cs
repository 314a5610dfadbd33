using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Memento.Tests.Tools;

/// <summary>Every tool end to end: the SDK client over Streamable HTTP, the real server, the real store on a temp folder.</summary>
public sealed class MemoryToolsTests
{
    [Fact]
    public async Task A_memory_goes_through_store_read_update_find_list_and_delete()
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync(user: "alice");

        var stored = await client.CallOkAsync("store_memory", new
        {
            content = "Budget review moved to Friday; the Kubernetes costs rose 12%.",
            title = "Budget review",
            tags = new[] { "work", "budget" },
            metadata = new Dictionary<string, object> { ["project"] = "apollo", ["priority"] = 2 },
        });
        var id = stored.Id();
        var read = await client.CallOkAsync("get_memory_content", new { memory_id = id });
        var updated = await client.CallOkAsync("update_memory", new { memory_id = id, title = "Budget review (final)", tags = new[] { "work", "done" } });
        var found = await client.CallOkAsync("retrieve_memories", new { query = "kubernetes budget" });
        var listed = await client.CallOkAsync("list_memories", new { tags = new[] { "done" } });
        var deleted = await client.CallOkAsync("delete_memory", new { memory_id = id });
        var afterDelete = await client.CallErrorAsync("get_memory_content", new { memory_id = id });

        Assert.True(stored.GetProperty("created").GetBoolean());
        Assert.Equal("Budget review moved to Friday; the Kubernetes costs rose 12%.", read.GetProperty("content").GetString());
        Assert.Equal("apollo", read.GetProperty("metadata").GetProperty("project").GetString());
        Assert.Equal("2", read.GetProperty("metadata").GetProperty("priority").GetString());
        Assert.Equal($"memento://memories/{id}", read.GetProperty("uri").GetString());
        Assert.Equal("Budget review (final)", updated.GetProperty("memory").GetProperty("title").GetString());
        Assert.Equal(id, found.GetProperty("hits")[0].GetProperty("memory").GetProperty("id").GetString());
        Assert.Equal(id, listed.GetProperty("memories")[0].GetProperty("id").GetString());
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        Assert.Contains("No memory with id", afterDelete);
    }

    [Fact]
    public async Task Results_carry_readable_text_as_well_as_structured_content()
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync();

        var id = (await client.CallOkAsync("store_memory", new { content = "Call the plumber on Tuesday", title = "Plumber" })).Id();
        var read = await client.CallAsync("get_memory_content", new { memory_id = id });
        var list = await client.CallAsync("list_memories");
        var found = await client.CallAsync("retrieve_memories", new { query = "plumber" });

        Assert.Contains("# Plumber", McpCalls.Text(read));
        Assert.Contains("Call the plumber on Tuesday", McpCalls.Text(read));
        Assert.StartsWith("1 memory:", McpCalls.Text(list), StringComparison.Ordinal);
        Assert.Contains(id, McpCalls.Text(list));
        Assert.StartsWith("1 memory matches \"plumber\":", McpCalls.Text(found), StringComparison.Ordinal);
        Assert.Contains("**plumber**", McpCalls.Text(found), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Storing_the_same_memory_twice_returns_the_existing_one()
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync();

        var first = await client.CallOkAsync("store_memory", new { content = "Same thing", tags = new[] { "x" } });
        var second = await client.CallOkAsync("store_memory", new { content = "Same thing", tags = new[] { "x" } });

        Assert.False(second.GetProperty("created").GetBoolean());
        Assert.Equal(first.Id(), second.Id());
    }

    [Fact]
    public async Task Lists_and_searches_page_with_cursors_until_every_memory_is_seen_once()
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync();
        var ids = new List<string>();
        for (var i = 0; i < 23; i++)
        {
            ids.Add((await client.CallOkAsync("store_memory", new { content = $"Standup note number {i} about the release train", tags = new[] { "standup" } })).Id());
        }

        // A ranking by meaning changes as vectors arrive; pages are consistent once they are all there.
        await server.WhenVectorsReadyAsync();
        var listed = await ReadAllPagesAsync(client, "list_memories", "memories", new Dictionary<string, object?> { ["limit"] = 10 });
        var found = await ReadAllPagesAsync(client, "retrieve_memories", "hits", new Dictionary<string, object?> { ["query"] = "release train standup", ["limit"] = 7 });

        Assert.Equal(3, listed.Pages);
        Assert.Equal(ids.Order(), listed.Ids.Order());
        Assert.Equal(4, found.Pages);
        Assert.Equal(ids.Order(), found.Ids.Order());
    }

    [Fact]
    public async Task Filters_on_tags_and_dates_narrow_the_list()
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync();
        var both = (await client.CallOkAsync("store_memory", new { content = "a", tags = new[] { "red", "blue" } })).Id();
        var red = (await client.CallOkAsync("store_memory", new { content = "b", tags = new[] { "red" } })).Id();
        await client.CallOkAsync("store_memory", new { content = "c", tags = new[] { "green" } });
        var tomorrow = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-dd");

        var any = await client.CallOkAsync("list_memories", new { tags = new[] { "red", "blue" } });
        var all = await client.CallOkAsync("list_memories", new { tags = new[] { "red", "blue" }, tag_match = "all" });
        var future = await client.CallOkAsync("list_memories", new { since = tomorrow });
        var past = await client.CallOkAsync("list_memories", new { until = tomorrow });

        Assert.Equal(new[] { both, red }.Order(), Ids(any, "memories").Order());
        Assert.Equal([both], Ids(all, "memories"));
        Assert.Empty(Ids(future, "memories"));
        Assert.Equal(3, Ids(past, "memories").Count);
    }

    [Fact]
    public async Task Stats_count_the_users_memories_and_list_users_pages_through_users()
    {
        await using var server = McpServerHost.Start();
        foreach (var user in new[] { "ann", "ben", "cat" })
        {
            await using var each = await server.ConnectAsync(user: user);
            await each.CallOkAsync("store_memory", new { content = $"{user}'s note", tags = new[] { "t" } });
        }

        await using var client = await server.ConnectAsync(user: "ann");
        await client.CallOkAsync("store_memory", new { content = "second note" });

        var stats = await client.CallOkAsync("get_user_stats");
        var firstPage = await client.CallOkAsync("list_users", new { limit = 2 });
        var secondPage = await client.CallOkAsync("list_users", new { limit = 2, cursor = firstPage.NextCursor() });

        Assert.Equal("ann", stats.GetProperty("user").GetString());
        Assert.Equal(2, stats.GetProperty("memoryCount").GetInt32());
        Assert.Equal(1, stats.GetProperty("tags").GetProperty("t").GetInt32());
        Assert.Equal(3, firstPage.GetProperty("totalUsers").GetInt32());
        Assert.Equal(["ann", "ben"], firstPage.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("user").GetString()));
        Assert.Equal(["cat"], secondPage.GetProperty("users").EnumerateArray().Select(u => u.GetProperty("user").GetString()));
        Assert.Null(secondPage.NextCursor());
    }

    [Fact]
    public async Task Memories_are_listable_and_readable_as_resources()
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync(user: "rita");
        var id = (await client.CallOkAsync("store_memory", new { content = "Resource body text", title = "As a resource" })).Id();

        var resources = await client.ListResourcesAsync(cancellationToken: TestContext.Current.CancellationToken);
        var read = await client.ReadResourceAsync($"memento://memories/{id}", cancellationToken: TestContext.Current.CancellationToken);

        var resource = Assert.Single(resources);
        Assert.Equal($"memento://memories/{id}", resource.Uri);
        Assert.Equal("As a resource", resource.Title);
        var text = Assert.IsType<TextResourceContents>(Assert.Single(read.Contents));
        Assert.Contains("Resource body text", text.Text);
    }

    public static TheoryData<string, string, string> BadCalls => new()
    {
        { "store_memory", """{"content":""}""", "'content' must not be empty" },
        { "store_memory", """{"content":"   "}""", "'content' must not be empty" },
        { "store_memory", """{"content":"x","metadata":{"a":{"b":1}}}""", "metadata" },
        { "store_memory", """{"content":"x","tags":["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q","r","s","t","u"]}""", "tags" },
        { "retrieve_memories", """{"query":""}""", "'query' must not be empty" },
        { "retrieve_memories", """{"query":"x","since":"last tuesday"}""", "ISO 8601" },
        { "retrieve_memories", """{"query":"x","limit":0}""", "'limit' must be between 1 and 50" },
        { "list_memories", """{"since":"2025-13-45"}""", "ISO 8601" },
        { "list_memories", """{"since":"2025-07-14","until":"2025-07-01"}""", "'since' must be earlier than 'until'" },
        { "list_memories", """{"since":"0001-01-01"}""", "between 1900-01-01 and 2999-12-31" },
        { "list_memories", """{"limit":1000}""", "'limit' must be between 1 and 100" },
        { "list_memories", """{"cursor":"not-a-cursor"}""", "cursor" },
        { "list_memories", """{"tag_match":"some"}""", "'tag_match' must be 'any' or 'all'" },
        { "get_memory_content", """{"memory_id":"20250101T000000000Z-doesnotexi"}""", "No memory with id" },
        { "get_memory_content", """{"memory_id":"../../etc/passwd"}""", "No memory with id" },
        { "get_memory_content", """{"memory_id":""}""", "'memory_id' must not be empty" },
        { "update_memory", """{"memory_id":"20250101T000000000Z-doesnotexi","title":"x"}""", "No memory with id" },
        { "delete_memory", """{"memory_id":"20250101T000000000Z-doesnotexi"}""", "No memory with id" },
        { "list_users", """{"cursor":"bogus"}""", "cursor" },
        { "list_trash", """{"cursor":"bogus"}""", "cursor" },
        { "list_trash", """{"limit":0}""", "'limit' must be between 1 and 100" },
        { "restore_memory", """{"memory_id":"20250101T000000000Z-doesnotexi"}""", "No memory with id" },
        { "restore_memory", """{"memory_id":""}""", "'memory_id' must not be empty" },
        { "store_memory", """{"content":"x","user":"../etc"}""", "not a valid user id" },
    };

    [Theory]
    [MemberData(nameof(BadCalls))]
    public async Task Bad_input_gets_a_plain_tool_error_the_model_can_act_on(string tool, string arguments, string expected)
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync();

        var error = await client.CallErrorAsync(tool, JsonSerializer.Deserialize<Dictionary<string, object?>>(arguments));

        Assert.Contains(expected, error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(server.StorageRoot, error);
        Assert.DoesNotContain("Exception", error);
    }

    [Fact]
    public async Task A_deleted_memory_is_listed_in_the_trash_and_restored_from_it()
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync(user: "alice");
        var id = (await client.CallOkAsync("store_memory", new { content = "Dana's offsite is in Lisbon", tags = new[] { "travel" } })).Id();
        await client.CallOkAsync("delete_memory", new { memory_id = id });

        var emptyForBob = await client.CallOkAsync("list_trash", new { user = "bob" });
        var trashResult = await client.CallAsync("list_trash");
        var trash = trashResult.StructuredContent!.Value;
        var restoredResult = await client.CallAsync("restore_memory", new { memory_id = id });
        var again = await client.CallOkAsync("restore_memory", new { memory_id = id });
        var afterwards = await client.CallOkAsync("list_trash");
        var read = await client.CallOkAsync("get_memory_content", new { memory_id = id });

        Assert.Empty(emptyForBob.GetProperty("memories").EnumerateArray());
        var item = Assert.Single(trash.GetProperty("memories").EnumerateArray());
        Assert.Equal(id, item.GetProperty("id").GetString());
        Assert.Equal("travel", item.GetProperty("tags")[0].GetString());
        Assert.True(item.GetProperty("purgeAfter").GetDateTimeOffset() > item.GetProperty("deleted").GetDateTimeOffset());
        Assert.StartsWith("1 memory in the trash:", McpCalls.Text(trashResult), StringComparison.Ordinal);
        Assert.True(restoredResult.StructuredContent!.Value.GetProperty("restored").GetBoolean());
        Assert.StartsWith($"Restored memory {id}", McpCalls.Text(restoredResult), StringComparison.Ordinal);
        Assert.False(again.GetProperty("restored").GetBoolean());
        Assert.Equal(id, again.Id());
        Assert.Empty(afterwards.GetProperty("memories").EnumerateArray());
        Assert.Equal("Dana's offsite is in Lisbon", read.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Update_needs_at_least_one_field()
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync();
        var id = (await client.CallOkAsync("store_memory", new { content = "x" })).Id();

        var error = await client.CallErrorAsync("update_memory", new { memory_id = id });

        Assert.Contains("at least one of content, title, tags or metadata", error);
    }

    [Fact]
    public async Task An_unknown_tool_is_a_protocol_error()
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync();

        await Assert.ThrowsAsync<McpProtocolException>(() => client.CallAsync("drop_all_tables"));
    }

    internal static List<string> Ids(JsonElement page, string property) =>
        [.. page.GetProperty(property).EnumerateArray().Select(e =>
            (e.TryGetProperty("memory", out var m) ? m : e).GetProperty("id").GetString()!)];

    private static async Task<(int Pages, List<string> Ids)> ReadAllPagesAsync(
        ModelContextProtocol.Client.McpClient client, string tool, string property, Dictionary<string, object?> arguments)
    {
        var ids = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var args = new Dictionary<string, object?>(arguments) { ["cursor"] = cursor };
            var page = await client.CallOkAsync(tool, args);
            ids.AddRange(Ids(page, property));
            cursor = page.NextCursor();
            pages++;
        }
        while (cursor is not null && pages < 20);

        return (pages, ids);
    }
}
