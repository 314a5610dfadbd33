using System.Net;

namespace Memento.AppHost.Tests;

/// <summary>Starts the real AppHost through Aspire.Hosting.Testing; runs where the Aspire packages restore.</summary>
public sealed class AppHostTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Server_replicas_and_chat_client_become_healthy()
    {
        var ct = TestContext.Current.CancellationToken;
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Memento_AppHost>(
            ["Memento:Storage:Root=" + Directory.CreateTempSubdirectory("memento-apphost").FullName], ct);
        await using var app = await appHost.BuildAsync(ct).WaitAsync(StartTimeout, ct);
        await app.StartAsync(ct).WaitAsync(StartTimeout, ct);

        await app.ResourceNotifications.WaitForResourceHealthyAsync("mcpserver", ct).WaitAsync(StartTimeout, ct);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("chat", ct).WaitAsync(StartTimeout, ct);

        using var chat = app.CreateHttpClient("chat");
        using var server = app.CreateHttpClient("mcpserver");
        Assert.Equal(HttpStatusCode.OK, (await chat.GetAsync("/health", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.GetAsync("/alive", ct)).StatusCode);
    }
}
