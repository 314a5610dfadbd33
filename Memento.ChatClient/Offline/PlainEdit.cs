using System.Text.RegularExpressions;

namespace Memento.ChatClient.Offline;

/// <summary>
/// "change X to Y" applied to a memory's content, touching only that part: the words X where they appear,
/// or, for "the beta date" / "the standup time" / "the budget number", the date, time or number on the
/// line that mentions "beta", "standup" or "budget".
/// </summary>
public static partial class PlainEdit
{
    /// <summary>The edited content and the exact text that was replaced, or null when <paramref name="from"/> is not found.</summary>
    public static (string Content, string Replaced)? Apply(string content, string from, string to)
    {
        var target = from.Trim().Trim('"', '\'', '“', '”');
        if (target.Length == 0)
        {
            return null;
        }

        var literal = content.IndexOf(target, StringComparison.OrdinalIgnoreCase);
        if (literal >= 0)
        {
            var found = content.Substring(literal, target.Length);
            return (content.Replace(found, to, StringComparison.Ordinal), found);
        }

        if (Kinded().Match(target.ToLowerInvariant()) is not { Success: true } kinded)
        {
            return null;
        }

        var value = kinded.Groups["kind"].Value switch
        {
            "date" or "day" or "deadline" => DateValue(),
            "time" => TimeValue(),
            _ => NumberValue(),
        };
        var keywords = kinded.Groups["what"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var offset = 0;
        foreach (var line in content.Split('\n'))
        {
            var at = keywords.Select(k => line.IndexOf(k, StringComparison.OrdinalIgnoreCase)).DefaultIfEmpty(-1).Min();
            if (keywords.All(k => line.Contains(k, StringComparison.OrdinalIgnoreCase)))
            {
                // The value nearest after the keyword, else the nearest before it.
                var matches = value.Matches(line).ToList();
                var pick = matches.FirstOrDefault(m => m.Index >= at) ?? matches.LastOrDefault();
                if (pick is not null)
                {
                    var start = offset + pick.Index;
                    return (content[..start] + to + content[(start + pick.Length)..], pick.Value);
                }
            }

            offset += line.Length + 1;
        }

        return null;
    }

    [GeneratedRegex(@"^(?:the\s+|my\s+|our\s+)?(?<what>[\w-]+(?:\s+[\w-]+)?)\s+(?<kind>date|day|deadline|time|number|price|amount|cost|count|figure|percentage)$")]
    private static partial Regex Kinded();

    [GeneratedRegex(@"\b(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*(?:\s+\d{4})?|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}(?:/\d{2,4})?|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b", RegexOptions.IgnoreCase)]
    private static partial Regex DateValue();

    [GeneratedRegex(@"\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\b\d{1,2}:\d{2}\b", RegexOptions.IgnoreCase)]
    private static partial Regex TimeValue();

    [GeneratedRegex(@"[$€£]?\d+(?:[.,]\d+)*\s*%?")]
    private static partial Regex NumberValue();
}
