using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using Memento.McpServer.Errors;
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
        var span = Days(days?.ToString(CultureInfo.InvariantCulture));

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
        var subject = Topic(topic);
        return $"""
            Call retrieve_memories with query="{subject}" and read the best matches with get_memory_content.
            Then tell me what I have stored about {subject}: the facts, the dates and anything still open. Cite memory ids.
            """;
    }

    /// <summary>
    /// The prompts' argument rules, applied to the raw request before the SDK binds it (see <see cref="ProtocolShapeFilter"/>),
    /// so that a bad argument is an invalid-params error rather than a failed binding.
    /// </summary>
    /// <exception cref="RefusalException">An argument breaks its prompt's rule.</exception>
    internal static void CheckArguments(string prompt, JsonObject? arguments)
    {
        switch (prompt)
        {
            case "summarise_week":
                Days(Argument(arguments, "days"));
                break;
            case "recall":
                Topic(Argument(arguments, "topic"));
                break;
        }
    }

    private static int Days(string? days)
    {
        if (string.IsNullOrWhiteSpace(days))
        {
            return 7;
        }

        return int.TryParse(days, NumberStyles.Integer, CultureInfo.InvariantCulture, out var span) && span is >= 1 and <= 31
            ? span
            : throw RefusalException.Invalid($"'days' must be a whole number between 1 and 31; got '{ToolInput.Shorten(days)}'.");
    }

    private static string Topic(string? topic) =>
        string.IsNullOrWhiteSpace(topic)
            ? throw RefusalException.Invalid("'topic' must not be empty, e.g. \"the kubernetes migration\".")
            : ToolInput.Text(topic, "topic").Trim();

    private static string? Argument(JsonObject? arguments, string name) => arguments?[name] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        var other => other.ToJsonString(),
    };
}
