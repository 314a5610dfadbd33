using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Memento.Tests.Chat;

/// <summary>What the scripted model answers: tool calls (name and JSON arguments), or a final text.</summary>
public sealed record ScriptedReply(IReadOnlyList<(string Name, JsonObject Arguments)> ToolCalls, string? Text, int Status = 200)
{
    /// <summary>An HTTP error with an OpenAI-style error body.</summary>
    public static ScriptedReply Fail(int status, string message) => new([], message, status);

    public static ScriptedReply Call(string name, JsonObject arguments) => new([(name, arguments)], null);

    public static ScriptedReply Say(string text) => new([], text);
}

/// <summary>
/// A local OpenAI-compatible chat-completions endpoint in the Azure OpenAI shape
/// (<c>/openai/deployments/{deployment}/chat/completions</c>) that answers from a script: given the request's
/// messages, the script returns tool calls or text. It streams (SSE <c>data:</c> chunks) when asked to.
/// Every request body is kept for assertions. It also answers embeddings
/// (<c>/openai/deployments/{deployment}/embeddings</c>) with the vectors a given function makes.
/// </summary>
public sealed class ScriptedOpenAIEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _ids;

    private ScriptedOpenAIEndpoint(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Each request: deployment, the api-key header, and the JSON body.</summary>
    public ConcurrentQueue<(string Deployment, string? ApiKey, JsonObject Body)> Requests { get; } = new();

    /// <summary>Each embeddings request: deployment, the api-key header, and the texts.</summary>
    public ConcurrentQueue<(string Deployment, string? ApiKey, string[] Inputs)> EmbeddingRequests { get; } = new();

    public static async Task<ScriptedOpenAIEndpoint> StartAsync(Func<JsonArray, ScriptedReply> script, Func<string, float[]>? embed = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        ScriptedOpenAIEndpoint? endpoint = null;
        app.MapPost("/openai/deployments/{deployment}/chat/completions", (string deployment, HttpContext context) =>
            Answer(deployment, context.Request.Headers["api-key"].FirstOrDefault(), context));

        // The plain OpenAI shape, as local model servers offer it: the model is in the body, the key a bearer token.
        app.MapPost("/v1/chat/completions", (HttpContext context) =>
            Answer(null, context.Request.Headers.Authorization.ToString().Replace("Bearer ", "", StringComparison.Ordinal), context));

        app.MapPost("/openai/deployments/{deployment}/embeddings", async (string deployment, HttpContext context) =>
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!;
            string[] inputs = body["input"] is JsonArray array ? [.. array.Select(i => (string)i!)] : [(string)body["input"]!];
            endpoint!.EmbeddingRequests.Enqueue((deployment, context.Request.Headers["api-key"].FirstOrDefault(), inputs));
            if (embed is null)
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsJsonAsync(new { error = new { message = "This deployment does not embed.", type = "invalid_request_error", code = "404" } });
                return;
            }

            // The OpenAI library asks for base64 (float32, little-endian) unless told otherwise.
            var base64 = (string?)body["encoding_format"] == "base64";
            var data = new JsonArray();
            for (var i = 0; i < inputs.Length; i++)
            {
                var vector = embed(inputs[i]);
                JsonNode embedding = base64
                    ? Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan()))
                    : new JsonArray([.. vector.Select(v => (JsonNode)v)]);
                data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
            }

            var tokens = inputs.Sum(i => i.Split(' ').Length);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject
            {
                ["object"] = "list",
                ["data"] = data,
                ["model"] = deployment,
                ["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens },
            }.ToJsonString(), context.RequestAborted);
        });

        async Task Answer(string? deployment, string? apiKey, HttpContext context)
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!;
            deployment ??= (string?)body["model"] ?? "";
            endpoint!.Requests.Enqueue((deployment, apiKey, body));
            var reply = script((JsonArray)body["messages"]!);
            var model = deployment;
            if (reply.Status != 200)
            {
                context.Response.StatusCode = reply.Status;
                await context.Response.WriteAsJsonAsync(new { error = new { message = reply.Text, type = "invalid_request_error", code = reply.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
                return;
            }

            if (body["stream"]?.GetValue<bool>() == true)
            {
                await endpoint.StreamAsync(context, model, reply);
            }
            else
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(endpoint.Complete(model, reply).ToJsonString(), context.RequestAborted);
            }
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        endpoint = new ScriptedOpenAIEndpoint(app, new Uri(address));
        return endpoint;
    }

    private JsonObject Complete(string model, ScriptedReply reply)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = reply.Text };
        if (reply.ToolCalls.Count > 0)
        {
            message["tool_calls"] = ToolCalls(reply, withIndex: false);
        }

        return new JsonObject
        {
            ["id"] = "chatcmpl-" + Interlocked.Increment(ref _ids),
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["finish_reason"] = reply.ToolCalls.Count > 0 ? "tool_calls" : "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 5, ["total_tokens"] = 15 },
        };
    }

    private async Task StreamAsync(HttpContext context, string model, ScriptedReply reply)
    {
        context.Response.ContentType = "text/event-stream";
        var id = "chatcmpl-" + Interlocked.Increment(ref _ids);
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        async Task Chunk(JsonObject delta, string? finish)
        {
            var chunk = new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion.chunk",
                ["created"] = created,
                ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
            };
            await context.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }

        if (reply.ToolCalls.Count > 0)
        {
            await Chunk(new JsonObject { ["role"] = "assistant", ["tool_calls"] = ToolCalls(reply, withIndex: true) }, null);
            await Chunk([], "tool_calls");
        }
        else
        {
            await Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null);
            foreach (var word in SplitKeepingSpaces(reply.Text ?? ""))
            {
                await Chunk(new JsonObject { ["content"] = word }, null);
            }

            await Chunk([], "stop");
        }

        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
    }

    private JsonArray ToolCalls(ScriptedReply reply, bool withIndex)
    {
        var calls = new JsonArray();
        var index = 0;
        foreach (var (name, arguments) in reply.ToolCalls)
        {
            var call = new JsonObject
            {
                ["id"] = "call_" + Interlocked.Increment(ref _ids),
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments.ToJsonString() },
            };
            if (withIndex)
            {
                call["index"] = index;
            }

            index++;
            calls.Add(call);
        }

        return calls;
    }

    private static IEnumerable<string> SplitKeepingSpaces(string text)
    {
        var word = new StringBuilder();
        foreach (var ch in text)
        {
            word.Append(ch);
            if (ch == ' ')
            {
                yield return word.ToString();
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
