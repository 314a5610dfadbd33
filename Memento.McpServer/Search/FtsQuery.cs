using System.Text;
using System.Text.RegularExpressions;

namespace Memento.McpServer.Search;

/// <summary>
/// Turns what a person types into a safe FTS5 MATCH expression. User text is never passed as FTS syntax:
/// it is split into words, each word is quoted and matched as a stemmed prefix, and the words are OR-ed
/// so BM25 ranks the memories holding most of them (in any order) first.
/// </summary>
internal static partial class FtsQuery
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
        var words = Word().Matches(text ?? "").Select(m => m.Value.ToLowerInvariant()).Distinct().Take(32).ToList();
        var meaningful = words.Where(w => !StopWords.Contains(w)).ToList();
        return meaningful.Count > 0 ? meaningful : words;
    }

    /// <summary>The MATCH expression, or null when the text holds no word at all.</summary>
    public static string? Build(string text)
    {
        var terms = Terms(text);
        if (terms.Count == 0)
        {
            return null;
        }

        var builder = new StringBuilder();
        foreach (var term in terms)
        {
            if (builder.Length > 0)
            {
                builder.Append(" OR ");
            }

            builder.Append('"').Append(term.Replace("\"", "\"\"", StringComparison.Ordinal)).Append("\"*");
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+", RegexOptions.CultureInvariant)]
    private static partial Regex Word();
}
