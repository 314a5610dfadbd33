using Memento.McpServer.Storage;

namespace Memento.Tests.Search;

/// <summary>
/// Known-item retrieval over a generated corpus of everyday notes: each query names the memory's action,
/// object and place in a different order and a different inflection than the memory uses, the way a
/// person recalls a note ("meetings budgets reviewed" for "Review the budget meeting ...").
/// Every provider runs it (<c>MemoryStoreContract</c>).
/// </summary>
internal static class KnownItemCorpus
{
    private static readonly (string Base, string Ing, string Past)[] Verbs =
    [
        ("review", "reviewing", "reviewed"), ("schedule", "scheduling", "scheduled"), ("fix", "fixing", "fixed"),
        ("paint", "painting", "painted"), ("clean", "cleaning", "cleaned"), ("book", "booking", "booked"),
        ("plan", "planning", "planned"), ("discuss", "discussing", "discussed"), ("repair", "repairing", "repaired"),
        ("order", "ordering", "ordered"), ("cancel", "cancelling", "cancelled"), ("update", "updating", "updated"),
        ("prepare", "preparing", "prepared"), ("install", "installing", "installed"), ("test", "testing", "tested"),
        ("visit", "visiting", "visited"), ("return", "returning", "returned"), ("renew", "renewing", "renewed"),
        ("print", "printing", "printed"), ("sign", "signing", "signed"), ("submit", "submitting", "submitted"),
        ("compare", "comparing", "compared"), ("deliver", "delivering", "delivered"), ("record", "recording", "recorded"),
        ("measure", "measuring", "measured"), ("collect", "collecting", "collected"), ("translate", "translating", "translated"),
        ("upload", "uploading", "uploaded"), ("archive", "archiving", "archived"), ("celebrate", "celebrating", "celebrated"),
    ];

    private static readonly string[] Nouns =
    [
        "budget", "invoice", "roadmap", "garden", "bicycle", "laptop", "contract", "passport", "ticket", "recipe",
        "kitchen", "window", "printer", "router", "server", "database", "presentation", "report", "interview",
        "newsletter", "playlist", "vaccine", "appointment", "mortgage", "subscription", "warranty", "battery",
        "fence", "guitar", "telescope", "spreadsheet", "podcast", "birthday", "wedding", "license", "policy",
        "library", "battery", "camera", "painting", "sofa", "backup", "certificate", "dashboard", "meeting",
    ];

    private static readonly string[] Places =
    [
        "office", "garage", "studio", "school", "clinic", "airport", "warehouse", "bakery", "hotel", "museum",
        "station", "harbour", "stadium", "market", "cottage", "basement", "balcony", "campus", "gallery", "theatre",
    ];

    private static readonly string[] People = ["Anna", "Ben", "Chloe", "David", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jon"];

    private static readonly string[] Fillers =
    [
        "It took longer than expected.", "Remember to follow up next week.", "Costs were within the estimate.",
        "Bring the usual documents.", "Everyone agreed on the next steps.", "The weather was terrible.",
        "Notes are in the shared folder.", "Call back if anything changes.",
    ];

    /// <summary>Stores 400 notes for <c>alice</c> and asks 60 queries; returns the share whose note is in the top 5.</summary>
    public static async Task<(double Recall, int Queries, List<string> Misses)> MeasureRecallAsync(IMemoryStore store, CancellationToken cancellationToken)
    {
        var random = new Random(2025);
        var used = new HashSet<(int, int, int)>();
        var items = new List<(string Id, int Verb, int Noun, int Place)>();
        while (items.Count < 400)
        {
            var (v, n, p) = (random.Next(Verbs.Length), random.Next(Nouns.Length), random.Next(Places.Length));
            if (!used.Add((v, n, p)))
            {
                continue;
            }

            var person = People[random.Next(People.Length)];
            var content = random.Next(3) switch
            {
                0 => $"{Capitalize(Verbs[v].Base)} the {Nouns[n]} at the {Places[p]} with {person}. {Fillers[random.Next(Fillers.Length)]}",
                1 => $"{person} and I {Verbs[v].Past} the {Nouns[n]} in the {Places[p]}. {Fillers[random.Next(Fillers.Length)]} {Fillers[random.Next(Fillers.Length)]}",
                _ => $"Note to self: {Verbs[v].Base} {Nouns[n]} near the {Places[p]} before Friday. {Fillers[random.Next(Fillers.Length)]}",
            };
            var stored = await store.StoreAsync("alice", new NewMemory(content), cancellationToken);
            items.Add((stored.Memory.Id, v, n, p));
        }

        var queries = new List<(string Text, string Target)>();
        for (var q = 0; q < 60; q++)
        {
            var (id, v, n, p) = items[random.Next(items.Count)];
            var verb = random.Next(2) == 0 ? Verbs[v].Ing : Verbs[v].Past;
            var words = (q % 3) switch
            {
                0 => new[] { Plural(Nouns[n]), verb, Plural(Places[p]) },
                1 => new[] { "my", "notes", "about", verb, Plural(Nouns[n]), Places[p] },
                _ => new[] { Plural(Nouns[n]), Plural(Places[p]) },
            };
            queries.Add((string.Join(' ', words.OrderBy(_ => random.Next())), id));
        }

        var found = 0;
        var misses = new List<string>();
        foreach (var (text, target) in queries)
        {
            var page = await store.SearchAsync("alice", new SearchQuery(text, Limit: 5), cancellationToken);
            if (page.Items.Any(h => h.Memory.Id == target))
            {
                found++;
            }
            else
            {
                misses.Add(text);
            }
        }

        return ((double)found / queries.Count, queries.Count, misses);
    }

    private static string Capitalize(string word) => char.ToUpperInvariant(word[0]) + word[1..];

    private static string Plural(string noun) => noun switch
    {
        _ when noun.EndsWith("y", StringComparison.Ordinal) && !"aeiou".Contains(noun[^2]) => noun[..^1] + "ies",
        _ when noun.EndsWith('s') || noun.EndsWith('x') || noun.EndsWith("ch", StringComparison.Ordinal) || noun.EndsWith("sh", StringComparison.Ordinal) => noun + "es",
        _ => noun + "s",
    };
}
