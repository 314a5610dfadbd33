using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Memento.Tests.Chat;

/// <summary>
/// The chat client with the real Azure.AI.OpenAI client (through Microsoft.Extensions.AI.OpenAI) against a
/// local scripted chat-completions endpoint, and the real Memento server over MCP: the model's tool calls
/// reach the server, and its results reach the model and the user.
/// </summary>
public sealed partial class AzureOpenAIEndToEndTests
{
    private const string Summary = "Budget review with finance: Kubernetes costs up 12%, hiring freeze until March.";

    [Fact]
    public async Task Stores_a_meeting_summary_and_finds_it_again_through_Azure_OpenAI_tool_calls()
    {
        await using var model = await ScriptedOpenAIEndpoint.StartAsync(Script);
        await using var stack = await ChatStack.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings__openai"] = $"Endpoint={model.BaseAddress};Key=test-key;Deployment=memento-test",
        });
        Assert.Contains(stack.Chat.Output, line => line.Contains("model provider is Azure OpenAI at 127.0.0.1, deployment memento-test, API key", StringComparison.Ordinal));

        var stored = await stack.SendAsync("e2e", "store this meeting summary: " + Summary);

        Assert.Empty(stored.Errors);
        var storeCall = Assert.Single(stored.ToolCalls);
        Assert.Equal("store_memory", (string?)storeCall["tool"]);
        Assert.Equal(Summary, (string?)storeCall["arguments"]!["content"]);
        var storeResult = Assert.Single(stored.ToolResults);
        Assert.False((bool)storeResult["isError"]!, storeResult.ToJsonString());
        Assert.Equal("Stored your meeting summary as \"Budget meeting summary\".", stored.Text);
        var file = Assert.Single(stack.MemoryFiles());
        Assert.Contains(Summary, await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken));
        var storedId = Path.GetFileNameWithoutExtension(file);

        var found = await stack.SendAsync("e2e", "find my notes about the budget from last week");

        Assert.Empty(found.Errors);
        var findCall = Assert.Single(found.ToolCalls);
        Assert.Equal("retrieve_memories", (string?)findCall["tool"]);
        Assert.Equal("budget", (string?)findCall["arguments"]!["query"]);
        Assert.Contains("Budget meeting summary", (string?)Assert.Single(found.ToolResults)["text"]);
        Assert.Equal($"I found \"Budget meeting summary\" ({storedId}).", found.Text);

        // What the model was sent: the server's tools (discovered over MCP), streaming, the key and deployment,
        // and the conversation so far (the second turn carries the first).
        var requests = model.Requests.ToList();
        Assert.Equal(4, requests.Count);
        Assert.All(requests, r => Assert.Equal(("memento-test", "test-key"), (r.Deployment, r.ApiKey)));
        Assert.All(requests, r => Assert.True(r.Body["stream"]?.GetValue<bool>()));
        var tools = requests[0].Body["tools"]!.AsArray().Select(t => (string)t!["function"]!["name"]!).ToList();
        Assert.Superset(new HashSet<string> { "store_memory", "retrieve_memories", "get_memory_content", "update_memory", "delete_memory", "list_memories", "get_user_stats", "list_users", "list_trash", "restore_memory" }, tools.ToHashSet());
        Assert.Contains(requests[2].Body["messages"]!.AsArray(), m => Text(m!).Contains(Summary, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_model_is_reported_in_plain_words_and_the_conversation_goes_on()
    {
        var calls = 0;
        await using var model = await ScriptedOpenAIEndpoint.StartAsync(messages =>
            Interlocked.Increment(ref calls) == 1 ? ScriptedReply.Fail(401, "Access denied due to invalid subscription key.") : ScriptedReply.Say("Back again."));
        await using var stack = await ChatStack.StartAsync(new Dictionary<string, string?>
        {
            ["AZURE_OPENAI_ENDPOINT"] = model.BaseAddress.ToString(),
            ["AZURE_OPENAI_API_KEY"] = "test-key",
        });

        var failed = await stack.SendAsync("outage", "hello");
        var next = await stack.SendAsync("outage", "hello again");

        var error = Assert.Single(failed.Errors);
        Assert.Contains("The model service (Azure OpenAI at 127.0.0.1, deployment gpt-4o-mini, API key) refused the credentials (HTTP 401)", error);
        Assert.Contains("Your conversation is kept", error);
        Assert.Empty(next.Errors);
        Assert.Equal("Back again.", next.Text);
    }

    [Fact]
    public async Task Any_OpenAI_compatible_endpoint_works_the_same_way()
    {
        await using var model = await ScriptedOpenAIEndpoint.StartAsync(Script);
        await using var stack = await ChatStack.StartAsync(new Dictionary<string, string?>
        {
            ["Memento__Chat__OpenAIEndpoint"] = new Uri(model.BaseAddress, "/v1").ToString(),
            ["Memento__Chat__OpenAIModel"] = "local-model",
            ["Memento__Chat__OpenAIApiKey"] = "local-key",
        });

        var stored = await stack.SendAsync("compatible", "store this meeting summary: " + Summary);

        Assert.Empty(stored.Errors);
        Assert.Equal("store_memory", (string?)Assert.Single(stored.ToolCalls)["tool"]);
        Assert.Equal("Stored your meeting summary as \"Budget meeting summary\".", stored.Text);
        Assert.Single(stack.MemoryFiles());
        Assert.All(model.Requests, r => Assert.Equal(("local-model", "local-key"), (r.Deployment, r.ApiKey)));
        Assert.Contains(stack.Chat.Output, line => line.Contains($"model provider is OpenAI-compatible endpoint {model.BaseAddress}v1, model local-model", StringComparison.Ordinal));
    }

    /// <summary>The scripted model: reads the user's sentence (and today's date from the system prompt) and calls the tools.</summary>
    private static ScriptedReply Script(JsonArray messages)
    {
        var last = messages[^1]!;
        var role = (string?)last["role"];
        if (role == "tool")
        {
            var calledTool = messages.Reverse().Select(m => m!["tool_calls"]).OfType<JsonArray>().First()[0]!["function"]!["name"]!.GetValue<string>();
            var result = JsonNode.Parse(Text(last))!;
            return calledTool switch
            {
                "store_memory" => ScriptedReply.Say($"Stored your meeting summary as \"{(string?)result["structuredContent"]!["memory"]!["title"]}\"."),
                "retrieve_memories" => result["structuredContent"]!["hits"]!.AsArray() is { Count: > 0 } hits
                    ? ScriptedReply.Say($"I found \"{(string?)hits[0]!["memory"]!["title"]}\" ({(string?)hits[0]!["memory"]!["id"]}).")
                    : ScriptedReply.Say("I found nothing."),
                _ => ScriptedReply.Say("Done."),
            };
        }

        var text = Text(last);
        if (text.StartsWith("store this meeting summary:", StringComparison.Ordinal))
        {
            return ScriptedReply.Call("store_memory", new JsonObject
            {
                ["content"] = text["store this meeting summary:".Length..].Trim(),
                ["title"] = "Budget meeting summary",
                ["tags"] = new JsonArray("meeting", "budget"),
            });
        }

        if (text == "find my notes about the budget from last week")
        {
            // "last week" resolves against the date the system prompt gives: from the Monday of last week.
            var match = PromptDate().Match(Text(messages[0]!));
            Assert.True(match.Success, "the system prompt gives today's date and offset");
            var today = DateOnly.ParseExact(match.Groups["date"].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            var lastMonday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7) - 7);
            return ScriptedReply.Call("retrieve_memories", new JsonObject
            {
                ["query"] = "budget",
                ["since"] = $"{lastMonday:yyyy-MM-dd}T00:00:00{match.Groups["offset"].Value}",
            });
        }

        return ScriptedReply.Say("I only know two sentences.");
    }

    private static string Text(JsonNode message) => message["content"] switch
    {
        JsonValue value => value.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select(p => (string?)p!["text"])),
        _ => "",
    };

    [GeneratedRegex(@"e\.g\. (?<date>\d{4}-\d{2}-\d{2})T00:00:00(?<offset>[+-]\d{2}:\d{2})")]
    private static partial Regex PromptDate();
}
