using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Memento.Tests.Chat;
using Memento.Tests.Infrastructure;
using Memento.Tests.Tools;
using ModelContextProtocol.Client;

namespace Memento.Tests.App;

/// <summary>
/// The built services started as <c>dotnet /path/to/service.dll</c> from another working directory (as a
/// desktop MCP host or a shell elsewhere does) find their page and settings beside the dll.
/// </summary>
public sealed partial class WorkingDirectoryTests
{
    [Fact]
    public async Task The_chat_page_and_the_server_work_when_started_from_another_directory()
    {
        using var elsewhere = new TempDirectory("memento-cwd");
        using var storage = new TempDirectory("memento-cwd-store");
        await using var server = await ServiceProcess.StartAsync("Memento.McpServer", new Dictionary<string, string?> { ["Memento__Storage__Root"] = storage.Path }, workingDirectory: elsewhere.Path);
        var environment = ChatStack.CleanModelEnvironment();
        environment["services__mcpserver__http__0"] = server.BaseAddress.GetLeftPart(UriPartial.Authority);
        await using var chat = await ServiceProcess.StartAsync("Memento.ChatClient", environment, workingDirectory: elsewhere.Path);
        using var http = new HttpClient { BaseAddress = chat.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        using var page = await http.GetAsync("/", TestContext.Current.CancellationToken);
        using var script = await http.GetAsync("/app.js", TestContext.Current.CancellationToken);
        using var serverHealth = await new HttpClient { Timeout = TimeSpan.FromSeconds(30) }.GetAsync(new Uri(server.BaseAddress, "/health"), TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<title>Memento</title>", await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(System.Net.HttpStatusCode.OK, script.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, serverHealth.StatusCode);
        var binFolder = Path.GetDirectoryName(RepoPaths.ProjectDll("Memento.McpServer"))!;
        // Its appsettings.json was read: the content root is the dll's folder and ASP.NET Core's request logs stay at Warning.
        Assert.Contains(server.Output, line => ContentRootLine().Match(line) is { Success: true } m && Path.TrimEndingDirectorySeparator(m.Groups["path"].Value) == binFolder);
        Assert.DoesNotContain(server.Output, line => line.Contains("Request starting", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_server_over_stdio_reads_its_settings_beside_the_dll_when_a_desktop_host_starts_it_elsewhere()
    {
        // As the README's desktop-host example does: dotnet /path/to/Memento.McpServer.dll --stdio, from the host's own directory.
        using var elsewhere = new TempDirectory("memento-cwd");
        using var storage = new TempDirectory("memento-cwd-store");
        var stderr = new ConcurrentQueue<string>();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = "dotnet",
            Arguments = [RepoPaths.ProjectDll("Memento.McpServer"), "--stdio"],
            WorkingDirectory = elsewhere.Path,
            EnvironmentVariables = new Dictionary<string, string?>
            {
                ["Memento__Storage__Root"] = storage.Path,
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
                ["DOTNET_ENVIRONMENT"] = "Production",
            },
            StandardErrorLines = stderr.Enqueue,
        });

        await using (var client = await McpClient.CreateAsync(transport, cancellationToken: TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken))
        {
            var stored = await client.CallOkAsync("store_memory", new { content = "Started from another directory" });
            Assert.True(File.Exists(Path.Combine(storage.Path, "default", stored.Id() + ".md")));
        }

        var binFolder = Path.GetDirectoryName(RepoPaths.ProjectDll("Memento.McpServer"))!;
        Assert.Contains(stderr, line => ContentRootLine().Match(line) is { Success: true } m && Path.TrimEndingDirectorySeparator(m.Groups["path"].Value) == binFolder);
    }

    [GeneratedRegex(@"Content root path: (?<path>\S+)")]
    private static partial Regex ContentRootLine();
}
