using Memento.McpServer.Auth;
using Memento.McpServer.Tools;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Registration of the Memento MCP server: storage, search, tools and transports.</summary>
public static class MementoServerExtensions
{
    /// <summary>Where the server listens when no address is configured.</summary>
    public const string LocalDefaultUrl = "http://127.0.0.1:8000";

    /// <summary>
    /// Adds the MCP server over HTTP: Streamable HTTP (stateless unless <c>Memento:Http:EnableLegacySse</c>),
    /// identity and hardening, and everything the tools need.
    /// </summary>
    public static WebApplicationBuilder AddMementoServer(this WebApplicationBuilder builder)
    {
        builder.UseLocalDefaultUrlWhenUnset(LocalDefaultUrl);
        builder.AddMementoEmbeddings();
        builder.AddMementoStorage();
        builder.AddMementoIdentity();

        var legacySse = builder.Configuration.GetValue<bool>($"{HttpOptions.SectionName}:{nameof(HttpOptions.EnableLegacySse)}");

        // Legacy SSE needs sessions, so the endpoint then keeps them for clients that use the initialize handshake
        // (StatefulForInitializeClients), and by default refuses any other request that arrives without a session:
        // a stateless client's tools/call would get 400. With this SDK switch such a request is served in a session
        // of its own instead, so stateless clients keep working when legacy SSE is on. It changes nothing in
        // stateless mode, which never asks. Set for the process before the SDK's HTTP handler first runs.
        AppContext.SetSwitch("ModelContextProtocol.AspNetCore.AllowNewSessionForNonInitializeRequests", true);
        builder.Services.AddMementoMcp(new TransportKind(IsStdio: false))
            .WithHttpTransport(options =>
            {
                // Legacy SSE keeps sessions in memory; initialize-handshake clients then need affinity to one replica.
                options.SessionMode = legacySse ? HttpServerSessionMode.StatefulForInitializeClients : HttpServerSessionMode.Stateless;
#pragma warning disable MCP9004 // Obsolete as a nudge towards Streamable HTTP; kept on request for older clients (off by default).
                options.EnableLegacySse = legacySse;
#pragma warning restore MCP9004
            });

        return builder;
    }

    /// <summary>
    /// Maps the MCP endpoints (<c>/mcp</c>, plus <c>/sse</c> and <c>/message</c> when legacy SSE is on) behind
    /// authentication, the request guard and the rate limiter.
    /// </summary>
    public static WebApplication MapMementoServer(this WebApplication app)
    {
        var mode = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Mode;
        var http = app.Services.GetRequiredService<IOptions<HttpOptions>>().Value;

        app.UseMementoIdentity();
        app.MapMcp("/mcp").RequireMementoIdentity(mode);
        if (http.EnableLegacySse)
        {
            // The seed's clients and other pre-2025 clients expect /sse and /message at the root.
            app.MapMcp("").RequireMementoIdentity(mode);
        }

        return app;
    }

    /// <summary>
    /// Adds the MCP server with Memento's tools, resources and prompts, the per-request caller identity,
    /// the request timeout and the schema rule that, with authentication on, tools do not offer a <c>user</c> argument.
    /// </summary>
    public static IMcpServerBuilder AddMementoMcp(this IServiceCollection services, TransportKind transport)
    {
        services.AddSingleton(transport);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<AuditLog>();
        services.AddScoped<Caller>();
        services.AddOptions<AuthOptions>();
        // One binding of the limits for every transport: stdio honours Memento:Http:RequestTimeout as HTTP does.
        services.AddOptions<HttpOptions>().BindConfiguration(HttpOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<McpServerOptions>, UserArgumentSchemaFilter>();

        return services
            .AddMcpServer(options =>
            {
                options.ServerInfo = new Implementation { Name = "memento", Title = "Memento", Version = "1.0.0" };
                options.ServerInstructions =
                    "Memento keeps the user's memories. Use store_memory to save, retrieve_memories to search by words, " +
                    "list_memories to browse by date or tag, get_memory_content to read one in full. Dates are ISO 8601 (UTC).";
            })
            // The output schemas come from the same serializer options that write the results (see ToolResults).
            .WithTools<MemoryTools>(ToolResults.StructuredOptions)
            .WithTools<UserTools>(ToolResults.StructuredOptions)
            .WithResources<MemoryResources>()
            .WithPrompts<MemoryPrompts>()
            .WithListResourcesHandler(MemoryResources.ListAsync)
            .WithMessageFilters(filters => filters.AddIncomingFilter(ProtocolShapeFilter.Create))
            .WithRequestFilters(filters =>
            {
                filters.AddCallToolFilter(ToolCallFilter.Create);
                filters.AddReadResourceFilter(next => (context, cancellationToken) =>
                {
                    AttachCaller(context);
                    return next(context, cancellationToken);
                });
                filters.AddGetPromptFilter(next => (context, cancellationToken) =>
                {
                    AttachCaller(context);
                    return next(context, cancellationToken);
                });
            });
    }

    private static void AttachCaller<TParams>(RequestContext<TParams> context) =>
        context.Services!.GetRequiredService<Caller>().Principal = context.User;
}
