using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Memento.AppHost.Tests.Telemetry;

/// <summary>
/// The AppHost with every project's OTLP exporter pointed at an <see cref="OtlpReceiver"/> in the test. Under
/// <c>Aspire.Hosting.Testing</c> the dashboard is off, yet the testing builder still sets the dashboard's gRPC
/// OTLP address (<c>ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:4317</c>), and Aspire gives resources the
/// gRPC address whenever one is set, so an OTLP/HTTP address set through
/// <c>ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL</c> never reaches them: they export over gRPC to a port where
/// nothing listens. The resources' own variables are set here instead; they are applied after Aspire's.
/// </summary>
public sealed class AppHostTelemetryTopology : AppHostTopology
{
    private OtlpReceiver? _receiver;

    public OtlpReceiver Receiver => _receiver ?? throw new InvalidOperationException("The AppHost has not been started.");

    protected override async ValueTask ConfigureAsync(IDistributedApplicationTestingBuilder appHost, CancellationToken cancellationToken)
    {
        _receiver = await OtlpReceiver.StartAsync(cancellationToken);
        var endpoint = _receiver.Address.ToString().TrimEnd('/');
        foreach (var project in appHost.Resources.OfType<ProjectResource>().ToList())
        {
            appHost.CreateResourceBuilder(project)
                .WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
                .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
        }
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
    }
}
