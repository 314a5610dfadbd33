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
        • show the second one · open the 2nd · show the one about Dana · show it  (after a list)
        • change Oct 3 to Oct 10 in that note · change the beta date in it to Oct 10
        • rename it to Budget review · tag it with finance · update it to say …
        • delete it · delete the second one (I ask first) · forget the note about the dentist
        • undo · restore it · show my trash
        • stats · who am I · help
        """;

    /// <summary>What the engine says when it does not understand: never a silent keyword search.</summary>
    public const string NotUnderstood =
        "I can store a note (\"remember: …\"), find or list memories (\"find my notes about the budget from last week\"), " +
        "show, change, delete and restore them (\"show the second one\", \"undo\", \"show my trash\"), and give stats. Type help for more.";

    public const string EnglishOnly =
        "English only for now: I understand English sentences such as \"remember: …\", \"find my notes from yesterday\" or \"show my trash\". Type help for more.";

    /// <summary>The question the engine asks before deleting by position or several at once; a "yes" answers it.</summary>
    public const string ConfirmDeleteMarker = "Say \"yes\" to delete";

    // Words of other languages a person would start a request with, and that English sentences do not use.
    private static readonly HashSet<string> ForeignWords =
    [
        "qué", "que", "guardé", "guarde", "ayer", "hoy", "mañana", "notas", "nota", "dónde", "cómo", "cuál", "cuándo", "busca", "buscar",
        "muestra", "muéstrame", "mostrar", "recuerda", "recuérdame", "borra", "borrar", "mis", "tengo", "sobre", "por", "favor", "también",
        "quoi", "où", "hier", "aujourd'hui", "mes", "cherche", "montre", "montre-moi", "rappelle", "supprime", "j'ai", "qu'est-ce", "est-ce",
        "ich", "habe", "meine", "gestern", "heute", "zeige", "zeig", "suche", "lösche", "erinnere", "notizen", "bitte", "wo", "mir",
        "ontem", "hoje", "minhas", "meus", "mostre", "procure", "você", "não", "ieri", "oggi", "mostra", "cerca", "mie", "miei", "cosa",
    ];

    private static readonly HashSet<string> Filler =
    [
        "my", "me", "the", "a", "an", "any", "all", "some", "every", "of", "i", "did", "do", "have", "has",
        "note", "notes", "memory", "memories", "thing", "things", "stuff", "anything", "everything", "something",
        "about", "on", "regarding", "concerning", "for", "related", "to", "with", "mentioning", "that", "which",
        "what", "stored", "saved", "written", "wrote", "kept", "please", "there", "are", "is", "was", "were", "know",
        "say", "said", "write", "store", "save", "entries", "entry", "ones", "one", "in", "from", "where", "mention", "mentioned", "noted", "remembered", "remember", "it", "this", "them",
    ];

    /// <summary>Understands <paramref name="utterance"/>; <paramref name="recentIds"/> are memory ids from earlier answers, newest list first, for "it" and "the second one".</summary>
    public OfflineIntent Parse(string utterance, IReadOnlyList<string> recentIds) => Parse(utterance, RecentMemories.FromIds(recentIds));

    /// <summary>Understands <paramref name="utterance"/> against what earlier answers showed (<paramref name="recent"/>).</summary>
    public OfflineIntent Parse(string utterance, RecentMemories recent)
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

        if (Yes().IsMatch(text) || No().IsMatch(text))
        {
            var yes = Yes().IsMatch(text);
            if (recent.Awaiting.Count == 0)
            {
                return OfflineIntent.Say(yes ? "There is no question waiting for a yes. " + NotUnderstood : "All right, nothing was changed.");
            }

            return yes
                ? OfflineIntent.ForEach("delete_memory", recent.Awaiting)
                : OfflineIntent.Say(recent.Awaiting.Count == 1 ? "All right, I kept it; nothing was deleted." : "All right, I kept them; nothing was deleted.");
        }

        if (Greeting().IsMatch(text))
        {
            return OfflineIntent.Say("Hello! Tell me something to remember, or ask me to find a note. Type help for examples.");
        }

        var store = Store().Match(text);
        if (!store.Success && IsOtherLanguage(original))
        {
            return OfflineIntent.Say(EnglishOnly);
        }

        if (Undo().IsMatch(text))
        {
            return recent.Deleted.Count > 0
                ? OfflineIntent.ForEach("restore_memory", recent.Deleted)
                : OfflineIntent.Say("There is nothing I can undo: I undo a delete made in this conversation by restoring it from the trash. Say \"show my trash\" to see what was deleted.");
        }

        if (Trash().IsMatch(text))
        {
            var args = new Dictionary<string, object?>();
            if (Count().Match(text) is { Success: true } count)
            {
                args["limit"] = TimePhrases.ParseNumber(count.Groups["n"].Value);
            }

            return OfflineIntent.Call("list_trash", args);
        }

        if (Restore().Match(text) is { Success: true } restore)
        {
            var rest = restore.Groups["rest"].Value;
            var target = Pronouns().IsMatch(rest) && recent.Deleted.Count > 0
                ? new Resolved([.. recent.Deleted.Select(id => new RecentMemory(id, ""))], false, null)
                : References.Resolve(original, rest, recent);
            if (target.Problem is { } problem)
            {
                return OfflineIntent.Say(problem);
            }

            return target.Found
                ? OfflineIntent.ForEach("restore_memory", [.. target.Memories.Select(m => m.Id)])
                : OfflineIntent.Say("Which memory should I restore? Say \"show my trash\", then \"restore the first one\".");
        }

        if (Stats().IsMatch(text))
        {
            return OfflineIntent.Call("get_user_stats", new Dictionary<string, object?>());
        }

        if (Users().IsMatch(text))
        {
            return OfflineIntent.Call("list_users", new Dictionary<string, object?>());
        }

        if (Unsupported().Match(text) is { Success: true } unsupported)
        {
            var suggestion = unsupported.Groups["what"].Success ? $" To keep it as a note, say \"remember: {original[unsupported.Groups["what"].Index..].Trim()}\"." : "";
            return OfflineIntent.Say($"I did not understand that as something I can do: I keep and find notes, but I cannot set reminders, send messages or book things.{suggestion} {NotUnderstood}");
        }

        if (Delete().Match(text) is { Success: true } delete)
        {
            var rest = delete.Groups["rest"].Value;
            var target = References.Resolve(original, rest, recent);
            if (target.Problem is { } problem)
            {
                return OfflineIntent.Say(problem);
            }

            if (target.Found)
            {
                // By position or several at once, a slip costs more: ask first. An id or "it" is clear enough (and "undo" brings it back).
                return target.ByPosition || target.Memories.Count > 1
                    ? OfflineIntent.Say(ConfirmDelete(target.Memories))
                    : OfflineIntent.Call("delete_memory", new Dictionary<string, object?> { ["memory_id"] = target.Id });
            }

            var search = Filters(rest, out var query);
            if (query.Length == 0)
            {
                return OfflineIntent.Say("Which memory should I delete? Give its id, or find it first with \"find …\" and say \"delete the first one\".");
            }

            search["query"] = query;
            return OfflineIntent.Call("retrieve_memories", Order(search), "delete");
        }

        if (ParseEdit(original, recent) is { } edit)
        {
            return edit;
        }

        if (Update().Match(text) is { Success: true } update)
        {
            return ParseUpdate(original, update, recent);
        }

        if (store.Success)
        {
            return ParseStore(original, store);
        }

        if (Show().Match(text) is { Success: true } show)
        {
            var target = References.Resolve(original, show.Groups["rest"].Value, recent);
            if (target.Problem is { } problem)
            {
                return OfflineIntent.Say(problem);
            }

            if (target.Found)
            {
                return OfflineIntent.ForEach("get_memory_content", [.. target.Memories.Select(m => m.Id)]);
            }
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

        // Bare keywords ("budget review") and questions ("where is the car parked") are searches; any other sentence is not guessed at.
        var fallback = Filters(text, out var words);
        var looksLikeKeywords = Question().IsMatch(text) || (WordCount(text) <= 4 && !Personal().IsMatch(text));
        if (words.Length == 0 || !looksLikeKeywords)
        {
            return words.Length == 0 && fallback.Count > 0
                ? OfflineIntent.Call("list_memories", Order(fallback))
                : OfflineIntent.Say($"I did not understand \"{Shorten(original)}\". {NotUnderstood}");
        }

        fallback["query"] = words;
        return OfflineIntent.Call("retrieve_memories", Order(fallback));
    }

    /// <summary>The question asked before a delete by position or of several memories (its ids are read back when the answer is yes).</summary>
    public static string ConfirmDelete(IReadOnlyList<RecentMemory> memories)
    {
        static string Name(RecentMemory m) => m.Title.Length > 0 ? $"\"{m.Title}\" (id {m.Id})" : $"(id {m.Id})";
        if (memories.Count == 1)
        {
            return $"Delete {Name(memories[0])}? {ConfirmDeleteMarker} it, or \"no\" to keep it.";
        }

        var lines = string.Concat(memories.Select((m, i) => $"\n{i + 1}. {Name(m)}"));
        return $"Delete these {memories.Count} memories?{lines}\n{ConfirmDeleteMarker} them, or \"no\" to keep them.";
    }

    /// <summary>"change X to Y in &lt;reference&gt;": read the memory first, then change only that part (see <see cref="PlainEdit"/>).</summary>
    private static OfflineIntent? ParseEdit(string original, RecentMemories recent)
    {
        foreach (var pattern in new[] { EditInFirst(), EditInLast(), EditInFront() })
        {
            if (pattern.Match(original) is not { Success: true } edit)
            {
                continue;
            }

            var target = References.Resolve(edit.Groups["ref"].Value, edit.Groups["ref"].Value.ToLowerInvariant(), recent);
            if (target.Problem is { } problem)
            {
                return OfflineIntent.Say(problem);
            }

            if (target.Found && target.Memories.Count == 1)
            {
                var change = System.Text.Json.JsonSerializer.Serialize(new[] { edit.Groups["from"].Value.Trim(), edit.Groups["to"].Value.Trim().Trim('"', '\'', '“', '”') });
                return OfflineIntent.Call("get_memory_content", new Dictionary<string, object?> { ["memory_id"] = target.Id }, EditPurpose + change);
            }
        }

        return null;
    }

    /// <summary>The purpose of the read that an edit starts with; the change follows as a JSON pair [from, to].</summary>
    public const string EditPurpose = "edit:";

    private static bool IsOtherLanguage(string original)
    {
        if (original.Contains('¿') || original.Contains('¡') || original.Any(c => char.IsLetter(c) && c > '\u024F'))
        {
            return true;
        }

        var words = Words().Matches(original.ToLowerInvariant()).Select(m => m.Value).ToList();
        var foreign = words.Count(ForeignWords.Contains);
        return foreign >= 2 || (foreign == 1 && words.Count <= 3);
    }

    private static int WordCount(string text) => Words().Matches(text).Count;

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..59] + "…";

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

    private static OfflineIntent ParseUpdate(string original, Match update, RecentMemories recent)
    {
        var verb = update.Groups["verb"].Value;
        var rest = update.Groups["rest"].Value;
        // The reference is in front of the new value: "rename it to The first draft" is about "it".
        var keyword = AfterKeyword().Match(rest);
        var target = References.Resolve(original, keyword.Success ? rest[..keyword.Index] : rest, recent);
        if (target.Problem is { } problem)
        {
            return OfflineIntent.Say(problem);
        }

        var id = target.Id;
        if (id is null)
        {
            return OfflineIntent.Say("Which memory should I change? Give its id, e.g. \"rename 01JD3W… to Budget\", or say \"rename the first one to …\" after a list.");
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

    [GeneratedRegex(@"^(?:please\s+|can you\s+|could you\s+)?(?:store|remember|save|note down|note|keep|memorize|memorise|jot down|record|add a note|make a note|take a note)\b[,]?(?<rest>.*)$", RegexOptions.Singleline)]
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

    [GeneratedRegex(@"^(?:yes|yes please|yep|yeah|y|sure|ok|okay|confirm|do it|go ahead|yes,? delete (?:it|them)|delete (?:it|them) anyway)$")]
    private static partial Regex Yes();

    [GeneratedRegex(@"^(?:no|nope|n|cancel|stop|keep it|keep them|don'?t|do not|no,? (?:keep|thanks).*)$")]
    private static partial Regex No();

    [GeneratedRegex(@"^(?:please\s+)?(?:undo|undo (?:that|it|the delete|the deletion|my last delete)|oops,? undo|take that back)$")]
    private static partial Regex Undo();

    [GeneratedRegex(@"^(?:please\s+|can you\s+|could you\s+)?(?:(?:show|list|open|view|display|check|see|browse)\s+)?(?:me\s+)?(?:what'?s\s+in\s+|what\s+is\s+in\s+)?(?:my\s+|the\s+)?(?:trash|bin|recycle\s+bin|wastebasket|deleted\s+(?:memories|notes|items)|recently\s+deleted(?:\s+(?:memories|notes))?)(?:\s+(?:please|folder|can))?$|^what(?:'?s| is| have i| did i)\s+(?:in\s+(?:my|the)\s+trash|deleted(?: recently)?)$")]
    private static partial Regex Trash();

    [GeneratedRegex(@"^(?:please\s+|can you\s+|could you\s+)?(?:(?:restore|recover|undelete|bring\s+back|get\s+back|put\s+back)\b(?<rest>.*)|(?:bring|get|put)\s+(?<rest>it|that|them|this(?:\s+one)?|those|these)\s+back\b.*)$")]
    private static partial Regex Restore();

    [GeneratedRegex(@"^\s*(?:it|that|this|them|those|these|that one|this one)(?:\s+back)?(?:\s+(?:please|again))?\s*$")]
    private static partial Regex Pronouns();

    [GeneratedRegex(@"^(?:please\s+)?(?:can you\s+|could you\s+)?(?:change|replace|correct|fix|update|edit)\s+(?<from>.+?)\s+in\s+(?<ref>it|that|this|th(?:at|is)\s+(?:[\w-]+\s+){0,2}(?:note|memory|one|summary)|the\s+[\w-]+(?:\s+one)?|(?:memory|note)?\s*[0-9A-Za-z][0-9A-Za-z_-]{5,})\s+(?:to|with|into|for)\s+(?<to>.+?)[.!]?$", RegexOptions.IgnoreCase)]
    private static partial Regex EditInFirst();

    [GeneratedRegex(@"^(?:please\s+)?(?:can you\s+|could you\s+)?(?:change|replace|correct|fix|update|edit)\s+(?<from>.+?)\s+(?:to|with|into|for)\s+(?<to>.+?)\s+in\s+(?<ref>.+?)[.!]?$", RegexOptions.IgnoreCase)]
    private static partial Regex EditInLast();

    [GeneratedRegex(@"^in\s+(?<ref>.+?),\s*(?:change|replace|correct|fix)\s+(?<from>.+?)\s+(?:to|with|into|for)\s+(?<to>.+?)[.!]?$", RegexOptions.IgnoreCase)]
    private static partial Regex EditInFront();

    [GeneratedRegex(@"^(?:please\s+|can you\s+|could you\s+)?(?:remind|alert|notify|schedule|call|phone|email|e-mail|text|message|send|translate|book|order|buy|play|wake|set\s+(?:an?\s+|up\s+an?\s+)?(?:alarm|timer|reminder|meeting))\b(?:\s+me)?(?:\s+(?:to|that|about))?\s*(?<what>\S.*)?$")]
    private static partial Regex Unsupported();

    [GeneratedRegex(@"^(?:where|when|what|who|whom|which|how|why)\b")]
    private static partial Regex Question();

    [GeneratedRegex(@"\b(?:i|me|you|your|can|could|would|should|please|want|need|let'?s|tell|make|give|help)\b")]
    private static partial Regex Personal();

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
