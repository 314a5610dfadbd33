namespace Memento.ChatClient;

/// <summary>Registration of the chat client: agent core, model provider, MCP connection and web page.</summary>
public static class ChatExtensions
{
    /// <summary>The chat page's address when no listen address is configured.</summary>
    public const string LocalDefaultUrl = "http://127.0.0.1:8080";

    /// <summary>Adds the chat agent and what it needs.</summary>
    public static WebApplicationBuilder AddMementoChat(this WebApplicationBuilder builder)
    {
        builder.UseLocalDefaultUrlWhenUnset(LocalDefaultUrl);

        return builder;
    }

    /// <summary>Maps the chat page and its API.</summary>
    public static WebApplication MapMementoChat(this WebApplication app)
    {
        return app;
    }
}
