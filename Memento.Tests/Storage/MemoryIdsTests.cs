using Memento.McpServer.Storage;

namespace Memento.Tests.Storage;

public sealed class MemoryIdsTests
{
    [Fact]
    public void Ids_made_in_the_same_millisecond_are_distinct_and_sort_in_the_order_they_were_made()
    {
        var now = new DateTimeOffset(2031, 5, 6, 7, 8, 9, 123, TimeSpan.Zero);
        var maker = new MemoryIds();

        var ids = Enumerable.Range(0, 1000).Select(_ => maker.Make(now)).ToList();

        Assert.Equal(ids, ids.Order(StringComparer.Ordinal));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(MemoryRules.IsValidId(id), id));
        Assert.All(ids, id => Assert.StartsWith("20310506T070809123Z-", id, StringComparison.Ordinal));
    }

    [Fact]
    public void Each_id_carries_the_instant_it_was_made_at()
    {
        var later = new DateTimeOffset(2031, 5, 6, 7, 8, 9, 124, TimeSpan.Zero);
        var earlier = later.AddSeconds(-5);

        Assert.StartsWith("20310506T070809124Z-", MemoryIds.New(later), StringComparison.Ordinal);
        Assert.StartsWith("20310506T070804124Z-", MemoryIds.New(earlier), StringComparison.Ordinal);
    }
}
