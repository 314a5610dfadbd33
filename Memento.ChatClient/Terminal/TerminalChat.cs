using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Memento.ChatClient.Agent;
using Memento.ChatClient.Mcp;
using Memento.ChatClient.Offline;

namespace Memento.ChatClient.Terminal;

/// <summary>
/// The interactive terminal client (<c>dotnet run --project Memento.ChatClient -- chat</c>): a short menu
/// (help, who am I, stats, quit) and free text, answered by the same agent as the web page.
/// </summary>
public static class TerminalChat
{
    private const string Menu = "Menu: 1) help  2) who am I  3) stats  4) quit  — or just type a sentence.";

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = ContentRoot.Options(args).ContentRootPath });
        builder.AddServiceDefaults();
        builder.AddMementoChatCore();

        // The conversation owns stdout; diagnostics go to stderr and only when they matter (connection
        // failures are already said in plain words in the conversation).
        // Stack traces never reach the conversation: the MCP client's own reports of a refused connection
        // are said once, in plain words, by the agent; what else is logged is one line on stderr.
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new OneLineLoggerProvider(Console.Error));
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:ModelContextProtocol"] = "None",
            ["Logging:LogLevel:Microsoft.Extensions.AI"] = "None",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
            ["Logging:LogLevel:Polly"] = "Error",
            ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Error",
            ["Logging:LogLevel:Memento.ChatClient"] = "Error",
        });

        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var agent = host.Services.GetRequiredService<ChatAgent>();
            var server = host.Services.GetRequiredService<MementoServerConnection>();
            var zone = host.Services.GetRequiredService<TimeZoneInfo>();
            return await LoopAsync(agent, server, zone, LineEditor.ForConsole(), Console.Out);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    internal static async Task<int> LoopAsync(ChatAgent agent, MementoServerConnection server, TimeZoneInfo zone, LineEditor input, TextWriter output)
    {
        var conversation = "terminal-" + Guid.NewGuid().ToString("N");
        await output.WriteLineAsync("Memento chat");
        await output.WriteLineAsync($"Model: {agent.Provider.Description}");
        await output.WriteLineAsync($"Server: {agent.Server.Endpoint} · user: {agent.User}");
        await output.WriteLineAsync(Menu);

        while (true)
        {
            var line = await input.ReadLineAsync("you> ");
            if (line is null)
            {
                await output.WriteLineAsync();
                return 0;
            }

            var text = line.Trim();
            switch (text.ToLowerInvariant())
            {
                case "":
                    continue;
                case "4" or "quit" or "exit" or "q" or "bye":
                    await output.WriteLineAsync("Goodbye.");
                    return 0;
                case "1" or "help" or "?" or "menu":
                    await output.WriteLineAsync(OfflineIntentParser.HelpText.TrimEnd());
                    await output.WriteLineAsync(Menu);
                    continue;
                case "2" or "who am i" or "who am i?" or "whoami":
                    await output.WriteLineAsync($"You are {agent.User}, on the Memento server at {agent.Server.Endpoint} (found through {agent.Server.Source}); answers come from {agent.Provider.Description}.");
                    continue;
                case "3" or "stats" or "statistics":
                    try
                    {
                        var result = ToolResult.From(await server.InvokeToolAsync("get_user_stats", [], CancellationToken.None));
                        await output.WriteLineAsync("memento> " + new ResultPhraser(zone).Phrase("get_user_stats", new Dictionary<string, object?>(), result, null));
                    }
                    catch (ServerUnavailableException ex)
                    {
                        await output.WriteLineAsync($"  [error] {ex.Message}");
                    }

                    continue;
            }

            var atLineStart = true;
            var answering = false;
            await foreach (var item in agent.SendAsync(conversation, text))
            {
                switch (item.Kind)
                {
                    case "text":
                        if (!answering)
                        {
                            await output.WriteAsync("memento> ");
                            answering = true;
                        }

                        await output.WriteAsync(item.Text);
                        atLineStart = item.Text!.EndsWith('\n');
                        break;
                    case "tool-call":
                        await output.WriteLineAsync($"{(atLineStart ? "" : "\n")}  [tool] {item.Tool}({Arguments(item.Arguments)})");
                        atLineStart = true;
                        break;
                    case "tool-result":
                        await output.WriteLineAsync($"  [{(item.IsError ? "failed" : "result")}] {item.Text}");
                        atLineStart = true;
                        break;
                    case "error":
                        await output.WriteLineAsync($"{(atLineStart ? "" : "\n")}  [error] {item.Text}");
                        atLineStart = true;
                        break;
                }

                await output.FlushAsync();
            }

            if (!atLineStart)
            {
                await output.WriteLineAsync();
            }
        }
    }

    // Arguments as a person reads them: "qué", "+00:00" as typed, not \u00E9 or \u002B escapes.
    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A tool call's arguments on one line, each long value cut short (a 20,000-character note does not fill the screen).</summary>
    internal static string Arguments(IReadOnlyDictionary<string, object?>? arguments, int maxValue = 80) =>
        arguments is null ? "" : string.Join(", ", arguments.Select(p => $"{p.Key}: {Shorten(JsonSerializer.Serialize(p.Value, Readable), maxValue)}"));

    private static string Shorten(string json, int max)
    {
        var line = json.Replace("\\n", " ", StringComparison.Ordinal).Replace("\\r", "", StringComparison.Ordinal);
        return line.Length <= max ? line : string.Create(CultureInfo.InvariantCulture, $"{line[..(max - 1)]}…\" ({json.Length:N0} characters)");
    }
}
