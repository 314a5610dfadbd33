using System.Runtime.Intrinsics;

namespace Memento.McpServer.Embeddings;

/// <summary>
/// One user's memory vectors in memory, for exact nearest-neighbour search by cosine similarity.
/// Each vector is kept as 8-bit integers with one scale (a quarter of float32's memory:
/// 100,000 memories of 384 dimensions take 39 MB), and compared by an integer dot product.
/// The values are kept in blocks of <see cref="BlockSize"/> vectors, so a set that grows to many
/// memories never copies them into a larger array (each doubling would leave the old array behind in
/// the large-object heap: about 50 MB for a user of 100,000) and holds at most one block to spare.
/// Safe for concurrent readers and writers.
/// </summary>
public sealed class VectorSet(int dimensions)
{
    /// <summary>Vectors in a block; the first block grows to this size by doubling, the others are made whole.</summary>
    internal const int BlockSize = 1 << BlockShift;

    private const int BlockShift = 10;
    private const int InitialCapacity = 64;

    private readonly ReaderWriterLockSlim _lock = new();
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly Stack<int> _free = new();
    private readonly List<sbyte[]> _blocks = [];
    private int _dimensions = dimensions;
    private float[] _scales = new float[InitialCapacity];
    private string?[] _ids = new string?[InitialCapacity];
    private string?[] _tags = new string?[InitialCapacity];
    private int _used;
    private volatile bool _closed;

    /// <summary>The vectors' length; 0 until the first vector when the model does not say it in advance.</summary>
    public int Dimensions => Volatile.Read(ref _dimensions);

