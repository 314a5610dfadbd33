using System.Globalization;
using System.Numerics;
using System.Text;

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
        // At most 32 (a query keeps no more words): a window counts the distinct ones found as bits of a uint.
        var stems = terms.Select(Fold).Distinct(StringComparer.Ordinal).Take(32).ToArray();
        return TryBuild(content, stems) ?? TryBuild(title, stems) ?? Window(content, FtsQuery.WordSpans(content), null, 0);
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

    private static string? TryBuild(string text, string[] stems)
    {
        var tokens = FtsQuery.WordSpans(text);
        // For each word, the query word it folds to, or -1.
        var matched = new int[tokens.Count];
        var any = false;
        for (var i = 0; i < tokens.Count; i++)
        {
            matched[i] = Find(text.AsSpan(tokens[i].Start, tokens[i].Length), stems);
            any |= matched[i] >= 0;
        }

        if (!any)
        {
            return null;
        }

        // The window with the most distinct query words, then the most matches, then the earliest.
        var best = 0;
        var bestScore = (-1, -1);
        for (var start = 0; start < tokens.Count; start++)
        {
            if (matched[start] < 0 && start != 0)
            {
                continue;
            }

            var end = Math.Min(tokens.Count, start + Words);
            var found = 0u;
            var count = 0;
            for (var i = start; i < end; i++)
            {
                if (matched[i] >= 0)
                {
                    found |= 1u << matched[i];
                    count++;
                }
            }

            if ((BitOperations.PopCount(found), count).CompareTo(bestScore) > 0)
            {
                bestScore = (BitOperations.PopCount(found), count);
                best = start;
            }
        }

        // Start a little before the first match, so the words that lead to it are shown.
        var first = Math.Max(0, Math.Min(best - 2, tokens.Count - Words));
        return Window(text, tokens, matched, first);
    }

    /// <summary>The index of the stem <paramref name="word"/> folds to, or -1.</summary>
    private static int Find(ReadOnlySpan<char> word, string[] stems)
    {
        // Folding lower-cases, removes diacritics and cuts an ending (adding at most a "y"), so a plain ASCII
        // word that folds to a stem starts with all of that stem but its last letter: most words of a text
        // are ruled out by that before they are folded.
        var ascii = Ascii.IsValid(word);
        string? folded = null;
        for (var s = 0; s < stems.Length; s++)
        {
            var stem = stems[s];
            if (ascii && !word.StartsWith(stem.AsSpan(0, stem.Length - 1), StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            folded ??= Fold(word.ToString());
            if (folded == stem)
            {
                return s;
            }
        }

        return -1;
    }

    private static string Window(string text, List<(int Start, int Length)> tokens, int[]? matched, int first)
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
                var end = tokens[i - 1].Start + tokens[i - 1].Length;
                AppendCollapsed(builder, text.AsSpan(end, tokens[i].Start - end));
            }

            var word = text.AsSpan(tokens[i].Start, tokens[i].Length);
            if (matched is not null && matched[i] >= 0)
            {
                builder.Append(Mark).Append(word).Append(Mark);
            }
            else
            {
                builder.Append(word);
            }
        }

        var tail = text.AsSpan(tokens[last].Start + tokens[last].Length);
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
