using System.Numerics.Tensors;
using Memento.McpServer.Search;

namespace Memento.Tests.Search;

/// <summary>How a memory's vector is made from its whole text and its title (the same for every provider).</summary>
public sealed class MemoryVectorRecipeTests
{
    [Fact]
    public async Task A_memory_vector_is_its_whole_text_plus_half_its_title_at_unit_length_in_one_call_for_a_batch()
    {
        var generator = new HeldEmbeddingGenerator(held: false);
        string[] texts = [MemoryEmbeddings.TextOf("Mobile", "We cut the budget."), MemoryEmbeddings.TextOf("Notes", "Garden review notes.")];

        var vectors = await MemoryEmbeddings.EmbedMemoriesAsync(generator, texts, TestContext.Current.CancellationToken);

        Assert.Equal(2, vectors.Length);
        Assert.Equal(2, generator.Calls);
        for (var i = 0; i < texts.Length; i++)
        {
            var whole = Unit((await generator.GenerateAsync([texts[i]], cancellationToken: TestContext.Current.CancellationToken))[0].Vector.ToArray());
            var title = Unit((await generator.GenerateAsync([texts[i].Split('\n')[0]], cancellationToken: TestContext.Current.CancellationToken))[0].Vector.ToArray());
            var expected = Unit(whole.Zip(title, (w, t) => w + (MemoryEmbeddings.TitleWeight * t)).ToArray());
            Assert.Equal(1, TensorPrimitives.Norm<float>(vectors[i]), 5);
            Assert.Equal(expected, vectors[i], (a, b) => Math.Abs(a - b) < 1e-5);
        }

        // The title pulls the vector towards what the memory is about: the phone, for the first.
        Assert.True(vectors[0][1] > vectors[0][0]);
    }

    private static float[] Unit(float[] vector)
    {
        TensorPrimitives.Divide(vector, TensorPrimitives.Norm<float>(vector), vector);
        return vector;
    }
}
