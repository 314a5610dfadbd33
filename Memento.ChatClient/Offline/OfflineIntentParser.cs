using System.Text.RegularExpressions;

namespace Memento.ChatClient.Offline;

/// <summary>
/// The offline engine's understanding: maps the common sentences (store, find, show, update, delete, list,
/// stats, help, with tags and time phrases) to one Memento tool call with its arguments. No model involved.
/// </summary>
public sealed partial class OfflineIntentParser(TimePhrases time)
{
    public const string HelpText = """
        I understand sentences like these:
        • remember: the wifi password is on the fridge  (store; add "tagged home, wifi" for tags)
        • find my notes about the budget from last week  (search)
        • list my memories tagged work this month  (list; also today, yesterday, 3 days ago, since March 1, in June)
        • show 01JD3W…  or  show the first one  (open a memory)
        • rename 01JD3W… to Budget review · tag it with finance · update it to say …
        • delete 01JD3W…  or  forget the note about the dentist
        • stats · who am I · help
        """;

    private static readonly HashSet<string> Filler =
    [
        "my", "me", "the", "a", "an", "any", "all", "some", "every", "of", "i", "did", "do", "have", "has",
        "note", "notes", "memory", "memories", "thing", "things", "stuff", "anything", "everything", "something",
        "about", "on", "regarding", "concerning", "for", "related", "to", "with", "mentioning", "that", "which",
        "what", "stored", "saved", "written", "wrote", "kept", "please", "there", "are", "is", "was", "were", "know",
        "say", "said", "write", "store", "save", "entries", "entry", "ones", "one", "in", "from", "where", "mention", "mentioned", "noted", "remembered", "remember", "it", "this", "them",
    ];

    /// <summary>Understands <paramref name="utterance"/>; <paramref name="recentIds"/> are memory ids from earlier answers, newest list first, for "it" and "the second one".</summary>
    public OfflineIntent Parse(string utterance, IReadOnlyList<string> recentIds)
    {
        var original = utterance.Trim();
        var text = original.ToLowerInvariant().TrimEnd('.', '!', '?', ' ');
        if (text.Length == 0)
        {
            return OfflineIntent.Say("Say something like \"remember: …\" or \"find my notes about …\". Type help for more.");
        }

        if (Help().IsMatch(text))
        {
            return OfflineIntent.Say(HelpText);
        }

        if (Greeting().IsMatch(text))
        {
            return OfflineIntent.Say("Hello! Tell me something to remember, or ask me to find a note. Type help for examples.");
        }

        if (Stats().IsMatch(text))
        {
            return OfflineIntent.Call("get_user_stats", new Dictionary<string, object?>());
        }

        if (Users().IsMatch(text))
        {
            return OfflineIntent.Call("list_users", new Dictionary<string, object?>());
        }

        if (Delete().Match(text) is { Success: true } delete)
        {
            var rest = delete.Groups["rest"].Value;
            if (FindId(original, rest, recentIds) is { } id)
            {
                return OfflineIntent.Call("delete_memory", new Dictionary<string, object?> { ["memory_id"] = id });
            }

            var search = Filters(rest, out var query);
            if (query.Length == 0)
            {
                return OfflineIntent.Say("Which memory should I delete? Give its id (find it first with \"find …\").");
            }

            search["query"] = query;
            return OfflineIntent.Call("retrieve_memories", Order(search), "delete");
        }

        if (Update().Match(text) is { Success: true } update)
        {
            return ParseUpdate(original, update, recentIds);
        }

        if (Store().Match(text) is { Success: true } store)
        {
            return ParseStore(original, store);
        }

        if (Show().Match(text) is { Success: true } show && FindId(original, show.Groups["rest"].Value, recentIds) is { } showId)
        {
            return OfflineIntent.Call("get_memory_content", new Dictionary<string, object?> { ["memory_id"] = showId });
        }

        if (Find().Match(text) is { Success: true } find)
        {
            var args = Filters(find.Groups["rest"].Value, out var query);
            if (query.Length == 0)
            {
                return OfflineIntent.Call("list_memories", Order(args));
            }

            args["query"] = query;
            return OfflineIntent.Call("retrieve_memories", Order(args));
        }

        if (List().Match(text) is { Success: true } list)
        {
            var args = Filters(list.Groups["rest"].Value, out var query);
            if (query.Length == 0)
            {
                return OfflineIntent.Call("list_memories", Order(args));
            }

            args["query"] = query;
            return OfflineIntent.Call("retrieve_memories", Order(args));
        }

        var fallback = Filters(text, out var words);
        if (words.Length == 0)
        {
            return fallback.Count > 0
                ? OfflineIntent.Call("list_memories", Order(fallback))
                : OfflineIntent.Say("I did not understand that. Type help for the sentences I know.");
        }

        fallback["query"] = words;
        return OfflineIntent.Call("retrieve_memories", Order(fallback));
    }

