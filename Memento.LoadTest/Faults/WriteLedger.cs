using System.Collections.Concurrent;

namespace Memento.LoadTest.Faults;

/// <summary>One store a client sent: its unique marker, user and exact content, and the id if the server acknowledged it.</summary>
public sealed record WriteRecord(string Marker, string User, string Content, string Stage)
{
    public string? Id { get; set; }
}

/// <summary>Every store sent during a fault run, acknowledged or not, for checking afterwards.</summary>
public sealed class WriteLedger
{
    private readonly ConcurrentDictionary<string, WriteRecord> _writes = new(StringComparer.Ordinal);

    public WriteRecord Attempt(string marker, string user, string content, string stage)
    {
        var record = new WriteRecord(marker, user, content, stage);
        if (!_writes.TryAdd(marker, record))
        {
            throw new InvalidOperationException($"Marker {marker} used twice.");
        }

        return record;
    }

    public IReadOnlyList<WriteRecord> All => [.. _writes.Values];

    public IReadOnlyList<WriteRecord> Acknowledged => [.. _writes.Values.Where(w => w.Id is not null)];

    public int AcknowledgedCount => _writes.Values.Count(w => w.Id is not null);
}
