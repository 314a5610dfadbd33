using System.Text;
using Memento.McpServer.Storage;

namespace Memento.LoadTest.Workload;

/// <summary>
/// Writes a corpus straight into a storage root with the store's own id generator and serializer
/// (DESIGN.md section 3: <c>&lt;root&gt;/&lt;user&gt;/&lt;id&gt;.md</c>, YAML front matter, then the content verbatim), as a person
/// copying in their notes would. Hundreds of times faster than one <c>store_memory</c> call and one
/// flush to disk per memory, and the server reads the files exactly as it reads its own: the cold
/// start indexes them, and <c>get_memory_content</c> on their ids is part of every mixed phase.
/// </summary>
public static class FileSeeder
{
    private static readonly Dictionary<string, string> NoMetadata = [];

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

        var vectors = options.SeedVectors is null ? null : new FileVectorStore(root);
        var workers = Math.Max(1, Environment.ProcessorCount);
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            var corpus = new Corpus(options.Seed * 1000 + w);
            var random = new Random(options.Seed * 1000 + w);
            for (var i = w; i < options.Memories; i += workers)
            {
                var user = options.User(i % options.Users);
                var created = start + step * i;
                var generated = corpus.Next();
                var memory = new Memory(MemoryIds.New(created), generated.Title, generated.Tags, created, created,
                    generated.Content, Source: null, Metadata: NoMetadata);
                var text = MemoryDocument.Serialize(memory);
                File.WriteAllText(Path.Combine(root, user, memory.Id + ".md"), text, Utf8NoBom);
                if (vectors is not null)
                {
                    // Keyed as the server keys it: the hash of the memory as it reads the file back.
                    var read = MemoryDocument.Parse(memory.Id, text, created, new StorageOptions().MaxTitleLength);
                    var hash = MemoryDocument.ContentHash(read.Content, read.Title, read.Tags);
                    vectors.PutAsync(user, hash, options.SeedVectors!, RandomUnitVector(random, options.SeedVectorDimensions)).AsTask().GetAwaiter().GetResult();
                }

                ids.Add(user, memory.Id);
            }
        });
    }

    private static float[] RandomUnitVector(Random random, int dimensions)
    {
        var vector = new float[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            vector[i] = (float)(random.NextDouble() - 0.5);
        }

        System.Numerics.Tensors.TensorPrimitives.Divide(vector, System.Numerics.Tensors.TensorPrimitives.Norm<float>(vector), vector);
        return vector;
    }
}
