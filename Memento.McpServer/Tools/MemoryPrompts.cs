using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Memento.McpServer.Tools;

/// <summary>Prompts a host can offer its user as ready-made requests.</summary>
[McpServerPromptType]
public sealed class MemoryPrompts(TimeProvider time)
{
    [McpServerPrompt(Name = "summarise_week", Title = "Summarise my week")]
    [Description("Asks the assistant to summarise what you stored over the last days.")]
    public string SummariseWeek(
        [Description("How many days back to look, 1 to 31 (default 7).")] int? days = null)
    {
        var span = days ?? 7;
        if (span is < 1 or > 31)
        {
            throw InvalidArgument("'days' must be between 1 and 31.");
        }

        var today = time.GetUtcNow().UtcDateTime.Date;
        var since = today.AddDays(-span + 1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return $"""
            Today is {today:yyyy-MM-dd}. Call list_memories with since="{since}" (follow nextCursor until it is null),
            read any memory whose preview is not enough with get_memory_content, and then summarise my last {span} days:
            the main themes, decisions and open follow-ups, grouped by tag where that helps. Cite memory ids.
            """;
    }

    [McpServerPrompt(Name = "recall", Title = "What do I know about…")]
    [Description("Asks the assistant to gather everything you stored about a topic.")]
    public string Recall(
        [Description("The topic, in plain words, e.g. \"the kubernetes migration\".")] string topic)
    {
        if (string.IsNullOrWhiteSpace(topic))
        {
            throw InvalidArgument("'topic' must not be empty, e.g. \"the kubernetes migration\".");
        }

        return $"""
            Call retrieve_memories with query="{topic.Trim()}" and read the best matches with get_memory_content.
            Then tell me what I have stored about {topic.Trim()}: the facts, the dates and anything still open. Cite memory ids.
            """;
    }

    // The specification's code for invalid prompt arguments; a plain McpException would reach the client as -32603.
    private static McpProtocolException InvalidArgument(string message) => new(message, McpErrorCode.InvalidParams);
}
