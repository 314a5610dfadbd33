using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Memento.McpServer.Auth;

/// <summary>
/// Runs in front of the MCP endpoints: refuses foreign <c>Host</c> and <c>Origin</c> headers (DNS rebinding),
/// caps the body size, and settles who the caller is from the <c>X-Memento-User</c> header — the user
/// itself in local mode, or a check that it names the signed-in user when authentication is on.
/// </summary>
internal sealed class RequestGuard(RequestDelegate next, IOptions<HttpOptions> http, IOptions<AuthOptions> auth)
{
    public const string UserHeader = "X-Memento-User";

    private static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "::1", "[::1]"];

    private readonly bool _anyHost = AllowsAnyHost(http.Value, auth.Value);

    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsMcpPath(context.Request.Path))
        {
            await next(context);
            return;
        }

        if (!_anyHost && !IsAllowedHost(context.Request.Host.Host))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "The Host header names a host this server does not serve.");
            return;
        }

        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !IsAllowedOrigin(origin))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "Requests from this Origin are not allowed.");
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = http.Value.MaxRequestBodyBytes;
        }

        if (context.Request.ContentLength > http.Value.MaxRequestBodyBytes)
        {
            await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge,
                $"The request body is larger than the limit of {http.Value.MaxRequestBodyBytes} bytes.");
            return;
        }

        var headerUser = context.Request.Headers[UserHeader].ToString();
        if (headerUser.Length > 0)
        {
            if (auth.Value.Mode == AuthMode.None)
            {
                if (!UserIds.IsValid(headerUser))
                {
                    await RefuseAsync(context, StatusCodes.Status400BadRequest, Caller.InvalidUserMessage(headerUser));
                    return;
                }

                context.User = new ClaimsPrincipal(new ClaimsIdentity(
                    [new Claim(Caller.UserClaim, headerUser)], Caller.LocalAuthenticationType));
            }
            else if (context.User.Identity?.IsAuthenticated == true
                && !string.Equals(context.User.FindFirst(Caller.UserClaim)?.Value, headerUser, StringComparison.Ordinal))
            {
                await RefuseAsync(context, StatusCodes.Status403Forbidden,
                    $"The {UserHeader} header names another user; with authentication on, requests act only for the signed-in user.");
                return;
            }
        }

        await next(context);
    }

    /// <summary>The MCP endpoints this guard protects.</summary>
    public static bool IsMcpPath(PathString path) =>
        path.StartsWithSegments("/mcp") || path.StartsWithSegments("/sse") || path.StartsWithSegments("/message");

    private static bool AllowsAnyHost(HttpOptions http, AuthOptions auth) =>
        http.AllowedHosts.Contains("*")
        || (http.AllowedHosts.Count == 0 && (auth.Mode != AuthMode.None || auth.AllowAnonymousNetwork));

    private bool IsAllowedHost(string host) =>
        LoopbackHosts.Contains(host, StringComparer.OrdinalIgnoreCase)
        || http.Value.AllowedHosts.Contains(host, StringComparer.OrdinalIgnoreCase);

    private bool IsAllowedOrigin(string origin)
    {
        if (http.Value.AllowedOrigins.Contains(origin.TrimEnd('/'), StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && (uri.IsLoopback || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip)));
    }

    /// <summary>Writes a JSON-RPC error body (id null) so MCP clients show the reason, with the given HTTP status.</summary>
    internal static Task RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var body = new { jsonrpc = "2.0", id = (object?)null, error = new { code = -32600, message } };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}
