using System.Globalization;

namespace Memento.LoadTest.Workload;

/// <summary>The share of each tool in the mixed workload, in percent (they need not add up to 100).</summary>
public sealed record Mix(double Retrieve, double Store, double GetContent)
{
    public static Mix Default { get; } = new(80, 15, 5);

    /// <summary>Parses <c>retrieve=80,store=15,get=5</c>; names left out are 0.</summary>
    public static Mix Parse(string text)
    {
        double retrieve = 0, store = 0, get = 0;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2);
            if (pair.Length != 2 || !double.TryParse(pair[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
            {
                throw new ArgumentException($"--mix: '{part}' is not name=percent (e.g. retrieve=80,store=15,get=5).");
            }

            switch (pair[0].ToLowerInvariant())
            {
                case "retrieve" or "retrieve_memories": retrieve = value; break;
                case "store" or "store_memory": store = value; break;
                case "get" or "get_memory_content": get = value; break;
                default: throw new ArgumentException($"--mix: unknown tool '{pair[0]}' (retrieve, store, get).");
            }
        }

        if (retrieve + store + get <= 0)
        {
            throw new ArgumentException("--mix: at least one share must be above 0.");
        }

        return new Mix(retrieve, store, get);
    }

    public Operation Choose(Random random)
    {
        var x = random.NextDouble() * (Retrieve + Store + GetContent);
        return x < Retrieve ? Operation.Retrieve : x < Retrieve + Store ? Operation.Store : Operation.GetContent;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"retrieve_memories {Retrieve}%, store_memory {Store}%, get_memory_content {GetContent}%");
}

public enum Operation
{
    Ping,
    Retrieve,
    Store,
    GetContent,
}

public static class OperationNames
{
    public static string Of(Operation operation) => operation switch
    {
        Operation.Ping => "ping",
        Operation.Retrieve => "retrieve_memories",
        Operation.Store => "store_memory",
        Operation.GetContent => "get_memory_content",
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };
}