    private OfflineIntent ParseStore(string original, Match store)
    {
        var start = store.Groups["rest"].Index;
        var rest = original[start..].Trim();
        var args = new Dictionary<string, object?>();

        string content;
        var colon = rest.IndexOf(':', StringComparison.Ordinal);
        var descriptor = "";
        if (colon >= 0 && !UrlBeforeColon().IsMatch(rest[..(colon + 1)]))
        {
            descriptor = rest[..colon];
            content = rest[(colon + 1)..].Trim();
        }
        else
        {
            content = LeadingThat().Replace(rest, "").Trim();
        }

        var tags = new List<string>();
        if (TrailingTags().Match(content) is { Success: true } trailing)
        {
            tags.AddRange(SplitTags(trailing.Groups["tags"].Value));
            content = content[..trailing.Index].TrimEnd(' ', ',', ';');
        }

        if (DescriptorTags().Match(descriptor.ToLowerInvariant()) is { Success: true } descriptorTags)
        {
            tags.AddRange(SplitTags(descriptorTags.Groups["tags"].Value));
        }

        string? title = null;
        if (Titled().Match(descriptor.Length > 0 ? descriptor : content) is { Success: true } titled)
        {
            title = titled.Groups["title"].Value.Trim();
            if (descriptor.Length == 0)
            {
                content = content.Remove(titled.Index, titled.Length).Trim(' ', ',', ';');
            }
        }

        foreach (Match hashtag in Hashtag().Matches(content))
        {
            tags.Add(hashtag.Groups["tag"].Value.ToLowerInvariant());
        }

        if (content.Length == 0)
        {
            return OfflineIntent.Say("What should I store? Say it after a colon, e.g. \"remember: the car is on level 3\".");
        }

        args["content"] = content;
        if (title is not null)
        {
            args["title"] = title;
        }

        if (tags.Count > 0)
        {
            args["tags"] = tags.Distinct().ToList();
        }

        return OfflineIntent.Call("store_memory", args);
    }

    private static OfflineIntent ParseUpdate(string original, Match update, IReadOnlyList<string> recentIds)
    {
        var verb = update.Groups["verb"].Value;
        var rest = update.Groups["rest"].Value;
        var id = FindId(original, rest, recentIds);
        if (id is null)
        {
            return OfflineIntent.Say("Which memory should I change? Give its id, e.g. \"rename 01JD3W… to Budget\" (find it first with \"find …\").");
        }

        var originalRest = original[update.Groups["rest"].Index..];
        var args = new Dictionary<string, object?> { ["memory_id"] = id };
        if (verb is "tag" or "retag" || TagsTarget().IsMatch(rest))
        {
            var value = AfterKeyword().Match(rest);
            var list = value.Success ? value.Groups["value"].Value : "";
            var tags = SplitTags(TagsTarget().Replace(list, "")).ToList();
            if (tags.Count == 0)
            {
                return OfflineIntent.Say("Which tags? Say e.g. \"tag it with work, budget\".");
            }

            args["tags"] = tags;
            return OfflineIntent.Call("update_memory", args);
        }

        var valueMatch = AfterKeyword().Match(originalRest.ToLowerInvariant());
        if (!valueMatch.Success)
        {
            return OfflineIntent.Say("What should it say? E.g. \"update it to say …\" or \"rename it to …\".");
        }

        var newValue = originalRest[valueMatch.Groups["value"].Index..].Trim().Trim('"', '\'');
        if (verb is "rename" or "retitle" || TitleTarget().IsMatch(rest[..valueMatch.Index]))
        {
            args["title"] = newValue;
        }
        else
        {
            args["content"] = newValue;
        }

        return OfflineIntent.Call("update_memory", args);
    }

