using Memento.Tests.Infrastructure;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Memento.AppHost.Tests.Dashboard;

/// <summary>
/// The README's F5 section, seen in the browser: the AppHost started as F5 starts it, its dashboard opened at the
/// login URL it prints (Debian's headless Chromium, driven by Playwright), a message sent on the chat page, and
/// the dashboard's Resources page, that message's trace and the replica's Memento metrics checked and saved as
/// screenshots. <c>scripts/dashboard-screenshots.sh</c> runs this test to refresh the pictures in docs/images/.
/// </summary>
public sealed partial class DashboardTests
{
    private const float Timeout = 90_000;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private static string ChromiumPath => Environment.GetEnvironmentVariable("MEMENTO_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary><c>MEMENTO_SCREENSHOTS</c> when set (the script sets docs/images), else the test results folder.</summary>
    private static string ScreenshotFolder => Environment.GetEnvironmentVariable("MEMENTO_SCREENSHOTS") is { Length: > 0 } folder
        ? Path.GetFullPath(folder, RepoPaths.Root)
        : Path.Combine(Environment.GetEnvironmentVariable("TEST_RESULTS") is { Length: > 0 } results ? results : Path.Combine(RepoPaths.Root, "TestResults"), "screenshots");

    [Fact]
    public async Task The_dashboard_shows_both_replicas_and_a_chat_message_as_one_trace_through_a_replica()
    {
        Assert.SkipUnless(File.Exists(ChromiumPath), $"Chromium is not installed at {ChromiumPath}; build.sh installs Debian's chromium when run as root, or set MEMENTO_CHROMIUM.");
        var ct = TestContext.Current.CancellationToken;
        using var storage = new TempDirectory("memento-dashboard");
        await using var appHost = await F5Process.StartAsync(storage.Path, StartTimeout, ct);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Timeout = Timeout,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var dashboard = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 720 } });
        dashboard.SetDefaultTimeout(Timeout);
        Directory.CreateDirectory(ScreenshotFolder);

        // The login URL signs the browser in and lands on the Resources page.
        await dashboard.GotoAsync(appHost.LoginUrl.ToString());
        await dashboard.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal));
        var origin = new Uri(dashboard.Url).GetLeftPart(UriPartial.Authority);
        await dashboard.WaitForFunctionAsync(
            """
            () => {
              const rows = [...document.querySelectorAll("tr")].map(r => r.innerText);
              const chat = rows.filter(t => t.includes("Memento.ChatClient.csproj"));
              const servers = rows.filter(t => t.includes("Memento.McpServer.csproj"));
              const ready = t => t.includes("Running") && !/Unhealthy|Starting|Waiting|Not started/.test(t);
              return chat.length === 1 && servers.length === 2 && [...chat, ...servers].every(ready);
            }
            """,
            null,
            new PageWaitForFunctionOptions { Timeout = Timeout });
        var replicas = ReplicaName().Matches(await dashboard.Locator("body").InnerTextAsync()).Select(m => m.Value).Distinct().ToList();
        await ScreenshotAsync(dashboard, "dashboard-resources.png");
        var chatUrl = await dashboard.Locator("tr", new PageLocatorOptions { HasTextString = "Memento.ChatClient.csproj" }).Locator("a[href^='http']").First.GetAttributeAsync("href");

        // A message on the chat page that makes the chat client call a server tool.
        var chat = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 760 } });
        chat.SetDefaultTimeout(Timeout);
        await chat.GotoAsync(chatUrl!);
        await chat.Locator("#prompt").FillAsync("remember that the budget review moved to Thursday #work");
        await chat.Locator("#send").ClickAsync();
        var reply = await chat.Locator("li.message.assistant[data-done=true]", new PageLocatorOptions { HasTextString = "Stored" }).First.Locator(".text").InnerTextAsync();

        // Its trace: the chat page's POST /api/chat down to the replica's storage span.
        await dashboard.GotoAsync(origin + "/traces");
        var cell = dashboard.Locator("td[title^='Name: chat: POST /api/chat']").First;
        var traceId = (await cell.GetAttributeAsync("title"))!.Split("Trace Id:")[1].Trim();
        await dashboard.GotoAsync($"{origin}/traces/detail/{traceId}");
        // Each span's name cell is titled "resource: span name".
        var store = dashboard.Locator("td[title$=': memento.store']").First;
        await store.WaitForAsync();
        var replica = (await store.GetAttributeAsync("title"))!.Split(':')[0];
        await dashboard.Locator($"td[title='{replica}: tools/call store_memory']").WaitForAsync();
        await dashboard.Locator("td[title='chat: POST /api/chat']").WaitForAsync();
        var spans = await dashboard.Locator("td[title*=': ']").EvaluateAllAsync<string[]>("cells => cells.map(c => c.title)");
        await ScreenshotAsync(dashboard, "dashboard-trace.png");

        // The replica that stored it counts the memory in Memento's own metric.
        await dashboard.GotoAsync($"{origin}/metrics/resource/{replica}?meter=Memento.Storage&instrument=memento.memories.stored&duration=5&view=Graph");
        await dashboard.Locator("text=Memories created.").First.WaitForAsync();
        // The chart has drawn its line (Plotly's scatter trace).
        await dashboard.Locator(".js-plotly-plot .scatterlayer .trace path.js-line").First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await ScreenshotAsync(dashboard, "dashboard-metrics.png");

        Assert.StartsWith("Stored \"the budget review moved to Thursday", reply.Trim());
        Assert.Equal(2, replicas.Count);
        Assert.Contains(replica, replicas);
        Assert.Subset(
            new HashSet<string>(spans),
            new HashSet<string> { "chat: POST /api/chat", "chat: execute_tool store_memory", $"{replica}: POST /mcp/", $"{replica}: tools/call store_memory", $"{replica}: memento store_memory" });
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(ScreenshotFolder, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
        Assert.True(new FileInfo(path).Length > 10_000, $"{path} is nearly empty");
        TestContext.Current.SendDiagnosticMessage($"screenshot: {path}");
    }

    [GeneratedRegex("mcpserver-[a-z0-9]{8}")]
    private static partial Regex ReplicaName();
}
