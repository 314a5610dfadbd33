using System.Text.Json;
using System.Text.RegularExpressions;
using Memento.Tests.Tools;
using Microsoft.Playwright;
using ModelContextProtocol.Client;

namespace Memento.Tests.Chat;

/// <summary>
/// The chat page as a person meets it, in Debian's Chromium at a desktop and a phone size: long unbroken
/// text stays inside the screen, light and dark colours keep a contrast of 4.5:1, the conversation comes
/// back after a reload, the memory list (open, edit, copy, delete, restore, the trash view, tags) is worked
/// by keyboard and pages past 50, replies render Markdown safely, and a message sent while the chat service
/// is unreachable is kept and sent later.
/// </summary>
public sealed partial class ChatPageLayoutTests
{
    private const float Timeout = 60_000;
    private static readonly string LongUrl = "https://example.com/" + string.Concat(Enumerable.Repeat("averyveryverylongpathsegment", 6)) + "?q=1";
    private static readonly string LongWord = new('w', 160);

    [Theory]
    [InlineData(1400, 900)]
    [InlineData(390, 844)]
    public async Task The_page_holds_up_at_this_size_in_light_and_dark_and_its_list_works_by_keyboard(int width, int height)
    {
        SkipWithoutChromium();
        await using var stack = await ChatStack.StartAsync();
        await SeedAsync(stack, 54);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, ColorScheme = ColorScheme.Light });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(Timeout);
        await page.GotoAsync(stack.Chat.BaseAddress.ToString());
        await page.Locator("#info").Filter(new LocatorFilterOptions { HasText = "offline engine" }).WaitForAsync();

        await Send(page, $"remember: the spec is at {LongUrl} and {LongWord} #work");
        await Send(page, "show it");
        await page.Locator("#memories li").Nth(49).WaitForAsync();
        await page.Locator("#chart text").First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

        // No horizontal overflow anywhere, Send on screen.
        var overflow = await page.EvaluateAsync<string[]>(OverflowScript);
        Assert.True(overflow.Length == 0, "overflowing: " + string.Join("; ", overflow));
        var send = await page.Locator("#send").BoundingBoxAsync();
        Assert.True(send!.X + send.Width <= width, $"Send ends at {send.X + send.Width} px of {width}");
        Assert.Equal(1, await page.Locator($"#messages a[href='{LongUrl}']").CountAsync());

        var lowContrast = await page.EvaluateAsync<string[]>(ContrastScript);
        Assert.True(lowContrast.Length == 0, "contrast below 4.5:1: " + string.Join("; ", lowContrast));

        // Paging past 50, then list actions by keyboard only.
        Assert.Equal(50, await page.Locator("#memories > li").CountAsync());
        await page.Locator("#more").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#memories > li").Nth(54).WaitForAsync();
        Assert.Equal(55, await page.Locator("#memories > li").CountAsync());
        Assert.True(await page.Locator("#more").IsHiddenAsync());

        var first = page.Locator("#memories > li").First;
        await first.Locator("button", new LocatorLocatorOptions { HasTextString = "Open" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await first.Locator(".detail").WaitForAsync();
        Assert.Contains("averyveryverylongpathsegment", await first.Locator(".detail").TextContentAsync());

        await first.Locator("button", new LocatorLocatorOptions { HasTextString = "Delete" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await first.Locator("button", new LocatorLocatorOptions { HasTextString = "Restore" }).WaitForAsync();
        Assert.Equal(54, stack.MemoryFiles().Count);
        Assert.Equal("Restore", await page.EvaluateAsync<string>("document.activeElement.textContent"));
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#memories-status").Filter(new LocatorFilterOptions { HasTextRegex = RestoredText() }).WaitForAsync();
        Assert.Equal(55, stack.MemoryFiles().Count);

        // Edit by keyboard: the form opens on the content; Save writes back what was typed.
        await first.Locator("button", new LocatorLocatorOptions { HasTextString = "Edit" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await first.Locator("form.edit textarea").WaitForAsync();
        Assert.Equal("Content", await page.EvaluateAsync<string>("document.activeElement.getAttribute('aria-label')"));
        await page.Keyboard.PressAsync("Control+End");
        await page.Keyboard.TypeAsync(" Edited by keyboard.");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Save", await page.EvaluateAsync<string>("document.activeElement.textContent"));
        await page.Keyboard.PressAsync("Enter");
        // Saved, the list is drawn again without the form.
        await first.Locator("form.edit").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
        var edited = Assert.Single(stack.MemoryFiles(), f => File.ReadAllText(f).Contains(LongUrl, StringComparison.Ordinal));
        Assert.EndsWith($"{LongWord} #work Edited by keyboard.", File.ReadAllText(edited));

        // Copy by keyboard: the memory's whole content goes to the clipboard.
        await page.EvaluateAsync("() => { navigator.clipboard.writeText = async (text) => { window.__copied = text; }; }");
        await first.Locator("button", new LocatorLocatorOptions { HasTextString = "Copy" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForFunctionAsync("() => window.__copied !== undefined");
        Assert.EndsWith("#work Edited by keyboard.", await page.EvaluateAsync<string>("window.__copied"));

        // The Trash view by keyboard: a deleted memory is listed there and restored from there.
        await first.Locator("button", new LocatorLocatorOptions { HasTextString = "Delete" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await first.Locator("button", new LocatorLocatorOptions { HasTextString = "Restore" }).WaitForAsync();
        await page.Locator("#show-trash").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#library-title").Filter(new LocatorFilterOptions { HasTextString = "Trash" }).WaitForAsync();
        await page.Locator("#memories-status").Filter(new LocatorFilterOptions { HasTextString = "1 shown" }).WaitForAsync();
        Assert.Equal(54, stack.MemoryFiles().Count);
        await page.Locator("#memories > li").First.Locator("button", new LocatorLocatorOptions { HasTextString = "Restore" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#memories-status").Filter(new LocatorFilterOptions { HasTextRegex = RestoredText() }).WaitForAsync();
        Assert.Equal(0, await page.Locator("#memories > li").CountAsync());
        Assert.Equal(55, stack.MemoryFiles().Count);
        await page.Locator("#show-trash").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#library-title").Filter(new LocatorFilterOptions { HasTextString = "Your memories" }).WaitForAsync();

        await page.Locator("#memories button.tag", new PageLocatorOptions { HasTextString = "work" }).First.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#memories-status").Filter(new LocatorFilterOptions { HasTextString = "1 shown" }).WaitForAsync();
        Assert.Equal("work", await page.Locator("#tag").InputValueAsync());
        Assert.Matches(DateFormat(), await page.Locator("#memories .meta").First.TextContentAsync() ?? "");

        // The conversation is still there after a reload.
        var before = await page.Locator("#messages li.message:not(.intro)").AllTextContentsAsync();
        await page.ReloadAsync();
        await page.Locator("#messages li.message.assistant[data-done=true]").Nth(1).WaitForAsync();
        var after = await page.Locator("#messages li.message:not(.intro)").AllTextContentsAsync();
        Assert.Equal(4, before.Count);
        Assert.Equal(before, after);

        var screenshot = Path.Combine(ChatPageBrowserTests.ScreenshotFolder, $"chat-page-{width}x{height}.png");
        Directory.CreateDirectory(ChatPageBrowserTests.ScreenshotFolder);
        await page.Locator("#tag").FillAsync("");
        await page.Locator("#memories > li").Nth(20).WaitForAsync();
        await page.EvaluateAsync("window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot });
        TestContext.Current.SendDiagnosticMessage($"screenshot: {screenshot}");

        // Dark mode, from the system setting, with the same contrast rule.
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Dark });
        var background = await page.EvaluateAsync<double>(LuminanceScript, "body");
        Assert.True(background < 0.05, $"the dark page's background has luminance {background}");
        var lowContrastDark = await page.EvaluateAsync<string[]>(ContrastScript);
        Assert.True(lowContrastDark.Length == 0, "dark contrast below 4.5:1: " + string.Join("; ", lowContrastDark));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChatPageBrowserTests.ScreenshotFolder, $"chat-page-{width}x{height}-dark.png") });
    }

    [Fact]
    public async Task Replies_render_markdown_safely_and_a_message_sent_while_unreachable_is_kept_and_sent_later()
    {
        SkipWithoutChromium();
        await using var stack = await ChatStack.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        page.SetDefaultTimeout(Timeout);
        await page.GotoAsync(stack.Chat.BaseAddress.ToString());
        await page.Locator("#info").Filter(new LocatorFilterOptions { HasText = "offline engine" }).WaitForAsync();

        // Markdown: links clickable, HTML stays text, javascript: links are not links.
        await Send(page, "remember: <img src=x onerror=\"window.__pwned=1\"> see [the spec](https://example.com/spec) or [this](javascript:window.__pwned=2) **now**");
        await Send(page, "show it");
        var shown = page.Locator("li.message.assistant[data-done=true]").Nth(1);
        Assert.Equal("https://example.com/spec", await shown.Locator("a", new LocatorLocatorOptions { HasTextString = "the spec" }).Last.GetAttributeAsync("href"));
        Assert.Equal(1, await shown.Locator("strong", new LocatorLocatorOptions { HasTextString = "now" }).CountAsync());
        Assert.Equal(0, await page.Locator("#messages img, #messages a[href^='javascript']").CountAsync());
        Assert.Contains("<img src=x", await shown.TextContentAsync());
        Assert.False(await page.EvaluateAsync<bool>("window.__pwned !== undefined"));

        // Multi-line input: Shift+Enter is a new line, Enter sends.
        await page.Locator("#prompt").FocusAsync();
        await page.Keyboard.TypeAsync("remember: line one");
        await page.Keyboard.PressAsync("Shift+Enter");
        await page.Keyboard.TypeAsync("line two");
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("li.message.assistant[data-done=true]").Nth(2).WaitForAsync();
        Assert.Contains(stack.MemoryFiles(), f => File.ReadAllText(f).EndsWith("line one\nline two", StringComparison.Ordinal));

        // A 20,000-character note: its tool chip stays short.
        await Send(page, "remember: " + new string('x', 20_000));
        var chip = await page.Locator("li.message.assistant[data-done=true]").Nth(3).Locator(".chip .call").TextContentAsync();
        Assert.True(chip!.Length < 200, $"the chip says {chip.Length} characters");
        Assert.Contains("(20,002 characters)", chip);

        // Copy buttons, and a chart with axes and labels.
        await page.Locator("li.message.assistant[data-done=true]").Nth(3).Locator("button", new LocatorLocatorOptions { HasTextString = "Copy" }).ClickAsync();
        await page.Locator("li.message.assistant button", new PageLocatorOptions { HasTextString = "Copied" }).WaitForAsync();
        await page.Locator("#chart rect[height]:not([height='0'])").First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        var labels = await page.Locator("#chart text").AllTextContentsAsync();
        Assert.Contains("memories", labels);
        Assert.Contains("day", labels);
        Assert.Contains("0", labels);
        Assert.Equal(2, await page.Locator("#chart line.axis").CountAsync());
        Assert.Contains(labels, l => ShortDay().IsMatch(l));

        // The chat service unreachable: the message is kept, marked, and sent once it answers again.
        await page.RouteAsync("**/api/chat", route => route.AbortAsync());
        await Send(page, "stats", waitForReply: false);
        await page.Locator("li.message.user.pending").WaitForAsync();
        Assert.Contains("stats", await page.EvaluateAsync<string>("localStorage.getItem('memento-outbox')"));
        await page.UnrouteAsync("**/api/chat");
        await page.Locator("li.message.assistant[data-done=true]", new PageLocatorOptions { HasTextString = "You have" }).WaitForAsync();
        Assert.Equal(0, await page.Locator("li.message.user.pending").CountAsync());
        Assert.Equal("[]", await page.EvaluateAsync<string>("localStorage.getItem('memento-outbox')"));
    }

    private static void SkipWithoutChromium()
    {
        var path = ChromiumPath;
        Assert.SkipUnless(File.Exists(path), $"Chromium is not installed at {path}; build.sh installs Debian's chromium when run as root, or set MEMENTO_CHROMIUM.");
    }

    private static string ChromiumPath => Environment.GetEnvironmentVariable("MEMENTO_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = ChromiumPath,
        Headless = true,
        Timeout = Timeout,
        Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });

    private static async Task Send(IPage page, string message, bool waitForReply = true)
    {
        var done = await page.Locator("li.message.assistant[data-done=true]").CountAsync();
        await page.Locator("#prompt").FillAsync(message);
        await page.Locator("#send").ClickAsync();
        if (waitForReply)
        {
            await page.Locator("li.message.assistant[data-done=true]").Nth(done).WaitForAsync();
        }
    }

    /// <summary>Stores memories straight through the server (fast), one of them tagged, all but one untagged.</summary>
    private static async Task SeedAsync(ChatStack stack, int count)
    {
        await using var client = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(stack.Server.BaseAddress, "/mcp") }),
            cancellationToken: TestContext.Current.CancellationToken).WaitAsync(McpServerHost.Timeout, TestContext.Current.CancellationToken);
        for (var i = 0; i < count; i++)
        {
            await client.CallAsync("store_memory", new { content = $"Seeded note number {i} about the quarterly plan" });
        }
    }

    private const string OverflowScript = """
        () => {
          const bad = [];
          const root = document.documentElement;
          if (root.scrollWidth > root.clientWidth + 1) bad.push(`page ${root.scrollWidth} > ${root.clientWidth}`);
          for (const el of document.querySelectorAll("#messages li, #messages .chip, #messages .text, #memories li, #memories .detail, header, main, #chat, #library")) {
            if (el.scrollWidth > el.clientWidth + 1) bad.push(`${el.tagName}.${el.className} ${el.scrollWidth} > ${el.clientWidth}`);
            const r = el.getBoundingClientRect();
            if (r.right > root.clientWidth + 1) bad.push(`${el.tagName}.${el.className} ends at ${r.right}`);
          }
          return bad;
        }
        """;

    private const string LuminanceScript = """
        (selector) => {
          const m = getComputedStyle(document.querySelector(selector)).backgroundColor.match(/[\d.]+/g).map(Number);
          const [r, g, b] = m.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
          return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        }
        """;

    /// <summary>Every element with its own visible text: its colour against the background it is painted on (WCAG contrast).</summary>
    private const string ContrastScript = """
        () => {
          const parse = (s) => { const p = (s.match(/[\d.]+/g) || []).map(Number); return p.length < 3 ? null : { rgb: p.slice(0, 3), a: p.length > 3 ? p[3] : 1 }; };
          const lum = (c) => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
          const background = (el) => {
            const layers = [];
            for (let e = el; e; e = e.parentElement) {
              const c = parse(getComputedStyle(e).backgroundColor);
              if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
            }
            let base = [255, 255, 255];
            for (const l of layers.reverse()) base = base.map((v, i) => l.rgb[i] * l.a + v * (1 - l.a));
            return base;
          };
          const bad = [];
          for (const el of document.querySelectorAll("body *")) {
            if (!el.getClientRects().length) continue;
            if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
            const st = getComputedStyle(el);
            if (st.visibility === "hidden" || st.display === "none") continue;
            const fg = parse(el instanceof SVGElement ? st.fill : st.color);
            if (!fg) continue;
            const bg = background(el);
            const color = fg.rgb.map((v, i) => v * fg.a + bg[i] * (1 - fg.a));
            const [hi, lo] = [lum(color), lum(bg)].sort((a, b) => b - a);
            const ratio = (hi + 0.05) / (lo + 0.05);
            if (ratio < 4.5) bad.push(`${el.tagName}.${el.getAttribute("class") || ""} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
          }
          return bad;
        }
        """;

    [GeneratedRegex(@"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}, \d{2}:\d{2} · ")]
    private static partial Regex DateFormat();

    [GeneratedRegex(@"^\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)$")]
    private static partial Regex ShortDay();

    [GeneratedRegex("^Restored")]
    private static partial Regex RestoredText();
}
