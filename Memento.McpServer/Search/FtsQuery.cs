using System.Text;

namespace Memento.McpServer.Search;

/// <summary>
/// Turns what a person types into a safe FTS5 MATCH expression. User text is never passed as FTS syntax:
/// it is split into words, each word is quoted (the porter tokenizer stems it, so "meetings" finds
/// "meeting"). The store asks first for memories holding every word, in any order, and only when none
/// does for memories holding any of them, ranked by BM25 so those with most of the words come first.
/// </summary>
internal static class FtsQuery
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "about", "an", "and", "are", "as", "at", "be", "by", "did", "do", "for", "from", "had", "has",
        "have", "i", "in", "is", "it", "its", "me", "my", "of", "on", "or", "our", "that", "the", "their",
        "this", "to", "was", "we", "were", "what", "when", "where", "which", "who", "with", "you", "your",
    };

    /// <summary>The words of a query, lower-cased, stop words dropped unless nothing else remains.</summary>
    public static IReadOnlyList<string> Terms(string text)
    {
        text ??= "";
        var words = WordSpans(text).Select(w => text.Substring(w.Start, w.Length).ToLowerInvariant()).Distinct().Take(32).ToList();
        var meaningful = words.Where(w => !StopWords.Contains(w)).ToList();
        return meaningful.Count > 0 ? meaningful : words;
    }

    /// <summary>The MATCH expression (every word, or any word), or null when the text holds no word at all.</summary>
    public static string? Build(string text, bool everyWord = false) => Build(Terms(text), everyWord);

    /// <summary>The MATCH expression over words from <see cref="Terms"/>, or null when there are none.</summary>
    public static string? Build(IReadOnlyList<string> terms, bool everyWord = false)
    {
        if (terms.Count == 0)
        {
            return null;
        }

        var builder = new StringBuilder();
        foreach (var term in terms)
        {
            if (builder.Length > 0)
            {
                builder.Append(everyWord ? " AND " : " OR ");
            }

            builder.Append('"').Append(term.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        }

        return builder.ToString();
    }

    /// <summary>The words of <paramref name="text"/>, as start and length: runs of letters and digits (what the index's tokenizer keeps too).</summary>
    internal static List<(int Start, int Length)> WordSpans(string text)
    {
        var words = new List<(int, int)>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && (char.IsLetter(text[i]) || char.IsNumber(text[i]));
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                words.Add((start, i - start));
                start = -1;
            }
        }

        return words;
    }
}
