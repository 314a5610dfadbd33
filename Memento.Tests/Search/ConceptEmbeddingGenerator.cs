using Microsoft.Extensions.AI;

namespace Memento.Tests.Search;

/// <summary>A deterministic embedding for the hybrid-ranking tests: one dimension per concept, set when any of its words occurs.</summary>
internal sealed class ConceptEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private static readonly string[][] Concepts =
    [
        ["car", "automobile", "vehicle", "tyres", "tires"],
        ["doctor", "physician", "health", "appointment"],
        ["trip", "travel", "journey"],
        ["maintenance", "repair", "service", "tyres"],
        ["rest", "week", "monday"],
    ];

    public int Calls { get; private set; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var value in values)
        {
            Calls++;
            var words = value.ToLowerInvariant().Split([' ', '.', ',', '\'', '\n'], StringSplitOptions.RemoveEmptyEntries);
            var vector = new float[Concepts.Length + 1];
            vector[^1] = 0.01f;
            for (var i = 0; i < Concepts.Length; i++)
            {
                vector[i] = words.Count(w => Concepts[i].Contains(w));
            }

            result.Add(new Embedding<float>(vector));
        }

        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
