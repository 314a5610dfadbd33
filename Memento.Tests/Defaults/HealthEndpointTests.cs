using System.Net;
using Memento.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Memento.Tests.Defaults;

public sealed class HealthEndpointTests
{
    public static TheoryData<string, string> Endpoints => new()
    {
        { "server", "/health" },
        { "server", "/alive" },
        { "chat", "/health" },
        { "chat", "/alive" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Health_endpoints_answer_200_in_Production(string service, string path)
    {
        using var storage = new TempDirectory();
        var (factory, client) = Create(service, storage.Path);
        await using var _ = factory;
        using var __ = client;

        var response = await client.GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("Memento.McpServer")]
    [InlineData("Memento.ChatClient")]
    public async Task Service_starts_as_a_process_with_its_defaults_and_reports_healthy(string project)
    {
        using var storage = new TempDirectory();
        await using var service = await ServiceProcess.StartAsync(project, new Dictionary<string, string?>
        {
            ["Memento__Storage__Root"] = storage.Path,
        });
        using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        var health = await http.GetAsync("/health", TestContext.Current.CancellationToken);
        var alive = await http.GetAsync("/alive", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal("127.0.0.1", service.BaseAddress.Host);
    }

    private static (IAsyncDisposable Factory, HttpClient Client) Create(string service, string storageRoot)
    {
        switch (service)
        {
            case "server":
                var server = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b
                    .UseEnvironment("Production")
                    .UseSetting("Memento:Storage:Root", storageRoot));
                return (server, server.CreateClient());
            case "chat":
                var chat = new WebApplicationFactory<Memento.ChatClient.Program>().WithWebHostBuilder(b => b
                    .UseEnvironment("Production"));
                return (chat, chat.CreateClient());
            default:
                throw new ArgumentOutOfRangeException(nameof(service));
        }
    }
}
