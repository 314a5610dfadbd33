using System.Globalization;
using System.Text;

namespace Memento.LoadTest.Workload;

/// <summary>
/// Deterministic memories and queries that look like a person's notes: sentences drawn from a
/// vocabulary of everyday and work words with a skewed (Zipf-like) frequency, a short title and a
/// few tags. The same seed gives the same corpus, so runs are comparable.
/// </summary>
public sealed class Corpus(int seed)
{
    private static readonly string[] Vocabulary = """
        meeting budget review kubernetes deploy release project team customer invoice contract
        design document decision roadmap quarter planning sprint backlog estimate deadline launch
        travel flight hotel train booking passport visa conference talk slides workshop training
        doctor appointment dentist pharmacy prescription insurance claim receipt tax return refund
        birthday gift anniversary dinner restaurant recipe groceries shopping garden plants repair
        car service tyres garage parking ticket bike commute weather holiday vacation beach mountain
        book article podcast video course lecture notes summary idea question answer follow-up
        password account subscription renewal bank transfer payment salary pension savings loan
        house rent landlord lease deposit kitchen bathroom plumber electrician heating window door
        school teacher homework exam grade parents children football practice music piano guitar
        database index query cache latency throughput server cluster node storage volume backup
        restore incident outage postmortem alert monitoring dashboard metrics logs traces on-call
        security patch upgrade migration schema api endpoint client library version dependency
        interview candidate hiring onboarding manager feedback goals promotion review one-on-one
        vendor supplier quote purchase order shipping delivery warehouse inventory pricing discount
        email call message phone address contact friend family sister brother mother father cousin
        morning afternoon evening monday tuesday wednesday thursday friday weekend january march
        june september november today tomorrow yesterday week month year early late soon later
        important urgent remember check confirm cancel reschedule prepare send share update write
        read learn finish start plan organise compare choose buy sell pay fix clean move call visit
        blue green red small large quick slow simple complex new old first last next previous main
        coffee tea lunch breakfast snack water walk run swim yoga gym sleep health energy focus
        london paris berlin madrid rome lisbon amsterdam vienna prague dublin oslo helsinki zurich
        azure aks bicep helm terraform docker container image registry pipeline build test lint
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);

    // Real notes follow Zipf's law: a few words everywhere, a long tail of rare ones (names, places,
    // jargon). Made-up words extend the everyday vocabulary into that tail, deterministically.
    private static readonly string[] Words = [.. Vocabulary, .. TailWords(5_000 - Vocabulary.Length)];

    private static readonly string[] Tags =
        ["work", "personal", "family", "travel", "finance", "health", "home", "ideas", "reading", "ops",
         "meetings", "todo", "projects", "learning", "shopping", "car", "school", "friends", "archive", "urgent"];

    private static readonly string[] Fillers = ["the", "a", "with", "for", "about", "and", "to", "from", "before", "after", "on", "in"];

    private const int CommonWords = 50;

    private readonly Random _random = new(seed);

    public static int VocabularySize => Words.Length;

    /// <summary>A memory; <paramref name="marker"/> (letters and digits only) is embedded so it can be found exactly.</summary>
    public GeneratedMemory Next(string? marker = null)
    {
        lock (_random)
        {
            var words = 30 + _random.Next(90);
            var text = new StringBuilder();
            for (var i = 0; i < words; i++)
            {
                if (i > 0)
                {
                    text.Append(i % 11 == 0 ? ". " : " ");
                }

                text.Append(i % 4 == 3 ? Fillers[_random.Next(Fillers.Length)] : Word());
            }

            text.Append('.');
            if (marker is not null)
            {
                text.Append(" Reference ").Append(marker).Append(". End of note ").Append(marker).Append('.');
            }

            var title = CultureInfo.InvariantCulture.TextInfo.ToTitleCase(string.Join(' ', Enumerable.Range(0, 2 + _random.Next(4)).Select(_ => Word())));
            var tagCount = 1 + _random.Next(3);
            var tags = Enumerable.Range(0, tagCount).Select(_ => Tags[_random.Next(Tags.Length)]).Distinct().ToArray();
            return new GeneratedMemory(text.ToString(), title, tags);
        }
    }

    /// <summary>A plain-language query of one to three words (outside the 50 most common), as a person would type it.</summary>
    public string Query()
    {
        lock (_random)
        {
            var count = 1 + _random.Next(3);
            return string.Join(' ', Enumerable.Range(0, count).Select(_ => QueryWord()));
        }
    }

    // Zipf-like choice (log-uniform rank): the word of rank r is about twice as common as rank 2r.
    private string Word()
    {
        var index = (int)Math.Pow(Words.Length, _random.NextDouble()) - 1;
        return Words[Math.Clamp(index, 0, Words.Length - 1)];
    }

    // People search for the words that set a note apart, not for the ones in nearly every note.
    private string QueryWord()
    {
        int index;
        do
        {
            index = (int)Math.Pow(Words.Length, _random.NextDouble()) - 1;
        }
        while (index < CommonWords);

        return Words[Math.Min(index, Words.Length - 1)];
    }

    private static IEnumerable<string> TailWords(int count)
    {
        string[] onsets = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st", "tr", "gl"];
        string[] vowels = ["a", "e", "i", "o", "u", "ai", "ou"];
        string[] codas = ["", "n", "r", "s", "l", "x", "nd", "rk"];
        var random = new Random(7);
        var seen = new HashSet<string>(Vocabulary, StringComparer.Ordinal);
        while (seen.Count < Vocabulary.Length + count)
        {
            var syllables = 2 + random.Next(2);
            var word = string.Concat(Enumerable.Range(0, syllables).Select(_ => onsets[random.Next(onsets.Length)] + vowels[random.Next(vowels.Length)])) + codas[random.Next(codas.Length)];
            if (seen.Add(word))
            {
                yield return word;
            }
        }
    }
}

public sealed record GeneratedMemory(string Content, string Title, IReadOnlyList<string> Tags);
