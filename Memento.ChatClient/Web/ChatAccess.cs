using System.Security.Cryptography;
using System.Text;
using Memento.ChatClient.Agent;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;

namespace Memento.ChatClient.Web;

/// <summary>
/// Who may use the chat page's API. <c>/api/*</c> acts on the configured Memento user's memories, so it
/// follows the server's rule: with <c>Memento:Chat:AccessKeyHash</c> set, every API request needs the key as a
/// bearer token; without it, the page starts only on loopback unless <c>Memento:Chat:AllowAnonymousNetwork</c>
/// says that is intended. The static page itself holds no data and is always served.
/// </summary>
internal sealed partial class ChatAccess(RequestDelegate next, IOptions<ChatClientOptions> options)
{
    private readonly byte[]? _keyHash = options.Value.AccessKeyHash is { } hex ? Convert.FromHexString(hex) : null;

    public Task InvokeAsync(HttpContext context)
    {
        if (_keyHash is null || !context.Request.Path.StartsWithSegments("/api") || HasKey(context.Request))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"memento-chat\"";
        return context.Response.WriteAsJsonAsync(new { error = "This chat needs its access key (Authorization: Bearer <key>)." }, context.RequestAborted);
    }

    private bool HasKey(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, _keyHash);
    }

    /// <summary>Stops the web host at start-up when it listens beyond loopback with no access key and no explicit consent.</summary>
    internal sealed partial class ListenGuard(IServer server, IOptions<ChatClientOptions> options, ILogger<ListenGuard> logger) : AnonymousNetworkGuard(server)
    {
        protected override bool RequiresAuthentication => options.Value.AccessKeyHash is not null;

        protected override bool AllowsAnonymousNetwork => options.Value.AllowAnonymousNetwork;

        protected override string RefusalMessage(string addresses) =>
            $"The chat page listens on {addresses}, beyond loopback, without Memento:Chat:AccessKeyHash: anyone who reaches it could read and change the memories it uses. " +
            "Set Memento:Chat:AccessKeyHash, listen on 127.0.0.1, or set Memento:Chat:AllowAnonymousNetwork=true to accept that.";

        protected override void WarnAnonymousNetwork(string addresses) => LogAnonymousNetwork(logger, addresses);

        [LoggerMessage(Level = LogLevel.Warning,
            Message = "The chat page listens on {Addresses} without an access key (Memento:Chat:AllowAnonymousNetwork=true): anyone who can reach it can use its memories.")]
        private static partial void LogAnonymousNetwork(ILogger logger, string addresses);
    }
}
