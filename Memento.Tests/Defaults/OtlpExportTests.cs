using System.Collections.Concurrent;
using Memento.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace Memento.Tests.Defaults;

/// <summary>
/// OTLP export is switched on by <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> alone. A local OTLP/HTTP receiver
/// listens on the protocol's default port too, so an exporter registered without the variable
/// (which would send to localhost:4318) would be seen.
/// </summary>
[Collection(nameof(OtlpExportTests))]
public sealed class OtlpExportTests
{
    private static readonly TimeSpan ExportWindow = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Exports_to_the_endpoint_when_the_variable_is_set()
    {
        await using var receiver = await OtlpReceiver.StartAsync("http://127.0.0.1:0");
        using var storage = new TempDirectory();
        await using var server = await StartServerAsync(receiver.Address, storage.Path);

        await PokeAsync(server);
        var path = await receiver.WaitForAnyAsync(ExportWindow);

        Assert.StartsWith("/v1/", path);
    }

    [Fact]
    public async Task Exports_nothing_when_the_variable_is_unset()
    {
        await using var receiver = await OtlpReceiver.StartAsync("http://localhost:4318");
        using var storage = new TempDirectory();
        await using var server = await StartServerAsync(endpoint: null, storage.Path);

        await PokeAsync(server);
        // A metric export interval of 250 ms gives an exporter a dozen chances in this window.
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);

        Assert.Empty(receiver.Paths);
    }

    private static Task<ServiceProcess> StartServerAsync(Uri? endpoint, string storage)
    {
        return ServiceProcess.StartAsync("Memento.McpServer", new Dictionary<string, string?>
        {
            ["Memento__Storage__Root"] = storage,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint?.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "250",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
        });
    }

    private static async Task PokeAsync(ServiceProcess server)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        (await http.GetAsync("/mcp", TestContext.Current.CancellationToken)).Dispose();
    }

    /// <summary>A minimal OTLP/HTTP endpoint that records the paths it is sent.</summary>
    private sealed class OtlpReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<string> _paths = new();
        private readonly TaskCompletionSource<string> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private OtlpReceiver(WebApplication app) => _app = app;

        public Uri Address => new(_app.Urls.First());

        public IReadOnlyCollection<string> Paths => _paths;

        public static async Task<OtlpReceiver> StartAsync(string url)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(url);
            var app = builder.Build();
            var receiver = new OtlpReceiver(app);
            app.MapPost("/v1/{signal}", (HttpContext context) =>
            {
                receiver._paths.Enqueue(context.Request.Path);
                receiver._first.TrySetResult(context.Request.Path);
                return Results.Ok();
            });
            await app.StartAsync(TestContext.Current.CancellationToken);
            return receiver;
        }

        public Task<string> WaitForAnyAsync(TimeSpan timeout) => _first.Task.WaitAsync(timeout);

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
