using System.Globalization;
using System.Text.RegularExpressions;

namespace Memento.ChatClient.Offline;

/// <summary>One memory an earlier answer showed: its id, and its title and snippet for "the one about Dana".</summary>
public sealed record RecentMemory(string Id, string Title, string? Snippet = null);

/// <summary>
/// What earlier answers in the conversation showed, for follow-ups: the last list in the order it was shown
/// ("the second one", "2nd", "the one about Dana"), the last single memory shown, stored or changed
/// ("it", "that note"), the memories deleted last ("undo", "restore it"), and the memories a question
/// is waiting for a yes to delete.
/// </summary>
public sealed record RecentMemories(
    IReadOnlyList<RecentMemory> LastList,
    string? LastMemoryId = null,
    IReadOnlyList<string>? LastDeleted = null,
    IReadOnlyList<string>? AwaitingDelete = null)
{
    public static readonly RecentMemories None = new([]);

    /// <summary>Ids only, newest list first: the shape earlier callers passed.</summary>
    public static RecentMemories FromIds(IReadOnlyList<string> ids) => new([.. ids.Select(id => new RecentMemory(id, ""))]);

    public IReadOnlyList<string> Deleted => LastDeleted ?? [];

    public IReadOnlyList<string> Awaiting => AwaitingDelete ?? [];
}

/// <summary>How a reference in a sentence resolved: one memory, several (by position), or why not.</summary>
public sealed record Resolved(IReadOnlyList<RecentMemory> Memories, bool ByPosition, string? Problem)
{
    public static Resolved Nothing { get; } = new([], false, null);

    public bool Found => Memories.Count > 0;

    public string? Id => Memories.Count > 0 ? Memories[0].Id : null;
}

/// <summary>Resolves "the second one", "2nd", "number 3", "the last one", "them", "the one about Dana", "it", "that note" and explicit ids.</summary>
public static partial class References
{
    private static readonly string[] Ordinals = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"];

