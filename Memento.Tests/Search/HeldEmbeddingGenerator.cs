using Microsoft.Extensions.AI;

namespace Memento.Tests.Search;

/// <summary>
/// Concept vectors (one dimension per group of words that mean the same), held until released when
/// asked to, so a test can see what happens while the model is busy.
/// </summary>
internal sealed class HeldEmbeddingGenerator(bool held = true, string modelId = "concepts-v1") : IEmbeddingGenerator<string, Embedding<float>>
{
    private static readonly string[][] Concepts =
    [
        ["money", "budget", "spend", "cost"],
        ["phone", "mobile", "app", "line"],
        ["note", "notes", "review"],
        ["held"],
    ];

    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;
    private int _queries;
    private int _refusals;

    public string? HoldTextsWith { get; init; }

    /// <summary>
    /// A held call that is cancelled returns its vectors all the same, as the local model's ONNX run
    /// finishes whatever the token says.
    /// </summary>
    public bool FinishesWhenCancelled { get; init; }

    /// <summary>Memory texts holding this are refused (the call throws), as a service refuses some content.</summary>
    public string? RefuseTextsWith { get; init; }

    /// <summary>Calls refused because of <see cref="RefuseTextsWith"/>.</summary>
    public int Refusals => Volatile.Read(ref _refusals);

    /// <summary>Memories embedded (a query is not one).</summary>
    public int Calls => Volatile.Read(ref _calls);

    public int Queries => Volatile.Read(ref _queries);

    public void Release() => _release.TrySetResult();

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values.ToList();
        if (McpServer.Embeddings.EmbeddingPurpose.IsQuery(options))
        {
            Interlocked.Increment(ref _queries);
        }
        else
        {
            // A memory is embedded as its whole text (title, newline, content) and its title alone: count memories.
            Interlocked.Add(ref _calls, texts.Count(t => t.Contains('\n', StringComparison.Ordinal)));
        }

        if ((held && !McpServer.Embeddings.EmbeddingPurpose.IsQuery(options)) || (HoldTextsWith is { } marker && texts.Any(t => t.Contains(marker, StringComparison.Ordinal))))
        {
            if (FinishesWhenCancelled)
            {
                await Task.WhenAny(_release.Task, Task.Delay(Timeout.Infinite, cancellationToken));
            }
            else
            {
                await _release.Task.WaitAsync(cancellationToken);
            }
        }

        if (RefuseTextsWith is { } refused && !McpServer.Embeddings.EmbeddingPurpose.IsQuery(options) && texts.Any(t => t.Contains(refused, StringComparison.Ordinal)))
        {
            Interlocked.Increment(ref _refusals);
            throw new InvalidOperationException("The model refused this content.");
        }

        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var text in texts)
        {
            var words = text.ToLowerInvariant().Split([' ', '.', ',', ':', '\n', '%'], StringSplitOptions.RemoveEmptyEntries);
            var vector = new float[Concepts.Length + 1];
            vector[^1] = 0.05f;
            for (var i = 0; i < Concepts.Length; i++)
            {
                vector[i] = words.Count(w => Concepts[i].Contains(w));
            }

            result.Add(new Embedding<float>(vector));
        }

        return result;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("test", null, modelId, Concepts.Length + 1) : null;

    public void Dispose()
    {
    }
}
