using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Memento.McpServer.Search;

/// <summary>
/// The snippet of a search hit: the stretch of about <see cref="Words"/> words of the content that holds
/// the most of the query's words, each found word in <c>**bold**</c>, with "…" where text was cut.
/// It is built here from the top hits' text rather than by FTS5's <c>snippet()</c>, which re-runs the
/// whole MATCH for every hit (most of a search's time for common words). Ranking stays FTS5's: this
/// only marks the words, with a light suffix folding ("meetings", "meeting" and "meet" mark each other)
/// close to the porter stemmer the index uses.
/// </summary>
internal static class Snippets
{
    public const int Words = 16;
    private const string Mark = "**";
    private const string Ellipsis = "…";

    /// <summary>The snippet from <paramref name="content"/>, else from <paramref name="title"/>, for the query <paramref name="terms"/>.</summary>
    public static string Build(string title, string content, IReadOnlyList<string> terms)
    {
        var stems = terms.Select(Fold).ToHashSet(StringComparer.Ordinal);
        if ((TryBuild(content, stems) ?? TryBuild(title, stems)) is { } snippet)
        {
            return snippet;
        }

        var tokens = Tokens(content);
        return Window(content, tokens, new bool[tokens.Count], 0);
    }

    /// <summary>A word reduced for comparison: lower case, without diacritics, common English endings removed.</summary>
    public static string Fold(string word)
    {
        var text = RemoveDiacritics(word.ToLowerInvariant());
        foreach (var (suffix, replacement) in Suffixes)
        {
            if (text.Length - suffix.Length >= 3 && text.EndsWith(suffix, StringComparison.Ordinal))
            {
                text = text[..^suffix.Length] + replacement;
                // "planning" -> "plann" -> "plan", "stopped" -> "stopp" -> "stop"
                if (replacement.Length == 0 && text.Length >= 4 && text[^1] == text[^2] && text[^1] is not ('l' or 's' or 'z'))
                {
                    text = text[..^1];
                }

                break;
            }
        }

        // "release", "released" and "releases" all end up as "releas".
        return text.Length > 4 && text[^1] == 'e' ? text[..^1] : text;
    }

    private static readonly (string Suffix, string Replacement)[] Suffixes =
    [
        ("ingly", ""), ("ings", ""), ("ing", ""), ("ies", "y"), ("ied", "y"), ("edly", ""), ("ments", ""), ("ment", ""),
        ("ers", ""), ("er", ""), ("es", ""), ("ed", ""), ("ly", ""), ("s", ""),
    ];

    private static string? TryBuild(string text, HashSet<string> stems)
    {
        var tokens = Tokens(text);
        if (tokens.Count == 0)
        {
            return null;
        }

        var folded = tokens.Select(t => Fold(t.Value)).ToArray();
        var matched = folded.Select(stems.Contains).ToArray();
        if (!matched.Contains(true))
        {
            return null;
        }

        // The window with the most distinct query words, then the most matches, then the earliest.
        var best = 0;
        var bestScore = (-1, -1);
        for (var start = 0; start < tokens.Count; start++)
        {
            if (!matched[start] && start != 0)
            {
                continue;
            }

            var end = Math.Min(tokens.Count, start + Words);
            var distinct = new HashSet<string>(StringComparer.Ordinal);
            var count = 0;
            for (var i = start; i < end; i++)
            {
                if (matched[i])
                {
                    distinct.Add(folded[i]);
                    count++;
                }
            }

            if ((distinct.Count, count).CompareTo(bestScore) > 0)
            {
                bestScore = (distinct.Count, count);
                best = start;
            }
        }

        // Start a little before the first match, so the words that lead to it are shown.
        var first = Math.Max(0, Math.Min(best - 2, tokens.Count - Words));
        return Window(text, tokens, matched, first);
    }

    private static string Window(string text, List<Match> tokens, bool[] matched, int first)
    {
        if (tokens.Count == 0)
        {
            return "";
        }

        var last = Math.Min(tokens.Count, first + Words) - 1;
        var builder = new StringBuilder();
        if (first > 0)
        {
            builder.Append(Ellipsis);
        }

        for (var i = first; i <= last; i++)
        {
            if (i > first)
            {
                var gap = text.AsSpan(tokens[i - 1].Index + tokens[i - 1].Length, tokens[i].Index - tokens[i - 1].Index - tokens[i - 1].Length);
                AppendCollapsed(builder, gap);
            }

            var word = tokens[i].Value;
            if (matched[i])
            {
                builder.Append(Mark).Append(word).Append(Mark);
            }
            else
            {
                builder.Append(word);
            }
        }

        var tail = text.AsSpan(tokens[last].Index + tokens[last].Length);
        if (last < tokens.Count - 1)
        {
            builder.Append(Ellipsis);
        }
        else if (tail.Trim().Length > 0)
        {
            AppendCollapsed(builder, tail.TrimEnd());
        }

        return builder.ToString();
    }

    private static void AppendCollapsed(StringBuilder builder, ReadOnlySpan<char> gap)
    {
        var space = false;
        foreach (var c in gap)
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c);
        }

        if (space)
        {
            builder.Append(' ');
        }
    }

    private static List<Match> Tokens(string text) => [.. FtsQuery.Word().Matches(text).Cast<Match>()];

    private static string RemoveDiacritics(string text)
    {
        if (text.All(char.IsAscii))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        foreach (var c in text.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                builder.Append(c);
            }
        }

        return builder.ToString().Normalize(NormalizationForm.FormC);
    }
}
