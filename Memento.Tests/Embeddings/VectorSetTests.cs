using System.Numerics.Tensors;
using Memento.McpServer.Embeddings;

namespace Memento.Tests.Embeddings;

public sealed class VectorSetTests
{
    [Fact]
    public void Nearest_ranks_as_float_cosine_does_despite_the_8_bit_storage()
    {
        var random = new Random(5);
        var set = new VectorSet(384);
        var vectors = new Dictionary<string, float[]>();
        for (var i = 0; i < 500; i++)
        {
            var vector = Unit(random, 384);
            vectors[$"m{i}"] = vector;
            set.Set($"m{i}", vector);
        }

        for (var q = 0; q < 20; q++)
        {
            var query = Unit(random, 384);
            var exact = vectors.OrderByDescending(v => TensorPrimitives.Dot<float>(query, v.Value)).First();

            var nearest = set.Nearest(query, 5);

            Assert.Equal(5, nearest.Count);
            Assert.Equal(exact.Key, nearest[0].Id);
            Assert.Equal(TensorPrimitives.Dot<float>(query, exact.Value), nearest[0].Similarity, 2);
            Assert.True(nearest.Zip(nearest.Skip(1)).All(p => p.First.Similarity >= p.Second.Similarity));
        }
    }

    [Fact]
    public void Removed_replaced_filtered_and_dissimilar_vectors_are_not_returned()
    {
        var set = new VectorSet(3);
        set.Set("a", [1, 0, 0]);
        set.Set("b", [0.9f, 0.1f, 0]);
        set.Set("c", [0, 1, 0]);
        set.Set("d", [0.8f, 0.2f, 0]);
        set.Remove("a");
        set.Set("c", [0, 0, 1]);

        var nearest = set.Nearest([1, 0, 0], 10, allowed: id => id != "d", minSimilarity: 0.5f);

        Assert.Equal(["b"], nearest.Select(n => n.Id));
        Assert.Equal(3, set.Count);
        Assert.False(set.Contains("a"));
    }

    [Fact]
    public void Every_vector_is_found_again_across_blocks_after_removals_reuse_their_slots_and_a_clear()
    {
        var random = new Random(7);
        var set = new VectorSet(0);
        var count = (VectorSet.BlockSize * 2) + 37;
        var vectors = Enumerable.Range(0, count).Select(_ => Unit(random, 16)).ToArray();
        for (var i = 0; i < count; i++)
        {
            set.Set($"m{i}", vectors[i], tag: $"h{i}");
        }

        // Slots freed in the first and the last block are taken by new memories.
        set.Remove("m3");
        set.Remove($"m{count - 1}");
        set.Set("n1", vectors[3]);
        set.Set("n2", vectors[count - 1]);

        Assert.Equal(count, set.Count);
        Assert.Equal(16, set.Dimensions);
        for (var i = 0; i < count; i += 97)
        {
            var expected = i == 3 ? "n1" : $"m{i}";
            Assert.Equal(expected, set.Nearest(vectors[i], 1)[0].Id);
        }

        Assert.Equal("n2", set.Nearest(vectors[count - 1], 1)[0].Id);
        Assert.True(set.Has($"m{VectorSet.BlockSize + 5}", $"h{VectorSet.BlockSize + 5}"));

        set.Clear();
        set.Set("after", vectors[0]);
        Assert.Equal(["after"], set.Nearest(vectors[0], 5).Select(n => n.Id));
        Assert.Throws<ArgumentException>(() => set.Set("empty", []));
    }

    private static float[] Unit(Random random, int dimensions)
    {
        var vector = Enumerable.Range(0, dimensions).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        TensorPrimitives.Divide(vector, TensorPrimitives.Norm<float>(vector), vector);
        return vector;
    }
}
