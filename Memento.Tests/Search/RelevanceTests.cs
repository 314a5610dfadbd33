using Memento.McpServer.Storage;
using Memento.Tests.Storage;

namespace Memento.Tests.Search;

/// <summary>
/// Known-item retrieval over a generated corpus of everyday notes: each query names the memory's action,
/// object and place in a different order and a different inflection than the memory uses, the way a
/// person recalls a note ("meetings budgets reviewed" for "Review the budget meeting ...").
/// </summary>
public sealed class RelevanceTests
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

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Known_item_recall_at_5_is_at_least_95_percent_for_shuffled_inflected_multi_word_queries()
    {
        var random = new Random(2025);
        // Durability is not under test here; skipping the flush keeps the 400 writes fast.
        using var env = new TestStore(new StorageOptions { FlushToDisk = false });
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
            var stored = await env.Store.StoreAsync("alice", new NewMemory(content), Ct);
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
            var page = await env.Store.SearchAsync("alice", new SearchQuery(text, Limit: 5), Ct);
            if (page.Items.Any(h => h.Memory.Id == target))
            {
                found++;
            }
            else
            {
                misses.Add(text);
            }
        }

        var recall = (double)found / queries.Count;
        TestContext.Current.TestOutputHelper?.WriteLine($"recall@5 = {recall:P1} over {queries.Count} queries; misses: {string.Join(" | ", misses)}");
        Assert.True(queries.Count >= 30);
        Assert.True(recall >= 0.95, $"recall@5 = {recall:P1}; misses: {string.Join(" | ", misses)}");
    }

    private static string Capitalize(string word) => char.ToUpperInvariant(word[0]) + word[1..];

    private static string Plural(string noun) => noun switch
    {
        _ when noun.EndsWith("y", StringComparison.Ordinal) && !"aeiou".Contains(noun[^2]) => noun[..^1] + "ies",
        _ when noun.EndsWith('s') || noun.EndsWith('x') || noun.EndsWith("ch", StringComparison.Ordinal) || noun.EndsWith("sh", StringComparison.Ordinal) => noun + "es",
        _ => noun + "s",
    };
}
