using System.Text.RegularExpressions;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.Chat;

/// <summary>The terminal client (<c>Memento.ChatClient chat</c>) driven over stdin/stdout against the real server.</summary>
public sealed partial class TerminalChatTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Menu_and_free_text_work_over_stdin_and_stdout()
    {
        using var storage = new TempDirectory("memento-terminal");
        await using var server = await ServiceProcess.StartAsync("Memento.McpServer", new Dictionary<string, string?> { ["Memento__Storage__Root"] = storage.Path });
        var environment = ChatStack.CleanModelEnvironment();
        environment["MCP_SERVER_HOSTNAME"] = server.BaseAddress.Host;
        environment["MCP_SERVER_PORT"] = server.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["Memento__Chat__User"] = "alice";
        await using var terminal = await ServiceProcess.StartAsync("Memento.ChatClient", environment, ["chat"], waitForListening: false);

        await terminal.WaitForOutputAsync(MenuLine(), Wait);
        Assert.Contains(terminal.Output, line => line == "Model: the built-in offline engine (no model configured)");

        await terminal.WriteLineAsync("remember: the boiler code is 4471, tagged home");
        var stored = await terminal.WaitForOutputAsync(StoredLine(), Wait);
        await terminal.WriteLineAsync("find the boiler code");
        await terminal.WaitForOutputAsync(FoundLine(), Wait);
        await terminal.WriteLineAsync("2");
        await terminal.WaitForOutputAsync(WhoAmILine(), Wait);
        await terminal.WriteLineAsync("3");
        await terminal.WaitForOutputAsync(StatsLine(), Wait);
        await terminal.WriteLineAsync("4");
        await terminal.WaitForOutputAsync(GoodbyeLine(), Wait);
        var exitCode = await terminal.WaitForExitAsync(Wait);

        Assert.Equal(0, exitCode);
        Assert.Contains(terminal.Output, line => line.Contains("[tool] store_memory(content: \"the boiler code is 4471\", tags: [\"home\"])", StringComparison.Ordinal));
        var id = StoredLine().Match(stored).Groups["id"].Value;
        Assert.True(File.Exists(Path.Combine(storage.Path, "alice", id + ".md")), $"no file for {id} under alice: {terminal.Tail()}");
        Assert.DoesNotContain(terminal.Output, line => line.StartsWith("info:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreachable_server_is_said_in_plain_words_and_the_session_goes_on()
    {
        var environment = ChatStack.CleanModelEnvironment();
        environment["Memento__Chat__ServerUrl"] = "http://127.0.0.1:9/mcp";
        await using var terminal = await ServiceProcess.StartAsync("Memento.ChatClient", environment, ["chat"], waitForListening: false);
        await terminal.WaitForOutputAsync(MenuLine(), Wait);

        await terminal.WriteLineAsync("find my notes from yesterday");
        await terminal.WaitForOutputAsync(Unreachable(), Wait);
        await terminal.WriteLineAsync("help");
        await terminal.WaitForOutputAsync(HelpLine(), Wait);
        await terminal.WriteLineAsync("3");
        await terminal.WaitForOutputAsync(UnreachableAgain(), Wait);
        await terminal.WriteLineAsync("quit");

        Assert.Equal(0, await terminal.WaitForExitAsync(Wait));
        Assert.DoesNotContain(terminal.Output, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain(terminal.Output, line => line.Contains("Exception", StringComparison.Ordinal));
        Assert.True(terminal.Output.Count < 40, $"{terminal.Output.Count} lines for two failed requests:\n{terminal.Tail(80)}");
    }

    [Fact]
    public async Task Arguments_show_as_typed_long_ones_cut_short_and_control_keys_edit_the_line()
    {
        using var storage = new TempDirectory("memento-terminal");
        await using var server = await ServiceProcess.StartAsync("Memento.McpServer", new Dictionary<string, string?> { ["Memento__Storage__Root"] = storage.Path });
        var environment = ChatStack.CleanModelEnvironment();
        environment["Memento__Chat__ServerUrl"] = new Uri(server.BaseAddress, "/mcp").ToString();
        await using var terminal = await ServiceProcess.StartAsync("Memento.ChatClient", environment, ["chat"], waitForListening: false);
        await terminal.WaitForOutputAsync(MenuLine(), Wait);

        await terminal.WriteLineAsync("remember: ¿qué tal? standup at 10:00+00:00 & more");
        await terminal.WaitForOutputAsync(StoredAnything(), Wait);
        await terminal.WriteLineAsync("remember: " + new string('x', 20_000));
        await terminal.WaitForOutputAsync(LongStored(), Wait);
        await terminal.WriteLineAsync("delete everything\u0015stats");
        await terminal.WaitForOutputAsync(TwoMemories(), Wait);
        await terminal.WriteLineAsync("quit");

        Assert.Equal(0, await terminal.WaitForExitAsync(Wait));
        Assert.Contains(terminal.Output, line => line.Contains("[tool] store_memory(content: \"¿qué tal? standup at 10:00+00:00 & more\")", StringComparison.Ordinal));
        var longCall = Assert.Single(terminal.Output, line => line.Contains("[tool] store_memory(content: \"xxx", StringComparison.Ordinal));
        Assert.True(longCall.Length < 160, $"the tool line is {longCall.Length} characters");
        Assert.Contains("(20,002 characters)", longCall);
        Assert.DoesNotContain(terminal.Output, line => line.Contains("delete_memory", StringComparison.Ordinal) || line.Contains("retrieve_memories", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dot_env_file_is_read_and_real_environment_variables_win()
    {
        using var folder = new TempDirectory("memento-dotenv");
        var envFile = Path.Combine(folder.Path, ".env");
        await File.WriteAllTextAsync(envFile, "MCP_SERVER_HOSTNAME=10.20.30.40\nMCP_SERVER_PORT=7000\nMemento__Chat__User=from-dotenv\n", TestContext.Current.CancellationToken);
        var environment = ChatStack.CleanModelEnvironment();
        environment["MEMENTO_ENV_FILE"] = envFile;
        environment["MCP_SERVER_PORT"] = "7100";
        await using var terminal = await ServiceProcess.StartAsync("Memento.ChatClient", environment, ["chat"], waitForListening: false);

        await terminal.WaitForOutputAsync(MenuLine(), Wait);
        await terminal.WriteLineAsync("quit");

        Assert.Equal(0, await terminal.WaitForExitAsync(Wait));
        Assert.Contains("Server: http://10.20.30.40:7100/mcp · user: from-dotenv", terminal.Output);
    }

    [GeneratedRegex(@"^Menu: 1\) help  2\) who am I  3\) stats  4\) quit")]
    private static partial Regex MenuLine();

    [GeneratedRegex(@"Stored ""the boiler code is 4471"" \((?<id>[^)]+)\), tagged home\.")]
    private static partial Regex StoredLine();

    [GeneratedRegex(@"I found 1 memory about ""boiler code"":")]
    private static partial Regex FoundLine();

    [GeneratedRegex(@"You are alice, on the Memento server at http://127\.0\.0\.1:\d+/mcp \(found through MCP_SERVER_HOSTNAME/MCP_SERVER_PORT\)")]
    private static partial Regex WhoAmILine();

    [GeneratedRegex(@"memento> You have 1 memory \(\d+ bytes\)\. Top tags: home \(1\)\.")]
    private static partial Regex StatsLine();

    [GeneratedRegex(@"Goodbye\.$")]
    private static partial Regex GoodbyeLine();

    [GeneratedRegex(@"\[error\] I could not reach the Memento server at http://127\.0\.0\.1:9/mcp: nothing is listening there \(connection refused\)\.")]
    private static partial Regex Unreachable();

    [GeneratedRegex(@"memento> I could not reach the Memento server at http://127\.0\.0\.1:9/mcp")]
    private static partial Regex UnreachableAgain();

    [GeneratedRegex(@"memento> Stored ""¿qué tal\?")]
    private static partial Regex StoredAnything();

    [GeneratedRegex(@"memento> Stored ""x+…?""")]
    private static partial Regex LongStored();

    [GeneratedRegex(@"memento> You have 2 memories")]
    private static partial Regex TwoMemories();

    [GeneratedRegex(@"find my notes about the budget from last week")]
    private static partial Regex HelpLine();
}
