using System.Numerics.Tensors;
using Memento.McpServer.Embeddings;
using Microsoft.Extensions.AI;

namespace Memento.Tests.Embeddings;

public sealed class LocalEmbeddingGeneratorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_packaged_model_loads_offline_and_puts_a_paraphrase_nearer_than_an_unrelated_note()
    {
        using var generator = new LocalEmbeddingGenerator();

        var query = (await generator.GenerateAsync(["what did we decide about money for the phone app"], EmbeddingPurpose.Query, Ct))[0].Vector.ToArray();
        var notes = await generator.GenerateAsync(["We agreed to cut the mobile budget by 15%.", "The garden needs watering twice a week in summer."], cancellationToken: Ct);

        Assert.True(generator.IsLoaded);
        Assert.Equal(384, query.Length);
        Assert.Equal(1f, TensorPrimitives.Norm<float>(query), 3);
        Assert.Equal("all-minilm-l6-v2", notes[0].ModelId);
        Assert.True(
            TensorPrimitives.Dot<float>(query, notes[0].Vector.Span) > TensorPrimitives.Dot<float>(query, notes[1].Vector.Span) + 0.2f,
            "the budget note is not clearly nearer the question than the garden note");
    }

    [Fact]
    public async Task A_text_longer_than_the_model_reads_is_cut_and_still_embedded()
    {
        using var generator = new LocalEmbeddingGenerator();
        var longText = string.Join(' ', Enumerable.Repeat("budget review kubernetes cluster upgrade", 2000));

        var vector = (await generator.GenerateAsync([longText], cancellationToken: Ct))[0].Vector;

        Assert.Equal(384, vector.Length);
        Assert.True(vector.Span.ContainsAnyExcept(0f));
    }

    [Fact]
    public async Task Calls_from_several_threads_get_the_same_vectors_as_one_at_a_time()
    {
        using var generator = new LocalEmbeddingGenerator();
        var texts = Enumerable.Range(0, 8).Select(i => $"note number {i} about the release plan").ToArray();
        var alone = new List<float[]>();
        foreach (var text in texts)
        {
            alone.Add((await generator.GenerateAsync([text], cancellationToken: Ct))[0].Vector.ToArray());
        }

        var together = await Task.WhenAll(texts.Select(t => Task.Run(async () => (await generator.GenerateAsync([t], cancellationToken: Ct))[0].Vector.ToArray(), Ct)));

        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(1f, TensorPrimitives.Dot<float>(alone[i], together[i]), 4);
        }
    }
}
