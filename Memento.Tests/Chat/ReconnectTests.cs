namespace Memento.Tests.Chat;

/// <summary>The chat client outlives a server restart: the failure is said plainly, and the conversation carries on.</summary>
public sealed class ReconnectTests
{
    [Fact]
    public async Task A_conversation_survives_a_server_restart()
    {
        await using var stack = await ChatStack.StartAsync();
        var stored = await stack.SendAsync("restart", "remember: the spare key is under the blue pot");
        var storedResult = Assert.Single(stored.ToolResults);
        Assert.False((bool)storedResult["isError"]!, stored.ToString());
        var id = Path.GetFileNameWithoutExtension(Assert.Single(stack.MemoryFiles()));

        await stack.StopServerAsync();
        var whileDown = await stack.SendAsync("restart", "find the spare key");
        await stack.RestartServerAsync();
        var afterRestart = await stack.SendAsync("restart", "show it");

        Assert.True((bool)Assert.Single(whileDown.ToolResults)["isError"]!, whileDown.ToString());
        Assert.Contains($"I could not reach the Memento server at {stack.Server.BaseAddress.GetLeftPart(UriPartial.Authority)}/mcp", whileDown.Text);
        Assert.Contains("Your conversation is kept", whileDown.Text);
        var show = Assert.Single(afterRestart.ToolCalls);
        Assert.Equal("get_memory_content", (string?)show["tool"]);
        Assert.Equal(id, (string?)show["arguments"]!["memory_id"]);
        Assert.Contains("the spare key is under the blue pot", afterRestart.Text);
        Assert.Empty(afterRestart.Errors);
    }
}
