using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Memento.McpServer.Tools;
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

        if (HttpMethods.IsPost(context.Request.Method) && await InspectBodyAsync(context) is { } problem)
        {
            if (problem.Code == InvalidParams)
            {
                await AnswerAsync(context, problem.Id, problem.Code, problem.Message);
            }
            else
            {
                await RefuseAsync(context, StatusCodes.Status400BadRequest, problem.Message, problem.Code);
            }

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

    /// <summary>
    /// JSON text must be valid Unicode: the JSON reader would otherwise turn invalid UTF-8 into U+FFFD and
    /// store altered text without a word, and an escaped unpaired surrogate fails deep in the SDK with a
    /// generic error. And a request's <c>params</c> must be an object: the SDK's tracing reads <c>params._meta</c>
    /// before any filter runs and fails with an internal error on an array. The body is buffered (it is already
    /// capped), read once as tokens, and rewound for the handler. Malformed JSON is left to the MCP handler,
    /// which answers with a JSON-RPC parse error.
    /// </summary>
    private static async Task<BodyProblem?> InspectBodyAsync(HttpContext context)
    {
        context.Request.EnableBuffering();
        using var buffer = new MemoryStream();
        try
        {
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        }
        finally
        {
            context.Request.Body.Position = 0;
        }

        var body = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            return new BodyProblem(-32700, "The request body is not valid UTF-8 JSON.", null);
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        object? id = null;
        string? paramsProblem = null;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    reader.GetString();
                }

                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    var isId = reader.ValueTextEquals("id"u8);
                    var isParams = reader.ValueTextEquals("params"u8);
                    // Read the value here; a string value is checked for escapes the same way on this path.
                    if ((isId || isParams) && reader.Read())
                    {
                        if (isId)
                        {
                            if (reader.TokenType == JsonTokenType.String && reader.ValueIsEscaped)
                            {
                                reader.GetString();
                            }

                            id = reader.TokenType switch
                            {
                                JsonTokenType.Number when reader.TryGetInt64(out var number) => number,
                                JsonTokenType.String => reader.GetString(),
                                _ => null,
                            };
                        }
                        else
                        {
                            paramsProblem = RequestShape.ParamsProblem(reader.TokenType);
                        }
                    }
                }
            }
        }
        catch (InvalidOperationException)
        {
            return new BodyProblem(-32700, "The request holds text that is not valid Unicode (an unpaired surrogate escape such as \\ud800).", null);
        }
        catch (JsonException)
        {
            return null;
        }

        return paramsProblem is null ? null : new BodyProblem(InvalidParams, paramsProblem, id);
    }

    /// <summary>Answers a JSON-RPC request with an error (HTTP 200, like any other JSON-RPC answer), keeping its id.</summary>
    private static Task AnswerAsync(HttpContext context, object? id, int code, string message)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        var body = new { jsonrpc = "2.0", id, error = new { code, message } };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }

    private const int InvalidParams = -32602;

    private sealed record BodyProblem(int Code, string Message, object? Id);

    /// <summary>Writes a JSON-RPC error body (id null) so MCP clients show the reason, with the given HTTP status.</summary>
    internal static Task RefuseAsync(HttpContext context, int status, string message, int code = -32600)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var body = new { jsonrpc = "2.0", id = (object?)null, error = new { code, message } };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}
