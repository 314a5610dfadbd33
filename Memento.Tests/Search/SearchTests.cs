using Memento.McpServer.Search;

namespace Memento.Tests.Search;

/// <summary>The query builder; what every provider does with a query is in <c>MemoryStoreContract</c>.</summary>
public sealed class SearchTests
{
    [Fact]
    public void Fts_expression_quotes_every_word()
    {
        var match = FtsQuery.Build("Meetings about \"Kubernetes\" OR budget*");

        Assert.Equal("\"meetings\" OR \"kubernetes\" OR \"budget\"", match);
        Assert.Null(FtsQuery.Build("?!"));
    }
}
