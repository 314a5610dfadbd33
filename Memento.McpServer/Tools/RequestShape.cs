using System.Text.Json;
using System.Text.Json.Nodes;

namespace Memento.McpServer.Tools;

/// <summary>
/// The rule for the shape of a JSON-RPC request's <c>params</c> (absent, null or an object), worded once for every
/// place that checks it: the HTTP request guard (on the body's tokens), the stdio transport (on the parsed message)
/// and the protocol filter that every transport shares.
/// </summary>
internal static class RequestShape
{
    /// <summary>The plain message for <c>params</c> that is not an object, or null when the shape is right.</summary>
    public static string? ParamsProblem(JsonNode? parameters) =>
        parameters is null or JsonObject ? null : ParamsMessage(Describe(parameters));

    /// <summary>The same rule on the token that starts the <c>params</c> value in a request body.</summary>
    public static string? ParamsProblem(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject or JsonTokenType.Null => null,
        JsonTokenType.StartArray => ParamsMessage("a JSON array"),
        _ => ParamsMessage("a single value"),
    };

    /// <summary>How a JSON value is named in a message: "a JSON array", "a JSON object", "null" or "a single value".</summary>
    public static string Describe(JsonNode? node) => node switch
    {
        JsonArray => "a JSON array",
        JsonObject => "a JSON object",
        null => "null",
        _ => "a single value",
    };

    private static string ParamsMessage(string shape) => $"'params' must be a JSON object; got {shape}.";
}
