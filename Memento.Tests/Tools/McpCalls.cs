using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Memento.Tests.Tools;

/// <summary>Tool calls through the real client, bounded by a timeout, with helpers to read results.</summary>
public static class McpCalls
{
    public static async Task<CallToolResult> CallAsync(this McpClient client, string tool, object? arguments = null)
    {
        var args = arguments is null
            ? new Dictionary<string, object?>()
            : JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(arguments))!;
        return await client.CallToolAsync(tool, args, cancellationToken: TestContext.Current.CancellationToken)
            .AsTask().WaitAsync(McpServerHost.Timeout, TestContext.Current.CancellationToken);
    }

    /// <summary>Calls a tool that must succeed and returns its structured content.</summary>
    public static async Task<JsonElement> CallOkAsync(this McpClient client, string tool, object? arguments = null)
    {
        var result = await client.CallAsync(tool, arguments);
        Assert.True(result.IsError is not true, $"{tool} failed: {Text(result)}");
        Assert.NotNull(result.StructuredContent);
        Assert.False(string.IsNullOrWhiteSpace(Text(result)), $"{tool} returned no readable text.");
        return result.StructuredContent!.Value;
    }

    /// <summary>Calls a tool that must fail with a tool error, and returns the error text.</summary>
    public static async Task<string> CallErrorAsync(this McpClient client, string tool, object? arguments = null)
    {
        var result = await client.CallAsync(tool, arguments);
        Assert.True(result.IsError, $"{tool} was expected to fail but returned: {Text(result)}");
        var text = Text(result);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        return text;
    }

    public static string Text(CallToolResult result) =>
        string.Join("\n", result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    /// <summary>The page's nextCursor, or null on the last page (where it is written as null).</summary>
    public static string? NextCursor(this JsonElement page) =>
        page.TryGetProperty("nextCursor", out var cursor) ? cursor.GetString() : null;

    public static string Id(this JsonElement stored) => stored.GetProperty("memory").GetProperty("id").GetString()!;
}
