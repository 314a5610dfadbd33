using System.Text.Json;
using Memento.McpServer.Errors;
using ModelContextProtocol.Protocol;

namespace Memento.McpServer.Tools;

/// <summary>
/// Checks a tool call's arguments against the tool's input schema before anything binds them: required
/// arguments present, every value of a JSON type the schema allows (array items too), integers that fit,
/// text that is valid Unicode. A mismatch is an <see cref="RefusalCode.InvalidArgument"/> refusal that names
/// the argument, so binding never fails inside the SDK and no other exception needs to be read as "bad input".
/// One pass over the arguments: linear in their size.
/// </summary>
internal static class ToolArguments
{
    private static readonly JsonElement TextOrNull = JsonDocument.Parse("""{"type":["string","null"]}""").RootElement.Clone();

    public static void Check(Tool tool, IDictionary<string, JsonElement>? arguments)
    {
        var schema = tool.InputSchema;
        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()).OfType<string>())
            {
                if (arguments is null || !arguments.TryGetValue(name, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
                {
                    throw RefusalException.Invalid($"'{name}' is required by '{tool.Name}'.");
                }
            }
        }

        foreach (var (name, value) in arguments ?? new Dictionary<string, JsonElement>())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(name, out var property))
            {
                CheckValue(LogText.Escape(name, 40), value, property);
            }
            else if (name == UserArgumentSchemaFilter.UserArgument)
            {
                // Left out of the schema when sign-in is required, but still bound (and then checked by Caller).
                CheckValue(name, value, TextOrNull);
            }
        }
    }

    private static void CheckValue(string name, JsonElement value, JsonElement schema)
    {
        var allowed = AllowedTypes(schema);
        var actual = TypeOf(value);
        if (allowed.Count > 0 && !allowed.Contains(actual) && !(actual == "integer" && allowed.Contains("number")))
        {
            var hint = actual == "number" && allowed.Contains("integer") ? " (a whole number from -2147483648 to 2147483647)" : "";
            throw RefusalException.Invalid($"'{name}' must be {Describe(allowed)}{hint}; got {Article(actual)}.");
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                CheckText(name, value);
                break;
            case JsonValueKind.Array when schema.TryGetProperty("items", out var items):
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    CheckValue($"{name}[{index++}]", item, items);
                }

                break;
            case JsonValueKind.Array or JsonValueKind.Object:
                CheckNestedText(name, value);
                break;
        }
    }

    /// <summary>Every string and property name below <paramref name="value"/> must be valid Unicode (stdio has no request guard in front).</summary>
    private static void CheckNestedText(string name, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in value.EnumerateObject())
            {
                try
                {
                    _ = property.Name;
                }
                catch (InvalidOperationException)
                {
                    throw NotUnicode(name);
                }

                CheckNestedText(name, property.Value);
            }
        }
        else if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                CheckNestedText(name, item);
            }
        }
        else if (value.ValueKind == JsonValueKind.String)
        {
            CheckText(name, value);
        }
    }

    private static void CheckText(string name, JsonElement value)
    {
        try
        {
            value.GetString();
        }
        catch (InvalidOperationException)
        {
            throw NotUnicode(name);
        }
    }

    private static RefusalException NotUnicode(string name) =>
        RefusalException.Invalid($"'{name}' is not valid Unicode text (it holds an unpaired surrogate).");

    private static List<string> AllowedTypes(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return [];
        }

        return type.ValueKind switch
        {
            JsonValueKind.String => [type.GetString()!],
            JsonValueKind.Array => [.. type.EnumerateArray().Select(t => t.GetString()).OfType<string>()],
            _ => [],
        };
    }

    /// <summary>The JSON schema type of a value; "integer" only for numbers that fit the tools' <c>int</c> parameters.</summary>
    private static string TypeOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => value.TryGetInt32(out _) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        _ => "null",
    };

    private static string Describe(List<string> types)
    {
        var named = types.Where(t => t != "null").Select(Article).ToList();
        var text = named.Count == 0 ? "null" : string.Join(" or ", named);
        return types.Contains("null") && named.Count > 0 ? text + " (or null)" : text;
    }

    private static string Article(string type) => type switch
    {
        "string" => "text (a JSON string)",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "true or false",
        "array" => "a JSON array",
        "object" => "a JSON object",
        _ => "null",
    };
}