    /// <summary>
    /// The memory or memories <paramref name="text"/> (lower case) points at, or <see cref="Resolved.Nothing"/>
    /// when it holds no reference. <paramref name="original"/> is the sentence as typed, for ids.
    /// </summary>
    public static Resolved Resolve(string original, string text, RecentMemories recent)
    {
        foreach (Match token in IdToken().Matches(original))
        {
            var value = token.Value;
            if (recent.LastList.Any(m => m.Id == value) || value == recent.LastMemoryId || recent.Deleted.Contains(value)
                || (value.Count(char.IsDigit) >= 2 && !IsoDate().IsMatch(value) && !Ordinal().IsMatch(value)))
            {
                return new Resolved([Find(recent, value)], false, null);
            }
        }

        if (All().Match(text) is { Success: true })
        {
            return recent.LastList.Count > 0
                ? new Resolved(recent.LastList, true, null)
                : new Resolved([], true, NoList);
        }

        if (FirstN().Match(text) is { Success: true } firstN)
        {
            var n = TimePhrases.ParseNumber(firstN.Groups["n"].Value);
            return Pick(recent, Enumerable.Range(0, n), firstN.Groups["end"].Success);
        }

        if (Ordinal().Match(text) is { Success: true } ordinal)
        {
            var word = ordinal.Groups["ord"].Value;
            if (word is "last" or "latest")
            {
                return recent.LastList.Count > 0 ? new Resolved([recent.LastList[^1]], true, null) : new Resolved([], true, NoList);
            }

            var index = Array.IndexOf(Ordinals, word);
            if (index < 0)
            {
                index = int.Parse(Digits().Match(word).Value, CultureInfo.InvariantCulture) - 1;
            }

            return Pick(recent, [index], false);
        }

        if (Numbered().Match(text) is { Success: true } numbered)
        {
            return Pick(recent, [int.Parse(numbered.Groups["n"].Value, CultureInfo.InvariantCulture) - 1], false);
        }

        if (About().Match(text) is { Success: true } about)
        {
            var words = Words().Matches(about.Groups["about"].Value).Select(m => m.Value).Where(w => w is not ("the" or "a" or "an" or "my")).ToList();
            var matches = recent.LastList.Where(m => words.All(w => Mentions(m, w))).ToList();
            var what = string.Join(' ', words);
            // Nothing listed is about it: the caller searches for it instead.
            return matches.Count switch
            {
                0 => Resolved.Nothing,
                1 => new Resolved(matches, false, null),
                _ => new Resolved([], false, $"{matches.Count} of the memories I last listed are about \"{what}\": {string.Join(", ", matches.Select(m => "\"" + m.Title + "\""))}. Say which one, e.g. \"the first one\"."),
            };
        }

        if (Pronoun().Match(text) is { Success: true } pronoun)
        {
            // "that meeting note" is the listed one whose title or text says "meeting", when exactly one does.
            var words = Words().Matches(pronoun.Groups["what"].Value).Select(m => m.Value).Where(w => w is not ("note" or "notes" or "memory" or "one" or "summary")).ToList();
            if (words.Count > 0 && recent.LastList.Where(m => words.All(w => Mentions(m, w))).ToList() is [var only])
            {
                return new Resolved([only], false, null);
            }

            if (recent.LastMemoryId is { } last)
            {
                return new Resolved([Find(recent, last)], false, null);
            }

            // After a list of several, "it" is its first one: a pick by position, so a delete of it asks first.
            return recent.LastList.Count switch
            {
                0 => new Resolved([], false, null),
                1 => new Resolved([recent.LastList[0]], false, null),
                _ => new Resolved([recent.LastList[0]], true, null),
            };
        }

        return Resolved.Nothing;
    }

    /// <summary>Whether <paramref name="text"/> points at something at all (so a failed resolution is said, not searched).</summary>
    public static bool HasReference(string text) =>
        All().IsMatch(text) || FirstN().IsMatch(text) || Ordinal().IsMatch(text) || Numbered().IsMatch(text) || About().IsMatch(text) || Pronoun().IsMatch(text);

    private const string NoList = "I have not listed any memories in this conversation yet, so I do not know which one you mean. Ask me to find or list some first (\"find …\", \"list my notes\").";

    private static Resolved Pick(RecentMemories recent, IEnumerable<int> indexes, bool fromEnd)
    {
        var list = recent.LastList;
        if (list.Count == 0)
        {
            return new Resolved([], true, NoList);
        }

        var wanted = indexes.ToList();
        var picked = new List<RecentMemory>();
        foreach (var index in wanted)
        {
            var at = fromEnd ? list.Count - 1 - index : index;
            if (at < 0 || at >= list.Count)
            {
                var which = wanted.Count == 1 ? Ordinals.ElementAtOrDefault(index) ?? $"number {index + 1}" : $"{wanted.Count}";
                var had = list.Count == 1 ? $"only 1 memory (\"{list[0].Title}\")" : $"only {list.Count} memories";
                return new Resolved([], true, $"The last list had {had}, so there is no {which} one. Say \"the first one\"{(list.Count > 1 ? $" to \"the {Ordinals.ElementAtOrDefault(list.Count - 1) ?? "last"} one\"" : "")}, or find others with \"find …\".");
            }

            picked.Add(list[at]);
        }

        return new Resolved(picked, true, null);
    }

    private static RecentMemory Find(RecentMemories recent, string id) =>
        recent.LastList.FirstOrDefault(m => m.Id == id) ?? new RecentMemory(id, "");

    private static bool Mentions(RecentMemory memory, string word) =>
        memory.Title.Contains(word, StringComparison.OrdinalIgnoreCase) || (memory.Snippet?.Contains(word, StringComparison.OrdinalIgnoreCase) ?? false);

    [GeneratedRegex(@"(?<![\w-])[0-9A-Za-z][0-9A-Za-z_-]{5,}(?![\w-])")]
    private static partial Regex IdToken();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$")]
    private static partial Regex IsoDate();

    [GeneratedRegex(@"\b(?:all\s+(?:of\s+)?(?:them|these|those|(?:the\s+)?(?:two|three|four|five|\d+))|them(?:\s+all)?|these|those|both(?:\s+of\s+them)?|every\s+one\s+of\s+them)\b")]
    private static partial Regex All();

    [GeneratedRegex(@"\bthe\s+(?:(?<start>first)|(?<end>last))\s+(?<n>two|three|four|five|\d)\b(?!\s*(?:days?|weeks?|months?|years?))")]
    private static partial Regex FirstN();

    [GeneratedRegex(@"(?<!\d\s*)\b(?<ord>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|latest|1st|2nd|3rd|[4-9]th|10th)\b(?!\s*(?:days?|weeks?|months?|years?|nights?|time|notes|memories|entries|few|couple|of\b|\d|two|three|four|five|six|seven|eight|nine|ten))(?:\s+(?:one|note|memory|item|result|entry)\b)?")]
    private static partial Regex Ordinal();

    [GeneratedRegex(@"(?:\b(?:number|no\.?|item|result)\s*|#|^\s*)(?<n>\d{1,2})\s*$|\b(?:number|no\.|item|result)\s*(?<n>\d{1,2})\b")]
    private static partial Regex Numbered();

    [GeneratedRegex(@"\b(?:the\s+)?(?:one|note|memory|entry)\s+(?:about|on|with|mentioning|regarding|titled|called)\s+(?<about>[\w'.\s-]+?)\s*$")]
    private static partial Regex About();

    [GeneratedRegex(@"\b(?:it|that\s+one|this\s+one|(?:that|this)\s+(?<what>(?:[\w-]+\s+){0,2}(?:note|memory|one|summary))|(?:that|this)(?!\s+(?:week|month|year|morning|afternoon|evening|weekend|quarter|time)))\b")]
    private static partial Regex Pronoun();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Digits();

    [GeneratedRegex(@"[\w'.-]+")]
    private static partial Regex Words();
}
