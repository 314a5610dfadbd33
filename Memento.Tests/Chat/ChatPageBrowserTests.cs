using Memento.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Memento.Tests.Chat;

/// <summary>
/// The chat page in headless Chromium (Debian's, driven by Playwright): a message goes out, the reply
/// streams in with its tool chip, the memory list and chart follow, and a screenshot is kept.
/// </summary>
public sealed class ChatPageBrowserTests
{
    internal const float Timeout = 60_000;

    internal static string ChromiumPath => Environment.GetEnvironmentVariable("MEMENTO_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Where CI artifacts go: build.sh exports TEST_RESULTS; a plain test run uses TestResults/ at the root.</summary>
    public static string ScreenshotFolder => Path.Combine(
        Environment.GetEnvironmentVariable("TEST_RESULTS") is { Length: > 0 } results ? results : Path.Combine(RepoPaths.Root, "TestResults"),
        "screenshots");

    [Fact]
    public async Task A_message_on_the_page_streams_a_reply_with_its_tool_chip()
    {
        Assert.SkipUnless(File.Exists(ChromiumPath), $"Chromium is not installed at {ChromiumPath}; build.sh installs Debian's chromium when run as root, or set MEMENTO_CHROMIUM.");
        await using var stack = await ChatStack.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 760 } });
        page.SetDefaultTimeout(Timeout);
        var offsite = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(stack.Chat.BaseAddress.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal))
            {
                offsite.Add(request.Url);
            }
        };

        await page.GotoAsync(stack.Chat.BaseAddress.ToString());
        await page.Locator("#info").Filter(new LocatorFilterOptions { HasText = "offline engine" }).WaitForAsync();
        await page.EvaluateAsync("""
            window.__textUpdates = 0;
            new MutationObserver(records => {
              for (const r of records) if (r.target.classList && r.target.classList.contains("text")) window.__textUpdates++;
            }).observe(document.getElementById("messages"), { subtree: true, childList: true, characterData: true });
            """);

        await Send(page, "store this meeting summary: Budget review moved to Friday, Kubernetes costs up 12% #work");
        var stored = page.Locator("li.message.assistant[data-done=true]").Nth(0);
        await stored.WaitForAsync();
        var storedUpdates = await page.EvaluateAsync<int>("window.__textUpdates");
        await Send(page, "find my notes about the budget from last week");
        var found = page.Locator("li.message.assistant[data-done=true]").Nth(1);
        await found.WaitForAsync();
        await page.Locator("#memories li .title").First.WaitForAsync();
        await page.Locator("#chart rect[height]:not([height='0'])").First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

        var storeChip = stored.Locator(".chip.ok");
        Assert.Contains("store_memory(content: \"Budget review moved to Friday, Kubernetes costs up 12% #work\", tags: [\"work\"])", await storeChip.TextContentAsync());
        Assert.StartsWith("Stored \"Budget review moved to Friday", await stored.Locator(".text").TextContentAsync());
        Assert.True(storedUpdates > 5, $"the reply arrived in {storedUpdates} pieces; it should stream");
        Assert.Contains("retrieve_memories(query: \"budget\"", await found.Locator(".chip.ok").TextContentAsync());
        Assert.StartsWith("I found 1 memory about \"budget\"", await found.Locator(".text").TextContentAsync());
        Assert.Equal("Budget review moved to Friday, Kubernetes costs up 12% #work", await page.Locator("#memories li .title").First.TextContentAsync());
        Assert.Empty(offsite);

        Directory.CreateDirectory(ScreenshotFolder);
        var screenshot = Path.Combine(ScreenshotFolder, "chat-page.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is not empty");
        TestContext.Current.SendDiagnosticMessage($"screenshot: {screenshot}");
    }

    /// <summary>Debian's Chromium, headless, with the flags a container without a sandbox or GPU needs.</summary>
    internal static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = ChromiumPath,
        Headless = true,
        Timeout = Timeout,
        Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });

    private static async Task Send(IPage page, string message)
    {
        await page.Locator("#prompt").FillAsync(message);
        await page.Locator("#send").ClickAsync();
    }
}
