namespace Memento.ChatClient.Mcp;

/// <summary>Where the Memento MCP endpoint is, and which setting said so.</summary>
public sealed record ServerAddress(Uri Endpoint, string Source)
{
    /// <summary>The address when nothing is configured: the server's own local default.</summary>
    public static readonly Uri LocalDefault = new("http://127.0.0.1:8000/mcp");

    /// <summary>
    /// Resolves the MCP endpoint, first match wins: <c>Memento:Chat:ServerUrl</c> (used as given),
    /// Aspire service discovery's <c>services:mcpserver:http:0</c> (or <c>https:0</c>) plus <c>/mcp</c>,
    /// the seed's <c>MCP_SERVER_HOSTNAME</c>/<c>MCP_SERVER_PORT</c> plus <c>/mcp</c>, else the local default.
    /// </summary>
    public static ServerAddress Resolve(IConfiguration configuration)
    {
        var explicitUrl = configuration["Memento:Chat:ServerUrl"];
        if (!string.IsNullOrWhiteSpace(explicitUrl))
        {
            return new ServerAddress(Parse(explicitUrl, "Memento:Chat:ServerUrl"), "Memento:Chat:ServerUrl");
        }

        foreach (var key in new[] { "services:mcpserver:http:0", "services:mcpserver:https:0" })
        {
            var value = configuration[key];
            if (!string.IsNullOrWhiteSpace(value))
            {
                return new ServerAddress(WithMcpPath(Parse(value, key)), key.Replace(":", "__", StringComparison.Ordinal));
            }
        }

        var host = configuration["MCP_SERVER_HOSTNAME"];
        var port = configuration["MCP_SERVER_PORT"];
        if (!string.IsNullOrWhiteSpace(host) || !string.IsNullOrWhiteSpace(port))
        {
            host = string.IsNullOrWhiteSpace(host) ? "127.0.0.1" : host.Trim();
            port = string.IsNullOrWhiteSpace(port) ? "8000" : port.Trim();
            var hasScheme = host.Contains("://", StringComparison.Ordinal);
            var baseUrl = hasScheme ? $"{host.TrimEnd('/')}:{port}" : $"http://{host}:{port}";
            return new ServerAddress(WithMcpPath(Parse(baseUrl, "MCP_SERVER_HOSTNAME/MCP_SERVER_PORT")), "MCP_SERVER_HOSTNAME/MCP_SERVER_PORT");
        }

        return new ServerAddress(LocalDefault, "default");
    }

    private static Uri WithMcpPath(Uri baseAddress)
    {
        var path = baseAddress.AbsolutePath.TrimEnd('/');
        if (path.EndsWith("/mcp", StringComparison.OrdinalIgnoreCase))
        {
            return baseAddress;
        }

        return new UriBuilder(baseAddress) { Path = path + "/mcp" }.Uri;
    }

    private static Uri Parse(string value, string key) =>
        Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new InvalidOperationException($"{key} must be an absolute http(s) URL; it is '{value}'.");
}
