using Memento.McpServer.Search;
using Memento.McpServer.Storage;
using Microsoft.Extensions.Logging;

namespace Memento.Benchmarks;

/// <summary>Commands that use the store as a separate process: the concurrency and crash tests, import and export.</summary>
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

    public static async Task<int> ImportAsync(Arguments args, CancellationToken cancellationToken)
    {
        using var store = new FileMemoryStore(new StorageOptions { Root = args.Required("root") }, new SearchOptions(), Logs.CreateLogger<FileMemoryStore>());
        var report = await new SeedImporter(store, Logs.CreateLogger<SeedImporter>()).ImportAsync(args.Required("from"), cancellationToken);
        Console.WriteLine($"imported {report.Imported}, already present {report.Duplicates}, skipped {report.Skipped.Count}");
        foreach (var skipped in report.Skipped)
        {
            Console.WriteLine("  skipped " + skipped);
        }

        return report.Skipped.Count == 0 ? 0 : 1;
    }

    public static async Task<int> ExportAsync(Arguments args, CancellationToken cancellationToken)
    {
        using var store = new FileMemoryStore(new StorageOptions { Root = args.Required("root") }, new SearchOptions(), Logs.CreateLogger<FileMemoryStore>());
        await using var zip = new FileStream(args.Required("to"), FileMode.Create, FileAccess.Write);
        var count = await store.ExportAsync(args.Required("user"), zip, cancellationToken);
        Console.WriteLine($"exported {count} memories");
        return 0;
    }
}
