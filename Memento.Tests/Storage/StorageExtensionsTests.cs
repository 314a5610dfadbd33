using Memento.McpServer.Storage;
using Memento.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Memento.Tests.Storage;

public sealed class StorageExtensionsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddMementoStorage_registers_the_store_on_the_configured_root_and_logs_it_at_start()
    {
        using var root = new TempDirectory("memento-root");
        var provider = new ListLoggerProvider();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Memento:Storage:Root"] = root.Path, ["Memento:Storage:MaxTags"] = "5" });
        builder.Logging.ClearProviders().AddProvider(provider);
        builder.AddMementoStorage();
        using var host = builder.Build();

        await host.StartAsync(Ct);
        var store = host.Services.GetRequiredService<IMemoryStore>();
        var stored = await store.StoreAsync("alice", new NewMemory("through the container"), Ct);
        await host.StopAsync(Ct);

        Assert.Same(host.Services.GetRequiredService<FileMemoryStore>(), store);
        Assert.True(File.Exists(Path.Combine(root.Path, "alice", stored.Memory.Id + ".md")));
        Assert.Equal(5, host.Services.GetRequiredService<IOptions<StorageOptions>>().Value.MaxTags);
        Assert.Contains(provider.Messages, m => m.Level == LogLevel.Information && m.Text.Contains(Path.GetFullPath(root.Path), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bad_setting_stops_the_start_naming_the_setting()
    {
        using var root = new TempDirectory("memento-root");
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Memento:Storage:Root"] = root.Path, ["Memento:Storage:MaxTags"] = "-1" });
        builder.Logging.ClearProviders();
        builder.AddMementoStorage();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("Memento:Storage:MaxTags", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_root_is_under_local_application_data()
    {
        var root = new StorageOptions().ResolveRoot();

        Assert.True(Path.IsPathFullyQualified(root));
        Assert.EndsWith("memento", root, StringComparison.Ordinal);
    }

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, string Text)> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Messages);

        public void Dispose()
        {
        }

        private sealed class Logger(System.Collections.Concurrent.ConcurrentQueue<(LogLevel, string)> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
