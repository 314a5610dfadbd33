using System.Text.Json.Nodes;
using Memento.McpServer.Errors;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Memento.McpServer.Tools;

/// <summary>
/// Checks the shape of every incoming request before the SDK reads it: <c>params</c> must be an object,
/// a tool call must name a tool this server has and carry its <c>arguments</c> as an object, and methods
/// the server's capabilities do not declare (resource subscriptions) are unknown. Each mismatch is a JSON-RPC
/// error with a plain message (-32602 invalid params, -32601 method not found), answered here so that it
/// is neither an internal error nor logged as a server fault. Prompt arguments are checked by their prompt's
/// rules, and a resource that does not exist is "not found" here, for the same reason: the SDK logs every
/// exception from a handler as an unhandled error.
/// </summary>
internal static class ProtocolShapeFilter
{
    public static McpMessageHandler Create(McpMessageHandler next) => async (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is JsonRpcRequest request)
        {
            try
            {
                Check(request, context.Server.ServerOptions);
                if (request.Method == RequestMethods.ResourcesRead)
                {
                    await MemoryResources.CheckExistsAsync(context.Server.Services!, context.User, Text(request.Params as JsonObject, "uri", request.Method), cancellationToken);
                }
            }
            catch (RefusalException refusal)
            {
                throw new McpProtocolException(refusal.Message, refusal.Code == RefusalCode.NotFound ? McpErrorCode.ResourceNotFound : McpErrorCode.InvalidParams);
            }
        }

        await next(context, cancellationToken);
    };

    private static void Check(JsonRpcRequest request, McpServerOptions options)
    {
        var method = request.Method;
        if (method.Any(char.IsControl))
        {
            throw new McpProtocolException($"Method '{LogText.Escape(method, 60)}' is not available.", McpErrorCode.MethodNotFound);
        }

        if (RequestShape.ParamsProblem(request.Params) is { } problem)
        {
            throw new McpProtocolException(problem, McpErrorCode.InvalidParams);
        }

        var parameters = request.Params as JsonObject;
        switch (method)
        {
            case RequestMethods.ResourcesSubscribe or RequestMethods.ResourcesUnsubscribe when options.Capabilities?.Resources?.Subscribe != true:
                throw new McpProtocolException(
                    $"Method '{method}' is not available: this server does not offer resource subscriptions (its resources capability does not declare 'subscribe').",
                    McpErrorCode.MethodNotFound);
            case RequestMethods.ToolsCall:
                var name = Text(parameters, "name", method);
                if (parameters!["arguments"] is not (null or JsonObject))
                {
                    throw new McpProtocolException(
                        $"'params.arguments' of '{method}' must be a JSON object of argument names and values; got {RequestShape.Describe(parameters["arguments"])}.",
                        McpErrorCode.InvalidParams);
                }

                if (options.ToolCollection is not { } tools || !tools.TryGetPrimitive(name, out _))
                {
                    throw new McpProtocolException($"Unknown tool '{LogText.Escape(name, 60)}'; tools/list names the tools this server offers.", McpErrorCode.InvalidParams);
                }

                break;
            case RequestMethods.PromptsGet:
                var prompt = Text(parameters, "name", method);
                if (options.PromptCollection is not { } prompts || !prompts.TryGetPrimitive(prompt, out _))
                {
                    throw new McpProtocolException($"Unknown prompt '{LogText.Escape(prompt, 60)}'; prompts/list names the prompts this server offers.", McpErrorCode.InvalidParams);
                }

                if (parameters!["arguments"] is not (null or JsonObject))
                {
                    throw new McpProtocolException($"'params.arguments' of '{method}' must be a JSON object; got {RequestShape.Describe(parameters["arguments"])}.", McpErrorCode.InvalidParams);
                }

                MemoryPrompts.CheckArguments(prompt, parameters["arguments"] as JsonObject);
                break;
        }
    }

    private static string Text(JsonObject? parameters, string property, string method) =>
        parameters?[property] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0
            ? text
            : throw new McpProtocolException($"'params.{property}' of '{method}' must be a non-empty string.", McpErrorCode.InvalidParams);
}
