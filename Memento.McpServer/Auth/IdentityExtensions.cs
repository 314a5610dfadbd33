using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Memento.McpServer.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore.Authentication;
using ModelContextProtocol.Authentication;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Registration of identity (None, ApiKey, Jwt), rate limiting and request hardening for the MCP endpoints.</summary>
public static class IdentityExtensions
{
    /// <summary>The rate-limiter policy applied to the MCP endpoints.</summary>
    public const string RateLimitPolicy = "memento-mcp";

    /// <summary>
    /// Binds and validates <c>Memento:Auth</c>, and registers the authentication scheme of the configured mode,
    /// authorization, the rate limiter, the body-size limit and the start-up address check. <c>Memento:Http</c> is
    /// bound with the MCP server itself (<see cref="MementoServerExtensions.AddMementoMcp"/>), for every transport.
    /// </summary>
    public static WebApplicationBuilder AddMementoIdentity(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        builder.Services.AddHostedService<ListenAddressGuard>();

        var auth = builder.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();

        switch (auth.Mode)
        {
            case AuthMode.ApiKey:
                builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
                    .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
                break;
            case AuthMode.Jwt:
                AddJwt(builder, auth.Jwt);
                break;
            default:
                builder.Services.AddAuthentication();
                break;
        }

        builder.Services.AddAuthorization();
        builder.Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<HttpOptions>>((kestrel, http) => kestrel.Limits.MaxRequestBodySize = http.Value.MaxRequestBodyBytes);
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, cancellationToken) =>
            {
                var window = context.HttpContext.RequestServices.GetRequiredService<IOptions<HttpOptions>>().Value.RateLimitWindow;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : window;
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return new ValueTask(RequestGuard.RefuseAsync(context.HttpContext, StatusCodes.Status429TooManyRequests,
                    $"Too many requests; try again in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} seconds."));
            };
            limiter.AddPolicy(RateLimitPolicy, Partition);
        });

        return builder;
    }

    /// <summary>Adds authentication, the request guard, rate limiting and authorization in that order, for the MCP endpoints.</summary>
    public static WebApplication UseMementoIdentity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseMiddleware<RequestGuard>();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    /// <summary>Applies the rate limit and, when authentication is on, the sign-in requirement to MCP endpoints.</summary>
    public static TBuilder RequireMementoIdentity<TBuilder>(this TBuilder endpoints, AuthMode mode) where TBuilder : IEndpointConventionBuilder
    {
        endpoints.RequireRateLimiting(RateLimitPolicy);
        if (mode != AuthMode.None)
        {
            endpoints.RequireAuthorization();
        }

        return endpoints;
    }

    /// <summary>
    /// A signed-in user is one partition wherever they connect from; an anonymous caller is partitioned by client
    /// address, whatever user it names (the <c>X-Memento-User</c> header is the caller's choice, so it cannot be a key).
    /// Anonymous loopback callers, the local user's own machine, share the larger loopback allowance.
    /// </summary>
    private static RateLimitPartition<string> Partition(HttpContext context)
    {
        var http = context.RequestServices.GetRequiredService<IOptions<HttpOptions>>().Value;
        var identity = context.User.Identity;
        var user = context.User.FindFirst(Caller.UserClaim)?.Value;
        var address = context.Connection.RemoteIpAddress is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : context.Connection.RemoteIpAddress;
        var (key, permits) = identity is { IsAuthenticated: true } && identity.AuthenticationType != Caller.LocalAuthenticationType && user is not null
            ? ("user:" + user, http.RateLimitPermits)
            : address is not null && IPAddress.IsLoopback(address)
                ? ("loopback", http.LoopbackRateLimitPermits)
                : ("address:" + (address?.ToString() ?? "unknown"), http.RateLimitPermits);
        return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = http.RateLimitWindow,
            QueueLimit = 0,
        });
    }

    private static void AddJwt(WebApplicationBuilder builder, JwtSettings jwt)
    {
        builder.Services.AddAuthentication(options =>
            {
                options.DefaultAuthenticateScheme = JwtBearerDefaults.AuthenticationScheme;
                options.DefaultChallengeScheme = McpAuthenticationDefaults.AuthenticationScheme;
            })
            .AddJwtBearer(options =>
            {
                options.Authority = jwt.Authority;
                options.Audience = jwt.Audience;
                options.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
                options.MapInboundClaims = false;
                options.TokenValidationParameters.NameClaimType = "sub";
                options.TokenValidationParameters.RoleClaimType = "roles";
                options.Events = new JwtBearerEvents
                {
                    OnTokenValidated = context =>
                    {
                        var subject = context.Principal?.FindFirst("oid")?.Value ?? context.Principal?.FindFirst("sub")?.Value;
                        if (string.IsNullOrEmpty(subject) || context.Principal?.Identity is not ClaimsIdentity identity)
                        {
                            context.Fail("The token has neither an 'oid' nor a 'sub' claim.");
                            return Task.CompletedTask;
                        }

                        identity.AddClaim(new Claim(Caller.UserClaim, UserIds.FromSubject(subject)));
                        return Task.CompletedTask;
                    },
                };
            })
            .AddMcp(options => options.ResourceMetadata = new ProtectedResourceMetadata
            {
                AuthorizationServers = [jwt.Authority!],
                ScopesSupported = [.. jwt.Scopes],
                ResourceName = "Memento",
            });
    }
}
