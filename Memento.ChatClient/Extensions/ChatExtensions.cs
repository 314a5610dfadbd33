using Memento.ChatClient.Agent;
using Memento.ChatClient.Mcp;
using Memento.ChatClient.Providers;
using Memento.ChatClient.Web;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Memento.ChatClient;

/// <summary>Registration of the chat client: agent core, model provider, MCP connection and web page.</summary>
public static class ChatExtensions
{
    /// <summary>The chat page's address when no listen address is configured.</summary>
    public const string LocalDefaultUrl = "http://127.0.0.1:8080";

    /// <summary>Adds the chat agent and what it needs, for the web page.</summary>
    public static WebApplicationBuilder AddMementoChat(this WebApplicationBuilder builder)
    {
        builder.UseLocalDefaultUrlWhenUnset(LocalDefaultUrl);
        builder.AddMementoChatCore();
        builder.Services.AddHostedService<ChatAccess.ListenGuard>();
        return builder;
    }

    /// <summary>
    /// Adds the agent core both front ends share: options from <c>Memento:Chat</c>, the model provider,
    /// the MCP connection to the Memento server and <see cref="ChatAgent"/>.
    /// </summary>
    public static TBuilder AddMementoChatCore<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.AddOptions<ChatClientOptions>()
            .BindConfiguration(ChatClientOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingletonTimeProvider();
        services.AddSingleton(sp => ResolveZone(sp.GetRequiredService<IOptions<ChatClientOptions>>().Value));
        services.AddSingleton(ServerAddress.Resolve(builder.Configuration));
        services.AddTransient<ServerAuthHandler>();

        // MCP calls go through the service defaults' resilience handler, rebuilt for this client: a tool
        // call on a cold search index or a busy share can take longer than the 10 s attempt / 30 s total
        // defaults, and a store must never be sent twice by a blind retry (the connection reconnects and
        // retries itself when the server went away).
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is experimental; it is the documented way to replace the default handler.
        services.AddHttpClient(MementoServerConnection.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => ServerTrust.CreateHandler(sp.GetRequiredService<IOptions<ChatClientOptions>>().Value.ServerCertificate))
            .AddHttpMessageHandler<ServerAuthHandler>()
            .RemoveAllResilienceHandlers()
            .AddStandardResilienceHandler(resilience =>
            {
                resilience.AttemptTimeout.Timeout = TimeSpan.FromMinutes(2);
                resilience.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(3);
                resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(5);
                resilience.Retry.DisableForUnsafeHttpMethods();
            });
#pragma warning restore EXTEXP0001
        services.AddSingleton<MementoServerConnection>();

        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ChatClientOptions>>().Value;
            return ChatProviderFactory.Create(sp.GetRequiredService<IConfiguration>(), options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<TimeZoneInfo>());
        });
        services.AddSingleton(sp => sp.GetRequiredService<ChatProvider>().Info);
        services.AddSingleton(sp =>
        {
            var inner = sp.GetRequiredService<ChatProvider>().Client;
            return new ChatClientBuilder(inner)
                .UseFunctionInvocation(sp.GetRequiredService<ILoggerFactory>(), invocation =>
                {
                    invocation.MaximumIterationsPerRequest = 8;
                    invocation.AllowConcurrentInvocation = false;
                })
                .UseOpenTelemetry(sp.GetRequiredService<ILoggerFactory>())
                .Build(sp);
        });
        services.AddSingleton<ChatAgent>();
        services.AddHostedService<StartupReport>();
        return builder;
    }

    /// <summary>Maps the chat page and its API.</summary>
    public static WebApplication MapMementoChat(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseMiddleware<ChatAccess>();
        app.MapChatApi();
        return app;
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    private static TimeZoneInfo ResolveZone(ChatClientOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.TimeZone))
        {
            return TimeZoneInfo.Local;
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out var zone)
            ? zone
            : throw new OptionsValidationException(nameof(ChatClientOptions.TimeZone), typeof(ChatClientOptions), [$"Memento:Chat:TimeZone '{options.TimeZone}' is not a known time zone id."]);
    }

    /// <summary>Says at start-up which model answers and which server is used.</summary>
    private sealed class StartupReport(ChatAgent agent, ILogger<StartupReport> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            logger.LogInformation("Memento chat: model provider is {Provider}; Memento server {Endpoint} (from {Source}); user {User}.",
                agent.Provider.Description, agent.Server.Endpoint, agent.Server.Source, agent.User);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
