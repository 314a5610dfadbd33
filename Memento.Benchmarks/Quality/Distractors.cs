namespace Memento.Benchmarks.Quality;

/// <summary>
/// Notes around the labelled ones, from the same walks of life (work, home, family, health, money,
/// travel), made from templates with a seeded random: they share the labelled notes' everyday words
/// (meeting, team, budget, appointment, house) without saying what a labelled note says.
/// </summary>
internal static class Distractors
{
    private static readonly string[] s_people = ["Priya", "Marco", "Lena", "Tom", "Aisha", "Kenji", "Sofia", "Omar", "Grace", "Ivan", "Nadia", "Felix", "Rosa", "Jonas", "Mei", "Carlos"];
    private static readonly string[] s_projects = ["billing service", "website redesign", "data warehouse", "onboarding flow", "search page", "payroll export", "customer portal", "partner API", "mobile checkout", "support tooling", "inventory sync", "email campaigns"];
    private static readonly string[] s_artifacts = ["roadmap", "test plan", "release notes", "architecture diagram", "incident timeline", "hiring plan", "quarterly report", "API spec", "runbook", "budget sheet", "risk register", "launch checklist"];
    private static readonly string[] s_changes = ["more detail on risks", "a shorter timeline", "clearer owners", "updated numbers", "a rollback plan", "fewer open questions", "a summary for executives", "a list of dependencies"];
    private static readonly string[] s_days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "next week", "the end of the month", "the next sprint"];
    private static readonly string[] s_items = ["a desk lamp", "running shoes", "a rice cooker", "printer ink", "a winter coat", "light bulbs", "a phone case", "garden gloves", "a kettle", "school notebooks", "a bath mat", "batteries"];
    private static readonly string[] s_stores = ["the hardware store", "the corner shop", "the mall", "the online shop", "the pharmacy", "the supermarket"];
    private static readonly string[] s_dishes = ["chicken curry", "vegetable lasagna", "fish tacos", "mushroom risotto", "banana bread", "pancakes", "chili", "pad thai", "greek salad", "apple crumble"];
    private static readonly string[] s_ingredients = ["garlic", "ginger", "fresh basil", "smoked paprika", "coconut milk", "feta", "brown sugar", "lime", "spinach", "chickpeas"];
    private static readonly string[] s_places = ["the park", "the river path", "the hills", "the track", "the old town", "the beach"];
    private static readonly string[] s_chores = ["clean the gutters", "renew the parking permit", "return the library books", "fix the squeaky door", "sort the recycling", "paint the fence", "defrost the freezer", "replace the smoke alarm battery", "wash the car", "water the plants"];
    private static readonly string[] s_cities = ["Berlin", "Madrid", "Chicago", "Toronto", "Vienna", "Dublin", "Prague", "Seattle", "Copenhagen", "Milan"];
    private static readonly string[] s_shows = ["a crime series", "a cooking show", "a documentary about bridges", "a comedy special", "a history podcast", "a science podcast"];
    private static readonly string[] s_topics = ["the quarterly targets", "the new office layout", "the summer schedule", "the support backlog", "the pricing page", "the partner program", "the holiday rota", "the team charter"];

    private static readonly Func<Random, (string Title, string Sentence, string Tag)>[] s_templates =
    [
        r => ("Review notes", $"{Pick(r, s_people)} reviewed the {Pick(r, s_projects)} {Pick(r, s_artifacts)} and asked for {Pick(r, s_changes)} before {Pick(r, s_days)}.", "work"),
        r => ("Meeting notes", $"Meeting with {Pick(r, s_people)} and {Pick(r, s_people)} about {Pick(r, s_topics)}; follow up on {Pick(r, s_days)}.", "work"),
        r => ("Status update", $"The {Pick(r, s_projects)} is {r.Next(10, 95)}% done; {Pick(r, s_people)} is blocked on the {Pick(r, s_artifacts)}.", "work"),
        r => ("Action item", $"Send the {Pick(r, s_artifacts)} for the {Pick(r, s_projects)} to {Pick(r, s_people)} by {Pick(r, s_days)}.", "work"),
        r => ("Shopping", $"Bought {Pick(r, s_items)} at {Pick(r, s_stores)} for {r.Next(3, 120)}.", "shopping"),
        r => ("To buy", $"Need {Pick(r, s_items)} and {Pick(r, s_items)} from {Pick(r, s_stores)}.", "shopping"),
        r => ("Cooking", $"Made {Pick(r, s_dishes)} with extra {Pick(r, s_ingredients)}; it serves {r.Next(2, 8)}.", "cooking"),
        r => ("Dinner idea", $"Try {Pick(r, s_dishes)} with {Pick(r, s_ingredients)} and {Pick(r, s_ingredients)} this weekend.", "cooking"),
        r => ("Exercise", $"Walked {r.Next(2, 15)} km along {Pick(r, s_places)} with {Pick(r, s_people)}.", "fitness"),
        r => ("Chores", $"Remember to {Pick(r, s_chores)} and {Pick(r, s_chores)} on {Pick(r, s_days)}.", "home"),
        r => ("Trip idea", $"{Pick(r, s_people)} suggested a long weekend in {Pick(r, s_cities)}; trains are cheaper than flying.", "travel"),
        r => ("Watch list", $"{Pick(r, s_people)} recommended {Pick(r, s_shows)}; start it on {Pick(r, s_days)}.", "leisure"),
        r => ("Call", $"Call {Pick(r, s_people)} about {Pick(r, s_topics)} and the {Pick(r, s_projects)}.", "work"),
        r => ("Expense", $"Expense report for the trip to {Pick(r, s_cities)}: {r.Next(100, 900)} for hotel and taxis, submitted to {Pick(r, s_people)}.", "finance"),
        r => ("Family", $"{Pick(r, s_people)} is visiting on {Pick(r, s_days)}; plan {Pick(r, s_dishes)} for dinner.", "family"),
        r => ("Idea", $"Idea for the {Pick(r, s_projects)}: reuse the {Pick(r, s_artifacts)} from the {Pick(r, s_projects)}.", "work"),
    ];

    public static IEnumerable<LabelledMemory> Make(int count, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var first = s_templates[random.Next(s_templates.Length)](random);
            var second = s_templates[random.Next(s_templates.Length)](random);
            var tags = first.Tag == second.Tag ? new[] { first.Tag } : [first.Tag, second.Tag];
            var created = LabelledSet.Start.AddMinutes(random.Next(0, 365 * 24 * 60));
            yield return new LabelledMemory($"d{i}", first.Title, first.Sentence + " " + second.Sentence, tags, created);
        }
    }

    private static string Pick(Random random, string[] values) => values[random.Next(values.Length)];
}
