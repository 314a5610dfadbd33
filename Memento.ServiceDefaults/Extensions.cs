using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Cross-cutting defaults shared by every Memento service: OpenTelemetry, health checks,
/// service discovery and HTTP resilience.
/// </summary>
public static class Extensions
{
    /// <summary>Liveness endpoint: the process is up. Kubernetes restarts the pod when it fails.</summary>
    public const string AlivePath = "/alive";

    /// <summary>Readiness endpoint: every registered health check passes. Kubernetes routes traffic only when it does.</summary>
    public const string HealthPath = "/health";

    /// <summary>
    /// Response header naming the replica that answered (see <see cref="ReplicaName"/>), so a client behind a
    /// load balancer can tell which instance served each request.
    /// </summary>
    public const string ReplicaHeader = "X-Memento-Replica";

    /// <summary>Activity sources traced in every service, besides ASP.NET Core and HttpClient.</summary>
    public static readonly string[] ActivitySources =
    [
        "Experimental.ModelContextProtocol",
        "Experimental.Microsoft.Extensions.AI",
        "Memento.*",
    ];

    /// <summary>Meters collected in every service, besides ASP.NET Core, HttpClient and the runtime.</summary>
    public static readonly string[] Meters =
    [
        "Experimental.ModelContextProtocol",
        "Experimental.Microsoft.Extensions.AI",
        "Memento.*",
    ];

    /// <summary>
    /// Adds OpenTelemetry (OTLP export when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set), the default
    /// liveness check, service discovery and the standard resilience handler on every HttpClient.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    /// <summary>Configures logs, metrics and traces, and the OTLP exporter when its endpoint is configured.</summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(Meters))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(ActivitySources)
                .AddAspNetCoreInstrumentation(options =>
                    // Probes hit these every few seconds; tracing them only buries real requests.
                    options.Filter = context => !IsHealthRequest(context.Request.Path))
                .AddHttpClientInstrumentation());

        if (IsOtlpExporterEnabled(builder))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>True when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> holds a value, from the environment or any configuration source.</summary>
    public static bool IsOtlpExporterEnabled(IHostApplicationBuilder builder) =>
        !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    /// <summary>Adds the "self" liveness check that <see cref="AlivePath"/> reports.</summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);

        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (all checks) and <c>/alive</c> (checks tagged "live") in every environment:
    /// Kubernetes probes need them in Production too.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        var replica = ReplicaName(app.Configuration);
        app.Use((context, next) =>
        {
            context.Response.Headers[ReplicaHeader] = replica;
            return next(context);
        });

        app.MapHealthChecks(HealthPath, new HealthCheckOptions { ResponseWriter = WriteHealthAsync });
        app.MapHealthChecks(AlivePath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains("live"),
            ResponseWriter = WriteHealthAsync,
        });

        return app;
    }

    /// <summary>
    /// This instance's name: the OpenTelemetry <c>service.instance.id</c> from <c>OTEL_RESOURCE_ATTRIBUTES</c>
    /// (Aspire sets one per replica), else <c>HOSTNAME</c> (the pod name in Kubernetes), else the machine name
    /// and process id.
    /// </summary>
    public static string ReplicaName(IConfiguration configuration)
    {
        foreach (var attribute in (configuration["OTEL_RESOURCE_ATTRIBUTES"] ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (attribute.Split('=', 2, StringSplitOptions.TrimEntries) is ["service.instance.id", { Length: > 0 } id])
            {
                return id;
            }
        }

        return configuration["HOSTNAME"] is { Length: > 0 } host ? host : $"{Environment.MachineName}-{Environment.ProcessId}";
    }

    // "Healthy" alone when every check passes (what probes and people expect); otherwise the status and,
    // per failing check, its reason, so `curl /health` and the Aspire dashboard say why.
    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var text = new StringBuilder(report.Status.ToString());
        foreach (var (name, entry) in report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy))
        {
            text.Append('\n').Append(name).Append(": ").Append(entry.Status).Append(" - ").Append(entry.Description ?? entry.Exception?.Message ?? "no reason given");
        }

        return context.Response.WriteAsync(text.ToString());
    }

    private static bool IsHealthRequest(PathString path) =>
        path.StartsWithSegments(HealthPath) || path.StartsWithSegments(AlivePath);
}
