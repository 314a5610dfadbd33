namespace Microsoft.AspNetCore.Builder;

/// <summary>Registration of the Memento MCP server: storage, search, tools and transports.</summary>
public static class MementoServerExtensions
{
    /// <summary>Where the server listens when no address is configured.</summary>
    public const string LocalDefaultUrl = "http://127.0.0.1:8000";

    /// <summary>Adds the MCP server and everything its tools need.</summary>
    public static WebApplicationBuilder AddMementoServer(this WebApplicationBuilder builder)
    {
        builder.UseLocalDefaultUrlWhenUnset(LocalDefaultUrl);

        builder.Services
            .AddMcpServer()
            .WithHttpTransport(options => options.Stateless = true);

        return builder;
    }

    /// <summary>Maps the MCP endpoints.</summary>
    public static WebApplication MapMementoServer(this WebApplication app)
    {
        app.MapMcp("/mcp");
        return app;
    }
}
