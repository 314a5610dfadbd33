namespace Memento.Benchmarks;

/// <summary>
/// A deterministic synthetic corpus: words drawn from a Zipf-like vocabulary (a few very common words,
/// a long tail of rare ones), like personal notes. Queries take 2-5 of a memory's less common words in
/// shuffled order, the way a person recalls a note.
/// </summary>
internal sealed class Corpus
{
    private const int VocabularySize = 20_000;
    private const int CommonWords = 150;
    private static readonly string[] Syllables =
    [
        "ka", "lo", "mi", "ren", "to", "sa", "vel", "qu", "an", "dor", "pi", "ne", "shu", "ta", "gri", "mon",
        "el", "fa", "ris", "ob", "ul", "zen", "ha", "bri", "co", "dem", "ix", "jo", "lum", "tra", "vo", "wen",
    ];

    private readonly Random _random;
    private readonly string[] _words;
    private readonly double[] _cumulative;

    public Corpus(int seed = 42)
    {
        _random = new Random(seed);
        _words = new string[VocabularySize];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < VocabularySize; i++)
        {
            string word;
            do
            {
                var length = 2 + _random.Next(3);
                word = string.Concat(Enumerable.Range(0, length).Select(_ => Syllables[_random.Next(Syllables.Length)]));
            }
            while (!seen.Add(word));
            _words[i] = word;
        }

        _cumulative = new double[VocabularySize];
        double total = 0;
        for (var i = 0; i < VocabularySize; i++)
        {
            total += 1.0 / Math.Pow(i + 1, 1.0);
            _cumulative[i] = total;
        }

        for (var i = 0; i < VocabularySize; i++)
        {
            _cumulative[i] /= total;
        }
    }

    public sealed record Document(string Title, string Content, string[] Tags, int[] WordRanks);

    public Document Next()
    {
        var ranks = Enumerable.Range(0, 40 + _random.Next(80)).Select(_ => Rank()).ToArray();
        var title = string.Join(' ', ranks.Take(3 + _random.Next(3)).Select(r => _words[r]));
        var content = string.Join(' ', ranks.Select(r => _words[r]));
        var tags = Enumerable.Range(0, _random.Next(3)).Select(_ => "tag" + _random.Next(50)).Distinct().ToArray();
        return new Document(title, content, tags, ranks);
    }

    /// <summary>2-5 of the document's less common words, shuffled.</summary>
    public string Query(Document document)
    {
        var candidates = document.WordRanks.Where(r => r >= CommonWords).Distinct().Select(r => _words[r]).ToList();
        if (candidates.Count < 2)
        {
            candidates = [.. document.WordRanks.Distinct().Select(r => _words[r])];
        }

        var count = Math.Min(candidates.Count, 2 + _random.Next(4));
        return string.Join(' ', candidates.OrderBy(_ => _random.Next()).Take(count));
    }

    private int Rank()
    {
        var index = Array.BinarySearch(_cumulative, _random.NextDouble());
        return Math.Min(VocabularySize - 1, index < 0 ? ~index : index);
    }
}
