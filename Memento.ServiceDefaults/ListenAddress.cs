using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The listen address comes from standard ASP.NET Core configuration (<c>--urls</c>,
/// <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c>, <c>Kestrel:Endpoints</c>). Only when none
/// of them is set does a service fall back to its local default, which is always on loopback.
/// </summary>
public static class ListenAddress
{
    private static readonly string[] AddressKeys = ["urls", "http_ports", "https_ports"];

    /// <summary>True when any standard listen-address setting is present.</summary>
    public static bool IsConfigured(IConfiguration configuration) =>
        AddressKeys.Any(key => !string.IsNullOrWhiteSpace(configuration[key]))
        || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();

    /// <summary>
    /// True when a listen address (as Kestrel reports it, e.g. <c>http://127.0.0.1:8000</c>, <c>http://[::]:8000</c>,
    /// <c>http://+:80</c>) is reachable from this machine only. Both services refuse to start beyond loopback
    /// without authentication by this one rule.
    /// </summary>
    public static bool IsLoopback(string address)
    {
        if (!Uri.TryCreate(address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal),
                UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }

    /// <summary>Binds to <paramref name="localDefault"/> unless an address is configured.</summary>
    public static WebApplicationBuilder UseLocalDefaultUrlWhenUnset(this WebApplicationBuilder builder, string localDefault)
    {
        if (!IsConfigured(builder.Configuration))
        {
            builder.WebHost.UseUrls(localDefault);
        }

        return builder;
    }
}
