using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Microsoft.Extensions.Logging;

namespace Memento.Benchmarks;

/// <summary>The store as a separate process, for the concurrency and crash tests (import and export are commands of the server).</summary>
internal static class Tool
{
    private static readonly ILoggerFactory Logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));

    /// <summary>Stores memories one after another; each id is appended to the ack file only after the store returned.</summary>
    public static async Task<int> WriteAsync(Arguments args, CancellationToken cancellationToken)
    {
        var root = args.Required("root");
        var user = args.Required("user");
        var count = args.Int("count", 100);
        var size = args.Int("size", 200);
        var tag = args.Optional("tag") ?? "process";
        using var store = new FileMemoryStore(new StorageOptions { Root = root }, new SearchOptions(), Logs.CreateLogger<FileMemoryStore>());
        await using var ack = new FileStream(args.Required("ack-file"), FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        using var writer = new StreamWriter(ack) { AutoFlush = true };
        var padding = string.Join(' ', Enumerable.Range(0, Math.Max(0, size / 8)).Select(i => $"word{i % 97:D3}"));
        Console.WriteLine($"ready {Environment.ProcessId}");
        for (var i = 0; i < count; i++)
        {
            var content = $"{tag} process {Environment.ProcessId} memory {i} nonce {Guid.NewGuid():N}\n{padding}\nthe end";
            var result = await store.StoreAsync(user, new NewMemory(content, Tags: [tag]), cancellationToken);
            // Flushed to the OS at once: a killed process loses nothing it acknowledged.
            await writer.WriteLineAsync(result.Memory.Id);
        }

        Console.WriteLine($"done {count}");
        return 0;
    }
}