    /// <summary>Pulls tags, a time window and a count out of <paramref name="text"/>; what is left, without filler words, is the query.</summary>
    private Dictionary<string, object?> Filters(string text, out string query)
    {
        var args = new Dictionary<string, object?>();
        text = text.ToLowerInvariant();

        var (window, rest) = time.Extract(text);
        if (window?.Since is { } since)
        {
            args["since"] = TimePhrases.Format(since);
        }

        if (window?.Until is { } until)
        {
            args["until"] = TimePhrases.Format(until);
        }

        var tags = new List<string>();
        if (QueryTags().Match(rest) is { Success: true } tagged)
        {
            tags.AddRange(SplitTags(tagged.Groups["tags"].Value));
            rest = rest.Remove(tagged.Index, tagged.Length);
        }

        foreach (Match hashtag in Hashtag().Matches(rest))
        {
            tags.Add(hashtag.Groups["tag"].Value);
        }

        rest = Hashtag().Replace(rest, " ");
        if (tags.Count > 0)
        {
            args["tags"] = tags.Distinct().ToList();
        }

        if (Count().Match(rest) is { Success: true } count)
        {
            args["limit"] = TimePhrases.ParseNumber(count.Groups["n"].Value);
            rest = rest.Remove(count.Index, count.Length);
        }

        var words = Words().Matches(rest).Select(m => m.Value).ToList();
        while (words.Count > 0 && Filler.Contains(words[0]))
        {
            words.RemoveAt(0);
        }

        while (words.Count > 0 && Filler.Contains(words[^1]))
        {
            words.RemoveAt(words.Count - 1);
        }

        query = string.Join(' ', words);
        return args;
    }

    private static string? FindId(string original, string rest, IReadOnlyList<string> recentIds)
    {
        foreach (Match token in IdToken().Matches(original))
        {
            var value = token.Value;
            if (recentIds.Contains(value) || (value.Count(char.IsDigit) >= 2 && !IsoDate().IsMatch(value)))
            {
                return value;
            }
        }

        if (recentIds.Count == 0)
        {
            return null;
        }

        var reference = Reference().Match(rest);
        if (!reference.Success)
        {
            return null;
        }

        var index = reference.Groups["ord"].Value switch
        {
            "second" or "2nd" => 1,
            "third" or "3rd" => 2,
            "fourth" or "4th" => 3,
            "fifth" or "5th" => 4,
            "" when reference.Groups["n"].Success => int.Parse(reference.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture) - 1,
            _ => 0,
        };
        return index >= 0 && index < recentIds.Count ? recentIds[index] : null;
    }

    private static IEnumerable<string> SplitTags(string list) =>
        TagSplit().Split(list)
            .Select(t => t.Trim().TrimStart('#').Trim('.', ',', ';', '"', '\'', ')', '(').ToLowerInvariant())
            .Where(t => TagWord().IsMatch(t));

    /// <summary>Arguments in the order the tools declare them, so logs and tests read the same way.</summary>
    private static Dictionary<string, object?> Order(Dictionary<string, object?> args)
    {
        string[] order = ["query", "tags", "since", "until", "limit"];
        return args.OrderBy(p => Array.IndexOf(order, p.Key) is var i && i < 0 ? int.MaxValue : i)
            .ToDictionary(p => p.Key, p => p.Value);
    }

    [GeneratedRegex(@"^(?:help|\?|h|menu|commands|what can you do|how does this work|what do you understand)$")]
    private static partial Regex Help();

    [GeneratedRegex(@"^(?:hi|hello|hey|good (?:morning|afternoon|evening)|thanks|thank you)\b")]
    private static partial Regex Greeting();

    [GeneratedRegex(@"^(?:(?:show |get |give me )?(?:my )?(?:stats|statistics|usage)|how many (?:memories|notes) (?:do i have|have i (?:got|stored|saved))|how much (?:have i stored|do i have)|(?:stats|statistics) please)$")]
    private static partial Regex Stats();

    [GeneratedRegex(@"^(?:list|show)(?: me)?(?: all)?(?: the)? users|^who (?:else )?(?:uses|is using) (?:memento|this)")]
    private static partial Regex Users();

    [GeneratedRegex(@"^(?:please\s+|can you\s+|could you\s+)?(?<verb>delete|forget|remove|erase|trash|discard)\b(?<rest>.*)$")]
    private static partial Regex Delete();

    [GeneratedRegex(@"^(?:please\s+|can you\s+|could you\s+)?(?<verb>update|change|edit|rename|retitle|retag|tag|modify|replace|set)\b(?<rest>.*)$")]
    private static partial Regex Update();

    [GeneratedRegex(@"^(?:please\s+|can you\s+|could you\s+)?(?:store|remember|save|note down|note|keep|memorize|memorise|jot down|record|add a note|make a note|take a note)\b[,]?(?<rest>.*)$")]
    private static partial Regex Store();

