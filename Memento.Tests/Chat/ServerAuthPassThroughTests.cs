using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.Chat;

/// <summary>The chat client passes its API key to a server with <c>ApiKey</c> authentication; a wrong key is said plainly.</summary>
public sealed partial class ServerAuthPassThroughTests
{
    private const string Key = "chat-test-key-0123456789";

    [Fact]
    public async Task The_api_key_reaches_the_server_and_the_user_is_the_keys_user()
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Key)));
        await using var stack = await ChatStack.StartAsync(
            new Dictionary<string, string?> { ["Memento__Chat__ApiKey"] = Key },
            new Dictionary<string, string?>
            {
                ["Memento__Auth__Mode"] = "ApiKey",
                ["Memento__Auth__ApiKeys__0__Hash"] = hash,
                ["Memento__Auth__ApiKeys__0__User"] = "bob",
            });

        var stored = await stack.SendAsync("auth", "remember: bob's locker is number 12");

        Assert.True(stored.Errors.Count == 0, stored.ToString());
        Assert.False((bool)Assert.Single(stored.ToolResults)["isError"]!, stored.ToString());
        Assert.Single(stack.MemoryFiles("bob"));

        var environment = ChatStack.CleanModelEnvironment();
        environment["Memento__Chat__ServerUrl"] = new Uri(stack.Server.BaseAddress, "/mcp").ToString();
        environment["Memento__Chat__ApiKey"] = "wrong-key";
        await using var wrong = await ServiceProcess.StartAsync("Memento.ChatClient", environment, ["chat"], waitForListening: false);
        await wrong.WriteLineAsync("3");
        await wrong.WaitForOutputAsync(Refused(), TimeSpan.FromSeconds(60));
        await wrong.WriteLineAsync("4");
        Assert.Equal(0, await wrong.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [GeneratedRegex(@"I could not reach the Memento server at http://127\.0\.0\.1:\d+/mcp: it refused the credentials \(HTTP 401\)")]
    private static partial Regex Refused();
}
