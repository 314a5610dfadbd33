using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Memento.AppHost.Tests.Telemetry;

/// <summary>
/// An OTLP/HTTP (protobuf) endpoint on a free loopback port that keeps every span, metric and log record it is
/// sent, in place of the dashboard's receiver. It answers as a collector does (200, an empty export response).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OtlpSpan> _spans = new();
    private readonly ConcurrentQueue<OtlpMetric> _metrics = new();
    private readonly ConcurrentQueue<OtlpLogRecord> _logs = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The base address to give exporters as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public Uri Address => new(_app.Urls.First());

    public IReadOnlyCollection<OtlpSpan> Spans => _spans;

    public IReadOnlyCollection<OtlpMetric> Metrics => _metrics;

    public IReadOnlyCollection<OtlpLogRecord> Logs => _logs;

    /// <summary>Requests that could not be read, with the reason, so a test can say why nothing arrived.</summary>
    public IReadOnlyCollection<string> Errors => _errors;

    public static async Task<OtlpReceiver> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", context => receiver.ReceiveAsync(context, body => Enqueue(receiver._spans, OtlpProtobuf.ReadTraces(body))));
        app.MapPost("/v1/metrics", context => receiver.ReceiveAsync(context, body => Enqueue(receiver._metrics, OtlpProtobuf.ReadMetrics(body))));
        app.MapPost("/v1/logs", context => receiver.ReceiveAsync(context, body => Enqueue(receiver._logs, OtlpProtobuf.ReadLogs(body))));
        await app.StartAsync(cancellationToken);
        return receiver;
    }

    /// <summary>
    /// Waits until <paramref name="probe"/> finds what it looks for in what has been received so far, checking
    /// again after every export; fails after <paramref name="timeout"/> with <paramref name="describe"/>'s account.
    /// </summary>
    public async Task<T> WaitForAsync<T>(Func<OtlpReceiver, T?> probe, TimeSpan timeout, Func<OtlpReceiver, string> describe, CancellationToken cancellationToken)
        where T : class
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            var next = Volatile.Read(ref _received).Task;
            if (probe(this) is { } found)
            {
                return found;
            }

            try
            {
                await next.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"Not received within {timeout.TotalSeconds:0} s: {describe(this)}");
            }
        }
    }

    private async Task ReceiveAsync(HttpContext context, Action<byte[]> read)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        try
        {
            read(body.ToArray());
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            _errors.Enqueue($"{context.Request.Path} ({context.Request.ContentType}): {e.Message}");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        finally
        {
            Interlocked.Exchange(ref _received, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        context.Response.ContentType = "application/x-protobuf";
    }

    private static void Enqueue<T>(ConcurrentQueue<T> queue, IEnumerable<T> items)
    {
        foreach (var item in items)
        {
            queue.Enqueue(item);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
