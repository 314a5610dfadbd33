using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Memento.McpServer.Storage;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Memento.Tests.Tools;

/// <summary>
/// Every tool that <c>tools/list</c> declares, called in every state a result can take (an empty user, a user with
/// memories, page after page to the last one, ids that are not found or in the trash, refused input), and each
/// <c>structuredContent</c> checked against the tool's declared output schema by a JSON Schema validator, the way
/// the official TypeScript client checks it. The arguments come from each tool's input schema, so a new tool is
/// covered without editing this test.
/// </summary>
public sealed class OutputSchemaTests
{
    private const int MaxPages = 200;

    // Formats are checked too: the TypeScript client's validator (Ajv with ajv-formats) checks "date-time".
    private static readonly EvaluationOptions Validation = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    [Fact]
    public async Task Every_tool_result_in_every_state_matches_the_output_schema_the_tool_declares()
    {
        await using var server = McpServerHost.Start();
        await using var client = await server.ConnectAsync();
        var store = server.GetRequiredService<IMemoryStore>();
        var tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken)
            .AsTask().WaitAsync(McpServerHost.Timeout, TestContext.Current.CancellationToken);
        var run = new Run(client);
        var users = 0;

        foreach (var tool in tools.Select(t => t.ProtocolTool))
        {
            Assert.True(tool.OutputSchema is not null, $"{tool.Name} declares no output schema.");
            var schema = JsonSchema.Build(tool.OutputSchema!.Value);
            var input = new InputSchema(tool.InputSchema);

            foreach (var state in States(input))
            {
                var user = string.Create(CultureInfo.InvariantCulture, $"schema-{++users}");
                var seeded = await Seed(store, user, state.Memories);
                var arguments = input.Arguments(state.Kind, user, state.Id(seeded));
                await run.CallAsync(tool, schema, state.Name, arguments, followPages: state.Kind == ArgumentKind.Paged);
            }
        }

        Assert.True(run.Failures.Count == 0, string.Join("\n\n", run.Failures));

