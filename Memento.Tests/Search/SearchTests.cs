using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Memento.Tests.Storage;

namespace Memento.Tests.Search;

public sealed class SearchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Words_in_any_order_and_inflections_find_the_memory_with_a_snippet()
    {
        using var env = new TestStore();
        var target = (await env.Store.StoreAsync("alice", new NewMemory("We held the budget review meeting about the Kubernetes cluster costs.", "Q3 review"), Ct)).Memory;
        await env.Store.StoreAsync("alice", new NewMemory("Recipe for tomato soup with basil."), Ct);
        await env.Store.StoreAsync("alice", new NewMemory("Notes on the kubernetes upgrade."), Ct);

        var shuffled = await env.Store.SearchAsync("alice", new SearchQuery("kubernetes budget review"), Ct);
        var inflected = await env.Store.SearchAsync("alice", new SearchQuery("meetings budgets"), Ct);

        Assert.Equal(target.Id, shuffled.Items[0].Memory.Id);
        Assert.Equal(target.Id, inflected.Items[0].Memory.Id);
        Assert.Contains("**", shuffled.Items[0].Snippet, StringComparison.Ordinal);
        Assert.True(shuffled.Items[0].Score > 0);
        Assert.DoesNotContain(shuffled.Items, h => h.Memory.Title.Contains("tomato", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Time_filters_and_equal_scores_hold_for_dates_far_from_today()
    {
        var time = new ManualTime(new DateTimeOffset(1750, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var env = new TestStore(time: time);
        var old = (await env.Store.StoreAsync("alice", new NewMemory("harbour ledger entry"), Ct)).Memory;
        time.Advance(TimeSpan.FromDays(365 * 340));
        var future = (await env.Store.StoreAsync("alice", new NewMemory("harbour ledger entry again"), Ct)).Memory;
        time.Advance(TimeSpan.FromDays(1));
        var newest = (await env.Store.StoreAsync("alice", new NewMemory("harbour ledger entry again!"), Ct)).Memory;

        var before1800 = await env.Store.SearchAsync("alice", new SearchQuery("harbour ledger", Until: new DateTimeOffset(1800, 1, 1, 0, 0, 0, TimeSpan.Zero)), Ct);
        var after1800 = await env.Store.SearchAsync("alice", new SearchQuery("harbour ledger", Since: new DateTimeOffset(1800, 1, 1, 0, 0, 0, TimeSpan.Zero)), Ct);
        var all = await env.Store.SearchAsync("alice", new SearchQuery("harbour ledger"), Ct);

        Assert.Equal([old.Id], before1800.Items.Select(h => h.Memory.Id));
        Assert.Equal([newest.Id, future.Id], after1800.Items.Select(h => h.Memory.Id));
        // Equal scores: the newest first.
        Assert.Equal(all.Items[1].Score, all.Items[2].Score);
        Assert.Equal([newest.Id, future.Id], all.Items.Skip(1).Select(h => h.Memory.Id));
    }

    [Fact]
    public async Task Filters_by_tag_and_time_window_express_last_week()
    {
        var time = new ManualTime(new DateTimeOffset(2025, 7, 1, 12, 0, 0, TimeSpan.Zero));
        using var env = new TestStore(time: time);
        for (var day = 0; day < 14; day++)
        {
            await env.Store.StoreAsync("alice", new NewMemory($"standup meeting day {day}", Tags: [day < 7 ? "sprint1" : "sprint2", "team"]), Ct);
            time.Advance(TimeSpan.FromDays(1));
        }

        var lastWeek = await env.Store.SearchAsync("alice", new SearchQuery("standup", Since: new DateTimeOffset(2025, 7, 8, 0, 0, 0, TimeSpan.Zero), Until: new DateTimeOffset(2025, 7, 15, 0, 0, 0, TimeSpan.Zero), Limit: 50), Ct);
        var sprint1 = await env.Store.SearchAsync("alice", new SearchQuery("standup", Tags: ["sprint1"], Limit: 50), Ct);
        var all = await env.Store.SearchAsync("alice", new SearchQuery("standup", Tags: ["sprint1", "team"], TagMatch: TagMatch.All, Limit: 50), Ct);

        Assert.Equal(7, lastWeek.Items.Count);
        Assert.All(lastWeek.Items, h => Assert.InRange(h.Memory.Created, new DateTimeOffset(2025, 7, 8, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 7, 15, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(7, sprint1.Items.Count);
        Assert.Equal(7, all.Items.Count);
    }

    [Fact]
    public async Task Pages_with_a_cursor_cover_every_hit_once()
    {
        using var env = new TestStore();
        for (var i = 0; i < 25; i++)
        {
            await env.Store.StoreAsync("alice", new NewMemory($"project phoenix status update {i}"), Ct);
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await env.Store.SearchAsync("alice", new SearchQuery("phoenix update", Limit: 10, Cursor: cursor), Ct);
            seen.AddRange(page.Items.Select(h => h.Memory.Id));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(25, seen.Distinct().Count());
    }

    [Theory]
    [InlineData("\"unbalanced")]
    [InlineData("NEAR(a b)")]
    [InlineData("title:secret OR content:*")]
    [InlineData("a AND OR NOT")]
    [InlineData("-x ^y {z}")]
    [InlineData("'; DROP TABLE memories; --")]
    public async Task Query_text_is_never_interpreted_as_fts_syntax(string text)
    {
        using var env = new TestStore();
        await env.Store.StoreAsync("alice", new NewMemory("a secret title about near things and tables"), Ct);

        var result = await env.Store.SearchAsync("alice", new SearchQuery(text), Ct);

        Assert.NotNull(result);
    }

    [Fact]
    public async Task Bad_queries_cursors_and_limits_are_validation_errors()
    {
        using var env = new TestStore();

        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.SearchAsync("alice", new SearchQuery("  ?! "), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.SearchAsync("alice", new SearchQuery("x", Cursor: "garbage!"), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.SearchAsync("alice", new SearchQuery("x", Limit: 0), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.ListAsync("alice", new ListQuery(Limit: 101), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.ListAsync("alice", new ListQuery(Cursor: "bm90IGEgY3Vyc29y"), Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => env.Store.ListAsync("alice", new ListQuery(Since: DateTimeOffset.UtcNow, Until: DateTimeOffset.UtcNow.AddDays(-1)), Ct));
    }

    [Fact]
    public void Fts_expression_quotes_every_word()
    {
        var match = FtsQuery.Build("Meetings about \"Kubernetes\" OR budget*");

        Assert.Equal("\"meetings\" OR \"kubernetes\" OR \"budget\"", match);
        Assert.Null(FtsQuery.Build("?!"));
    }
}