    /// <summary>Whether the set was closed with its user: it holds nothing and takes no more vectors.</summary>
    public bool Closed => _closed;

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _slots.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    public bool Contains(string id)
    {
        _lock.EnterReadLock();
        try
        {
            return _slots.ContainsKey(id);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Whether the memory has a vector made from the content <paramref name="tag"/> names (its content hash).</summary>
    public bool Has(string id, string tag)
    {
        _lock.EnterReadLock();
        try
        {
            return _slots.TryGetValue(id, out var slot) && _tags[slot] == tag;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Adds or replaces the vector of a memory; <paramref name="tag"/> names the content it was made from.</summary>
    public void Set(string id, ReadOnlySpan<float> vector, string? tag = null)
    {
        if (vector.IsEmpty)
        {
            throw new ArgumentException("A vector has at least one dimension.", nameof(vector));
        }

        Span<sbyte> quantized = stackalloc sbyte[vector.Length];
        var scale = Quantize(vector, quantized);
        _lock.EnterWriteLock();
        try
        {
            if (_closed)
            {
                // The user was closed: its vectors are read back from where they are persisted when it is opened again.
                return;
            }

            if (_dimensions == 0 && vector.Length > 0)
            {
                Volatile.Write(ref _dimensions, vector.Length);
            }

            if (vector.Length != _dimensions)
            {
                throw new ArgumentException($"A vector of {vector.Length} dimensions in a set of {_dimensions}.", nameof(vector));
            }

            if (!_slots.TryGetValue(id, out var slot))
            {
                slot = _free.Count > 0 ? _free.Pop() : _used++;
                if (slot >= _ids.Length)
                {
                    var capacity = _ids.Length * 2;
                    Array.Resize(ref _ids, capacity);
                    Array.Resize(ref _tags, capacity);
                    Array.Resize(ref _scales, capacity);
                }

                EnsureBlock(slot);
                _slots[id] = slot;
                _ids[slot] = id;
            }

            quantized.CopyTo(Values(slot));
            _scales[slot] = scale;
            _tags[slot] = tag;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Remove(string id)
    {
        _lock.EnterWriteLock();
        try
        {
            if (_slots.Remove(id, out var slot))
            {
                _ids[slot] = null;
                _tags[slot] = null;
                _free.Push(slot);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Clear()
    {
        _lock.EnterWriteLock();
        try
        {
            _slots.Clear();
            _free.Clear();
            Array.Clear(_ids);
            Array.Clear(_tags);
            _used = 0;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Lets the vectors go with the user that was closed (background jobs still holding the set only see it empty).</summary>
    public void Close()
    {
        _lock.EnterWriteLock();
        try
        {
            _closed = true;
            _slots.Clear();
            _free.Clear();
            _ids = [];
            _tags = [];
            _scales = [];
            _blocks.Clear();
            _used = 0;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// The <paramref name="take"/> memories most similar (cosine) to <paramref name="query"/>,
    /// most similar first, among those <paramref name="allowed"/> admits (all when null) and at least
    /// <paramref name="minSimilarity"/> similar.
    /// </summary>
    public List<(string Id, float Similarity)> Nearest(ReadOnlySpan<float> query, int take, Func<string, bool>? allowed = null, float minSimilarity = -1)
    {
        if (query.Length != Dimensions || take <= 0)
        {
            return [];
        }

        Span<sbyte> q = stackalloc sbyte[Dimensions];
        var queryScale = Quantize(query, q);
        var best = new PriorityQueue<int, float>(take + 1);
        _lock.EnterReadLock();
        try
        {
            for (var slot = 0; slot < _used; slot++)
            {
                var id = _ids[slot];
                if (id is null)
                {
                    continue;
                }

                var similarity = Dot(q, Values(slot)) * queryScale * _scales[slot];
                if (similarity < minSimilarity || (best.Count == take && best.TryPeek(out _, out var worst) && similarity <= worst))
                {
                    continue;
                }

                if (allowed is not null && !allowed(id))
                {
                    continue;
                }

                best.Enqueue(slot, similarity);
                if (best.Count > take)
                {
                    best.Dequeue();
                }
            }

            var result = new List<(string, float)>(best.Count);
            while (best.TryDequeue(out var slot, out var similarity))
            {
                result.Add((_ids[slot]!, similarity));
            }

            result.Reverse();
            return result;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Where a slot's vector is kept.</summary>
    private Span<sbyte> Values(int slot) => _blocks[slot >> BlockShift].AsSpan((slot & (BlockSize - 1)) * _dimensions, _dimensions);

    /// <summary>Makes room for a slot's vector (under the write lock): the first block doubles up to a whole block, then whole blocks are added.</summary>
    private void EnsureBlock(int slot)
    {
        var block = slot >> BlockShift;
        var offset = slot & (BlockSize - 1);
        if (block < _blocks.Count)
        {
            if (block == 0 && (offset + 1) * _dimensions > _blocks[0].Length)
            {
                var grown = _blocks[0];
                Array.Resize(ref grown, Math.Min(Math.Max(InitialCapacity, grown.Length / _dimensions * 2), BlockSize) * _dimensions);
                _blocks[0] = grown;
            }

            return;
        }

        _blocks.Add(new sbyte[(block == 0 ? InitialCapacity : BlockSize) * _dimensions]);
    }

    private static float Quantize(ReadOnlySpan<float> vector, Span<sbyte> into)
    {
        var max = System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(vector);
        max = MathF.Abs(max);
        if (max == 0)
        {
            into.Clear();
            return 0;
        }

        var step = max / 127f;
        for (var i = 0; i < vector.Length; i++)
        {
            into[i] = (sbyte)Math.Clamp(MathF.Round(vector[i] / step), -127, 127);
        }

        // The scale also divides by the length, so that the dot product of two is their cosine.
        return step / System.Numerics.Tensors.TensorPrimitives.Norm(vector);
    }

    private static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        var i = 0;
        var sum = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var total = Vector256<int>.Zero;
            for (; i <= a.Length - Vector256<sbyte>.Count; i += Vector256<sbyte>.Count)
            {
                var (aLow, aHigh) = Vector256.Widen(Vector256.Create(a.Slice(i, Vector256<sbyte>.Count)));
                var (bLow, bHigh) = Vector256.Widen(Vector256.Create(b.Slice(i, Vector256<sbyte>.Count)));
                // |a·b| ≤ 127 · 127 fits in 16 bits; the sums are widened to 32.
                var (p1, p2) = Vector256.Widen(aLow * bLow);
                var (p3, p4) = Vector256.Widen(aHigh * bHigh);
                total += p1 + p2 + p3 + p4;
            }

            sum = Vector256.Sum(total);
        }

        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