        // The states must have produced the shapes they are named after, or the check above proves little.
        foreach (var tool in tools.Select(t => t.ProtocolTool))
        {
            var input = new InputSchema(tool.InputSchema);
            Assert.True(run.Succeeded.Contains(tool.Name), $"{tool.Name} succeeded in no state, so its result was never checked.");
            if (input.Has("cursor"))
            {
                Assert.True(run.Paged.Contains(tool.Name), $"{tool.Name} never returned a page with a nextCursor followed by a last page.");
            }

            if (input.IdArgument is not null)
            {
                Assert.True(run.Refused.Contains(tool.Name), $"{tool.Name} never refused an id that does not exist.");
            }
        }
    }

    /// <summary>What a user has before the call, and which arguments the call gets.</summary>
    private sealed record State(string Name, int Memories, ArgumentKind Kind, Func<Seeded, string?> Id);

    private sealed record Seeded(IReadOnlyList<string> Live, IReadOnlyList<string> Trashed);

    private enum ArgumentKind
    {
        /// <summary>Only the required arguments.</summary>
        Required,

        /// <summary>Every argument the tool takes, with values that match the seeded memories.</summary>
        All,

        /// <summary>The smallest page, followed by its cursors to the end.</summary>
        Paged,

        /// <summary>Values the tool must refuse.</summary>
        Invalid,
    }

    private static IEnumerable<State> States(InputSchema input)
    {
        var missing = MemoryIds.New(new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero));
        yield return new State("empty user", 0, ArgumentKind.Required, _ => missing);
        yield return new State("empty user, every argument", 0, ArgumentKind.All, _ => missing);
        yield return new State("memories, required arguments", 3, ArgumentKind.Required, s => s.Live[0]);
        yield return new State("memories, every argument", 3, ArgumentKind.All, s => s.Live[0]);
        yield return new State("memories, paged", 3, ArgumentKind.Paged, s => s.Live[0]);
        yield return new State("refused arguments", 3, ArgumentKind.Invalid, _ => "../not-an-id");
        if (input.IdArgument is not null)
        {
            yield return new State("memory with source and metadata", 3, ArgumentKind.Required, s => s.Live[^1]);
            yield return new State("memory in the trash", 3, ArgumentKind.Required, s => s.Trashed[0]);
            yield return new State("memory not found", 3, ArgumentKind.Required, _ => missing);
        }
    }

    /// <summary>Gives the user <paramref name="count"/> memories (the last one with a source and metadata) and, with any, two in the trash.</summary>
    private static async Task<Seeded> Seed(IMemoryStore store, string user, int count)
    {
        var ct = TestContext.Current.CancellationToken;
        var live = new List<string>();
        var trashed = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var last = i == count - 1;
            var memory = new NewMemory(
                $"Budget review note {i}: the Kubernetes costs rose {i + 10}%.",
                last ? null : $"Budget review {i}",
                i == 0 ? [] : ["work", "budget"],
                last ? new Dictionary<string, string> { ["project"] = "apollo" } : null,
                last ? "https://example.com/minutes" : null);
            live.Add((await store.StoreAsync(user, memory, ct)).Memory.Id);
        }

        for (var i = 0; count > 0 && i < 2; i++)
        {
            var id = (await store.StoreAsync(user, new NewMemory($"Old budget draft {i}", Tags: ["work"]), ct)).Memory.Id;
            Assert.True(await store.DeleteAsync(user, id, ct));
            trashed.Add(id);
        }

        return new Seeded(live, trashed);
    }

    /// <summary>A tool's input schema, and argument values made from it by each property's name and type.</summary>
    private sealed class InputSchema(JsonElement schema)
    {
        private readonly Dictionary<string, JsonElement> _properties = schema.TryGetProperty("properties", out var p)
            ? p.EnumerateObject().ToDictionary(x => x.Name, x => x.Value)
            : [];

        private readonly HashSet<string> _required = schema.TryGetProperty("required", out var r)
            ? r.EnumerateArray().Select(x => x.GetString()!).ToHashSet()
            : [];

        /// <summary>The argument that names one memory (e.g. <c>memory_id</c>), if the tool takes one.</summary>
        public string? IdArgument => _properties.Keys.FirstOrDefault(name => name.EndsWith("_id", StringComparison.Ordinal));

        public bool Has(string name) => _properties.ContainsKey(name);

        public Dictionary<string, object?> Arguments(ArgumentKind kind, string user, string? id)
        {
            var arguments = new Dictionary<string, object?>();
            foreach (var (name, property) in _properties)
            {
                var value = name switch
                {
                    "user" => kind is ArgumentKind.Invalid ? "Not A User!" : user,
                    _ when name == IdArgument => id,
                    _ when _required.Contains(name) || kind is ArgumentKind.All or ArgumentKind.Invalid => Value(name, property, kind),
                    "limit" when kind is ArgumentKind.Paged => Value(name, property, kind),
                    _ => null,
                };
                if (value is not null)
                {
                    arguments[name] = value;
                }
            }

            return arguments;
        }

        private static object? Value(string name, JsonElement property, ArgumentKind kind) => (name, kind) switch
        {
            ("cursor", ArgumentKind.Invalid) => "not-a-cursor",
            ("cursor", _) => null,
            ("limit", ArgumentKind.Invalid) => 0,
            ("limit", ArgumentKind.Paged) => 1,
            ("limit", _) => 2,
            ("since" or "until", ArgumentKind.Invalid) => "last Tuesday-ish",
            ("since", _) => "2000-01-01",
            ("until", _) => "2100-01-01T00:00:00Z",
            ("tag_match", ArgumentKind.Invalid) => "some",
            ("tag_match", _) => "any",
            ("tags", ArgumentKind.Invalid) => new[] { new string('x', 500) },
            _ => ByType(name, property),
        };

        private static object? ByType(string name, JsonElement property)
        {
            if (property.TryGetProperty("enum", out var choices))
            {
                return choices.EnumerateArray().First().Clone();
            }

            return Type(property) switch
            {
                "string" => name switch
                {
                    "content" => "Budget review moved to Friday; the Kubernetes costs rose 12%.",
                    "title" => "Budget review",
                    _ => "budget",
                },
                "integer" or "number" => 1,
                "boolean" => true,
                "array" => new[] { "work" },
                "object" => new Dictionary<string, object> { ["project"] = "apollo" },
                _ => null,
            };
        }

        private static string? Type(JsonElement property) =>
            !property.TryGetProperty("type", out var type) ? null
            : type.ValueKind == JsonValueKind.String ? type.GetString()
            : type.EnumerateArray().Select(t => t.GetString()).FirstOrDefault(t => t != "null");
    }

    /// <summary>Calls tools, validates what comes back and remembers which shapes were seen.</summary>
    private sealed class Run(McpClient client)
    {
        public List<string> Failures { get; } = [];

        public HashSet<string> Succeeded { get; } = [];

        public HashSet<string> Refused { get; } = [];

        public HashSet<string> Paged { get; } = [];

        public async Task CallAsync(Tool tool, JsonSchema schema, string state, Dictionary<string, object?> arguments, bool followPages)
        {
            for (var page = 1; page <= MaxPages; page++)
            {
                var call = $"{tool.Name} ({state}{(followPages ? $", page {page}" : "")}) with {JsonSerializer.Serialize(arguments)}";
                CallToolResult result;
                try
                {
                    result = await client.CallToolAsync(tool.Name, arguments, cancellationToken: TestContext.Current.CancellationToken)
                        .AsTask().WaitAsync(McpServerHost.Timeout, TestContext.Current.CancellationToken);
                }
                catch (McpProtocolException ex)
                {
                    Failures.Add($"{call}: a protocol error instead of a tool result: {ex.Message}");
                    return;
                }

                Check(call, result, schema);
                if (result.IsError is true)
                {
                    Refused.Add(tool.Name);
                    return;
                }

                Succeeded.Add(tool.Name);
                var next = result.StructuredContent is { ValueKind: JsonValueKind.Object } content &&
                    content.TryGetProperty("nextCursor", out var cursor) && cursor.ValueKind == JsonValueKind.String
                    ? cursor.GetString()
                    : null;
                if (!followPages || next is null)
                {
                    if (followPages && page > 1)
                    {
                        Paged.Add(tool.Name);
                    }

                    return;
                }

                arguments = new Dictionary<string, object?>(arguments) { ["cursor"] = next };
            }

            Failures.Add($"{tool.Name} ({state}): still a nextCursor after {MaxPages} pages.");
        }

        private void Check(string call, CallToolResult result, JsonSchema schema)
        {
            if (result.StructuredContent is not { } content)
            {
                // A tool with an output schema must return structured content unless the call failed.
                if (result.IsError is not true)
                {
                    Failures.Add($"{call}: succeeded without structured content.");
                }

                return;
            }

            var evaluation = schema.Evaluate(content, Validation);
            if (!evaluation.IsValid)
            {
                var errors = (evaluation.Details ?? [])
                    .Where(d => d.Errors is { Count: > 0 })
                    .SelectMany(d => d.Errors!.Select(e => $"  {d.InstanceLocation} ({d.EvaluationPath}): {e.Key}: {e.Value}"));
                Failures.Add($"{call}: structuredContent does not match the output schema:\n{string.Join('\n', errors)}\n  content: {content.GetRawText()}");
            }
        }
    }
}
