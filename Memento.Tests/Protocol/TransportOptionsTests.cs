using System.Net;
using Memento.McpServer.Auth;
using Memento.Tests.Auth;
using Memento.Tests.Infrastructure;
using Memento.Tests.Tools;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;

namespace Memento.Tests.Protocol;

/// <summary>One composition of options for every transport, and legacy SSE beside stateless Streamable HTTP.</summary>
public sealed class TransportOptionsTests
{
    [Fact]
    public void The_stdio_server_binds_the_same_http_limits_as_the_http_server()
    {
        using var host = MementoCommandLine.BuildStdioHost(["--Memento:Http:RequestTimeout=00:00:07", "--Memento:Http:MaxRequestBodyBytes=65536"]);

        var http = host.Services.GetRequiredService<IOptions<HttpOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(7), http.RequestTimeout);
        Assert.Equal(65536, http.MaxRequestBodyBytes);
    }

    [Fact]
    public void The_stdio_server_refuses_an_invalid_limit_with_the_key_in_the_message()
    {
        using var host = MementoCommandLine.BuildStdioHost(["--Memento:Http:RequestTimeout=00:00:00"]);

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<HttpOptions>>().Value);

        Assert.Contains("RequestTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stdio_server_process_refuses_to_start_with_an_invalid_http_limit()
    {
        using var storage = new TempDirectory();
        await using var stdio = await ServiceProcess.StartAsync(
            "Memento.McpServer",
            new Dictionary<string, string?>
            {
                ["Memento__Storage__Root"] = storage.Path,
                ["Memento__Http__RequestTimeout"] = "00:00:00",
                ["DOTNET_ENVIRONMENT"] = "Production",
            },
            args: ["--stdio"],
            waitForListening: false);

        // A stdio server that ignored Memento:Http would wait for its client on stdin instead of exiting.
        var exitCode = await stdio.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(stdio.Output, line => line.Contains("RequestTimeout", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("false")]
    [InlineData("true")]
    public async Task A_stateless_tool_call_without_initialize_works_whether_legacy_SSE_is_on_or_off(string legacySse)
    {
        await using var server = McpServerHost.Start(new Dictionary<string, string?> { ["Memento:Http:EnableLegacySse"] = legacySse });
        using var http = server.CreateHttpClient();

        using var request = RawRequests.Post("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"store_memory","arguments":{"content":"no handshake"}}}""");
        request.Headers.Add("X-Memento-User", "stateless");
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Stored memory", body, StringComparison.Ordinal);
        await using var client = await server.ConnectAsync(user: "stateless");
        Assert.Equal(1, (await client.CallOkAsync("get_user_stats")).GetProperty("memoryCount").GetInt32());
        if (legacySse == "true")
        {
            await using var sse = await server.ConnectAsync(user: "stateless", mode: HttpTransportMode.Sse, path: "/sse");
            Assert.Equal(1, (await sse.CallOkAsync("get_user_stats")).GetProperty("memoryCount").GetInt32());
        }
    }
}
