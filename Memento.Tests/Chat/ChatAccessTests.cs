using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Memento.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Memento.Tests.Chat;

/// <summary>
/// The chat page's API acts on the configured user's memories, so it follows the server's rule: beyond
/// loopback it needs an access key, and with the key configured the API refuses requests without it while
/// the page asks for it and then works as before.
/// </summary>
public sealed class ChatAccessTests
{
    private const string Key = "chat-access-key-0123456789";

    private static string KeyHash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Key)));

    [Fact]
    public async Task The_chat_page_refuses_to_start_beyond_loopback_without_an_access_key()
    {
        var environment = ChatStack.CleanModelEnvironment();
        environment["Memento__Chat__ServerUrl"] = "http://127.0.0.1:9/mcp";
        await using var chat = await ServiceProcess.StartAsync("Memento.ChatClient", environment, ["--urls", "http://0.0.0.0:0"], waitForListening: false);

        var exitCode = await chat.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(chat.Output, line => line.Contains("Memento:Chat:AccessKeyHash", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_an_access_key_the_api_refuses_requests_without_it_and_serves_those_with_it()
    {
        await using var stack = await ChatStack.StartAsync(new Dictionary<string, string?> { ["Memento__Chat__AccessKeyHash"] = KeyHash });

        using var page = await stack.Http.GetAsync("/", TestContext.Current.CancellationToken);
        using var anonymous = await stack.Http.GetAsync("/api/info", TestContext.Current.CancellationToken);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/memories");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key + "x");
        using var wrongResponse = await stack.Http.SendAsync(wrong, TestContext.Current.CancellationToken);
        stack.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using var info = await stack.Http.GetAsync("/api/info", TestContext.Current.CancellationToken);
        var turn = await stack.SendAsync("c1", "remember: the spare key is under the blue pot");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        Assert.Contains("Stored", turn.Text, StringComparison.Ordinal);
        Assert.Single(stack.MemoryFiles());
    }

    [Fact]
    public async Task With_an_access_key_the_page_asks_for_it_once_and_then_works()
    {
        Assert.SkipUnless(File.Exists(ChatPageBrowserTests.ChromiumPath), $"Chromium is not installed at {ChatPageBrowserTests.ChromiumPath}; build.sh installs Debian's chromium when run as root, or set MEMENTO_CHROMIUM.");
        await using var stack = await ChatStack.StartAsync(new Dictionary<string, string?> { ["Memento__Chat__AccessKeyHash"] = KeyHash });
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await ChatPageBrowserTests.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(ChatPageBrowserTests.Timeout);

        await page.GotoAsync(stack.Chat.BaseAddress.ToString());
        await page.Locator("#access-key").WaitForAsync();
        await page.Locator("#access-key").FillAsync(Key);
        await page.Locator("#access button").ClickAsync();
        await page.Locator("#info").Filter(new LocatorFilterOptions { HasText = "offline engine" }).WaitForAsync();
        await page.Locator("#prompt").FillAsync("remember: the boiler code is 4471");
        await page.Locator("#send").ClickAsync();
        var reply = page.Locator("li.message.assistant[data-done=true]").Nth(0);
        await reply.WaitForAsync();

        Assert.StartsWith("Stored \"the boiler code is 4471\"", await reply.Locator(".text").TextContentAsync());
        Assert.True(await page.Locator("#access").IsHiddenAsync());
        Assert.Single(stack.MemoryFiles());
    }
}
