using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
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
        app.MapHealthChecks(HealthPath);
        app.MapHealthChecks(AlivePath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains("live"),
        });

        return app;
    }

    private static bool IsHealthRequest(PathString path) =>
        path.StartsWithSegments(HealthPath) || path.StartsWithSegments(AlivePath);
}