    [GeneratedRegex(@"^(?:please\s+|can you\s+|could you\s+)?(?:show|open|read|display|get|view|see)\b(?<rest>.*)$")]
    private static partial Regex Show();

    [GeneratedRegex(@"^(?:please\s+|can you\s+|could you\s+)?(?:find|search(?:\s+for)?|look\s+for|look\s+up|lookup|recall|retrieve|what\s+did\s+i\s+(?:say|write|note|store|save|remember|keep)|what\s+do\s+i\s+(?:know|have)|what\s+(?:notes|memories)\s+do\s+i\s+have|do\s+i\s+have|have\s+i\s+(?:stored|saved|written|noted)|is\s+there|are\s+there|anything)\b(?<rest>.*)$")]
    private static partial Regex Find();

    [GeneratedRegex(@"^(?:please\s+|can you\s+|could you\s+)?(?:list|show|display|give\s+me|what\s+are|browse|all)\b(?<rest>.*)$")]
    private static partial Regex List();

    [GeneratedRegex(@"^\s*(?:that|this|the following)\b[:,]?\s*", RegexOptions.IgnoreCase)]
    private static partial Regex LeadingThat();

    [GeneratedRegex(@"https?:$|\b\d{1,2}:$")]
    private static partial Regex UrlBeforeColon();

    [GeneratedRegex(@"(?:[,;.]\s*|\s+)\(?(?:tagged(?:\s+with)?|tags?:|with\s+(?:the\s+)?tags?)\s+(?<tags>#?[\w.-]+(?:\s*(?:,|and|&)\s*#?[\w.-]+)*)\)?\.?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex TrailingTags();

    [GeneratedRegex(@"\b(?:tagged(?:\s+with)?|with\s+(?:the\s+)?tags?|tags?)\s+(?<tags>#?[\w.-]+(?:\s*(?:,|and|&)\s*#?[\w.-]+)*)")]
    private static partial Regex DescriptorTags();

    [GeneratedRegex(@"\b(?:tagged(?:\s+with)?|with\s+(?:the\s+)?tags?|with\s+tag|tags?:?)\s+(?<tags>#?[a-z0-9][\w.-]*(?:\s*(?:,|and|or|&)\s*#?[a-z0-9][\w.-]*)*)")]
    private static partial Regex QueryTags();

    [GeneratedRegex(@"\b(?:titled|called|named|with\s+(?:the\s+)?title)\s+[""'“](?<title>[^""'”]+)[""'”]", RegexOptions.IgnoreCase)]
    private static partial Regex Titled();

    [GeneratedRegex(@"(?<![\w&])#(?<tag>[A-Za-z][\w.-]*)")]
    private static partial Regex Hashtag();

    [GeneratedRegex(@"\b(?:(?:last|latest|recent|newest|top|first)\s+(?<n>\d+|two|three|four|five|six|seven|eight|nine|ten|twelve)|(?<n>\d+|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+(?:latest|most\s+recent|newest|recent|last))\b")]
    private static partial Regex Count();

    [GeneratedRegex(@"[\w'.-]+")]
    private static partial Regex Words();

    [GeneratedRegex(@"(?<![\w-])[0-9A-Za-z][0-9A-Za-z_-]{5,}(?![\w-])")]
    private static partial Regex IdToken();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$")]
    private static partial Regex IsoDate();

    [GeneratedRegex(@"^\s*(?:the\s+(?:title|tags?|content|text)\s+(?:of|on)\s+)?(?:(?:memory|note)\s+)?(?:it|that\s+one|this\s+one|that|this|the\s+(?<ord>first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|last|latest)(?:\s+one)?|(?:number|no\.?|#)\s*(?<n>\d+))\b")]
    private static partial Regex Reference();

    [GeneratedRegex(@"\s*(?:,|\band\b|\bor\b|&)\s*")]
    private static partial Regex TagSplit();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9._-]*$")]
    private static partial Regex TagWord();

    [GeneratedRegex(@"\b(?:the\s+)?tags?\b(?:\s+of)?")]
    private static partial Regex TagsTarget();

    [GeneratedRegex(@"\b(?:the\s+)?title\b")]
    private static partial Regex TitleTarget();

    [GeneratedRegex(@"(?:\s+(?:to\s+say|to\s+read|to|with|as|into)\s+|\s*:\s*)(?<value>.+)$")]
    private static partial Regex AfterKeyword();
}
