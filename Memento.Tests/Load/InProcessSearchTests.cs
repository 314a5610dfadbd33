using System.Text.RegularExpressions;
using Memento.LoadTest.Workload;

namespace Memento.Tests.Load;

/// <summary>The load test's in-process search command measures real searches over the corpus it seeds.</summary>
public sealed partial class InProcessSearchTests
{
    [Fact]
    public async Task It_seeds_a_corpus_searches_it_and_prints_the_figures()
    {
        using var output = new StringWriter();

        await InProcessSearch.RunAsync(memories: 300, queries: 100, seed: 7, output, TestContext.Current.CancellationToken);

        var line = output.ToString();
        var match = Figures().Match(line);
        Assert.True(match.Success, line);
        Assert.Equal("100", match.Groups["n"].Value);
        // The queries are drawn from the corpus's own vocabulary: most find something.
        Assert.True(double.Parse(match.Groups["hits"].Value, System.Globalization.CultureInfo.InvariantCulture) > 1, line);
        // Two or three words seldom meet in one of 300 memories, a single word usually does: some queries, not all,
        // fall back to any word.
        Assert.InRange(int.Parse(match.Groups["any"].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 99);
    }

    [GeneratedRegex(@"300 memories of one user: median [0-9.]+ ms, p95 [0-9.]+ ms, mean [0-9.]+ ms, mean CPU [0-9.]+ ms/query \(n=(?<n>\d+)\); (?<hits>[0-9.]+) hits per query; (?<any>\d+)% found no memory with every word and searched for any word")]
    private static partial Regex Figures();
}
