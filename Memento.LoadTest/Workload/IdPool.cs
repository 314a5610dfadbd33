using System.Collections.Concurrent;

namespace Memento.LoadTest.Workload;

/// <summary>Known memory ids per user, for <c>get_memory_content</c> calls on memories that exist.</summary>
public sealed class IdPool
{
    private readonly ConcurrentDictionary<string, List<string>> _ids = new(StringComparer.Ordinal);

    public int Count => _ids.Values.Sum(list => { lock (list) { return list.Count; } });

    public void Add(string user, string id)
    {
        var list = _ids.GetOrAdd(user, _ => []);
        lock (list)
        {
            list.Add(id);
        }
    }

    public string? Pick(string user, Random random)
    {
        if (!_ids.TryGetValue(user, out var list))
        {
            return null;
        }

        lock (list)
        {
            return list.Count == 0 ? null : list[random.Next(list.Count)];
        }
    }

    public IReadOnlyDictionary<string, string[]> Snapshot() =>
        _ids.ToDictionary(pair => pair.Key, pair => { lock (pair.Value) { return pair.Value.ToArray(); } }, StringComparer.Ordinal);
}
