using Memento.McpServer.Search;

namespace Memento.Tests.Search;

public sealed class SnippetTests
{
    [Theory]
    [InlineData("meeting", "meetings")]
    [InlineData("meeting", "Meeting")]
    [InlineData("budget", "budgets")]
    [InlineData("plan", "planning")]
    [InlineData("study", "studies")]
    [InlineData("release", "released")]
    [InlineData("release", "releases")]
    [InlineData("deploy", "deployment")]
    [InlineData("cafe", "café")]
    public void Inflected_forms_fold_to_the_same_word(string a, string b) => Assert.Equal(Snippets.Fold(a), Snippets.Fold(b));

    [Theory]
    [InlineData("budget", "bucket")]
    [InlineData("need", "ne")]
    [InlineData("note", "nothing")]
    public void Different_words_stay_apart(string a, string b) => Assert.NotEqual(Snippets.Fold(a), Snippets.Fold(b));

    [Fact]
    public void The_window_with_the_most_query_words_is_shown_with_each_found_word_marked()
    {
        var content = "Intro words that say nothing at all about the topic. " + string.Join(' ', Enumerable.Repeat("filler", 30))
            + " Then the budget review meetings for the kubernetes cluster happened on Friday. " + string.Join(' ', Enumerable.Repeat("tail", 30));

        var snippet = Snippets.Build("Title", content, ["meeting", "budget", "kubernetes"]);

        Assert.Contains("**budget**", snippet, StringComparison.Ordinal);
        Assert.Contains("**meetings**", snippet, StringComparison.Ordinal);
        Assert.Contains("**kubernetes**", snippet, StringComparison.Ordinal);
        Assert.StartsWith("…", snippet, StringComparison.Ordinal);
        Assert.EndsWith("…", snippet, StringComparison.Ordinal);
        Assert.DoesNotContain("Intro", snippet, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_content_is_shown_whole_on_one_line()
    {
        Assert.Equal("Call the **plumber**\nabout the leak.".Replace("\n", " ", StringComparison.Ordinal), Snippets.Build("t", "Call the plumber\nabout the leak.", ["plumber"]));
    }

    [Fact]
    public void A_match_only_in_the_title_shows_the_title_and_no_match_shows_the_start()
    {
        Assert.Equal("**Quarterly** plan", Snippets.Build("Quarterly plan", "Numbers and more numbers.", ["quarterly"]));
        Assert.Equal("Numbers and more numbers.", Snippets.Build("Quarterly plan", "Numbers and more numbers.", ["zebra"]));
    }
}
