using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Memento.LoadTest.Workload;

/// <summary>
/// Writes a corpus straight into a storage root in the store's on-disk format (docs/DESIGN section 3:
/// <c>&lt;root&gt;/&lt;user&gt;/&lt;id&gt;.md</c>, YAML front matter, then the content verbatim), as a person
/// copying in their notes would. Hundreds of times faster than one <c>store_memory</c> call and one
/// flush to disk per memory, and the server reads the files exactly as it reads its own: the cold
/// start indexes them, and <c>get_memory_content</c> on their ids is part of every mixed phase.
/// </summary>
public static class FileSeeder
{
    private const string IdAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    public static void Seed(string root, LoadOptions options, IdPool ids)
    {
        // Creation times spread over the past year, one memory every few minutes, oldest first.
        var start = DateTimeOffset.UtcNow.AddDays(-365);
        var step = TimeSpan.FromDays(365) / Math.Max(1, options.Memories);
        for (var u = 0; u < options.Users; u++)
        {
            Directory.CreateDirectory(Path.Combine(root, options.User(u)));
        }

        var workers = Math.Max(1, Environment.ProcessorCount);
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            var corpus = new Corpus(options.Seed * 1000 + w);
            for (var i = w; i < options.Memories; i += workers)
            {
                var user = options.User(i % options.Users);
                var created = start + step * i;
                var id = NewId(created);
                var memory = corpus.Next();
                File.WriteAllText(Path.Combine(root, user, id + ".md"), Serialize(id, memory, created), Utf8NoBom);
                ids.Add(user, id);
            }
        });
    }

    private static string NewId(DateTimeOffset created)
    {
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        var suffix = new char[10];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = IdAlphabet[random[i] & 31];
        }

        return created.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture) + "-" + new string(suffix);
    }

    private static string Serialize(string id, GeneratedMemory memory, DateTimeOffset created)
    {
        var instant = created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var text = new StringBuilder(memory.Content.Length + 256)
            .Append("---\n")
            .Append("id: ").Append(id).Append('\n')
            .Append("title: ").Append(memory.Title).Append('\n');
        if (memory.Tags.Count > 0)
        {
            text.Append("tags:\n");
            foreach (var tag in memory.Tags)
            {
                text.Append("- ").Append(tag).Append('\n');
            }
        }

        return text
            .Append("created: ").Append(instant).Append('\n')
            .Append("updated: ").Append(instant).Append('\n')
            .Append("---\n")
            .Append(memory.Content)
            .ToString();
    }
}
