using Microsoft.AspNetCore.Builder;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Where a Memento service finds its appsettings.json and web root: beside its own dll, whatever the
/// working directory (a published service started as <c>dotnet /path/to/service.dll</c> from elsewhere,
/// or by a desktop MCP host). An explicit <c>--contentRoot</c> or <c>ASPNETCORE_CONTENTROOT</c> still wins.
/// </summary>
public static class ContentRoot
{
    /// <summary>Builder options with the content root set to <see cref="AppContext.BaseDirectory"/> unless one is configured.</summary>
    public static WebApplicationOptions Options(string[] args)
    {
        var configured = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase) || a.StartsWith("/contentRoot", StringComparison.OrdinalIgnoreCase))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT"))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT"));
        return new WebApplicationOptions { Args = args, ContentRootPath = configured ? null : AppContext.BaseDirectory };
    }
}
