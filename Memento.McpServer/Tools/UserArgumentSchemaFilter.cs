using System.Text.Json;
using System.Text.Json.Nodes;
using Memento.McpServer.Auth;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace Memento.McpServer.Tools;

/// <summary>
/// With authentication on, the user is the signed-in principal, so no tool offers a <c>user</c> argument:
/// it is removed from every input schema at start-up (a call that still sends one naming another user is refused).
/// </summary>
internal sealed class UserArgumentSchemaFilter(IOptions<AuthOptions> auth, TransportKind transport) : IPostConfigureOptions<McpServerOptions>
{
    public const string UserArgument = "user";

    public void PostConfigure(string? name, McpServerOptions options)
    {
        if (transport.IsStdio || auth.Value.Mode == AuthMode.None || options.ToolCollection is null)
        {
            return;
        }

        foreach (var tool in options.ToolCollection)
        {
            var schema = JsonNode.Parse(tool.ProtocolTool.InputSchema.GetRawText())!.AsObject();
            if (schema["properties"] is JsonObject properties && properties.Remove(UserArgument))
            {
                if (schema["required"] is JsonArray required)
                {
                    foreach (var item in required.Where(r => r?.GetValue<string>() == UserArgument).ToList())
                    {
                        required.Remove(item);
                    }
                }

                tool.ProtocolTool.InputSchema = JsonSerializer.SerializeToElement(schema);
            }
        }
    }
}
