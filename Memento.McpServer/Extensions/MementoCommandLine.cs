using Memento.McpServer.Auth;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// The server's command-line modes besides HTTP: <c>--stdio</c> (an MCP server on stdin/stdout for desktop
/// hosts, logs on stderr) and <c>hash-key [key]</c> (creates or hashes an API key for <c>Memento:Auth:ApiKeys</c>).
/// </summary>
public static class MementoCommandLine
{
    /// <summary>True when the arguments ask for a mode other than the HTTP server.</summary>
    public static bool IsCommand(string[] args) => args.Contains("--stdio") || args.FirstOrDefault() == "hash-key";

    /// <summary>Runs the requested mode and returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.FirstOrDefault() == "hash-key")
        {
            return HashKey(args.Skip(1).ToArray(), Console.Out);
        }

        await RunStdioAsync([.. args.Where(a => a != "--stdio")]);
        return 0;
    }

    /// <summary>Prints the SHA-256 of the given key, or of a new random key (which it prints too, once).</summary>
    public static int HashKey(string[] args, TextWriter output)
    {
        var key = args.FirstOrDefault() ?? ApiKeyHasher.NewKey();
        if (args.Length == 0)
        {
            output.WriteLine($"key:  {key}");
            output.WriteLine("      (give this to the client; it is not stored anywhere)");
        }

        output.WriteLine($"hash: {ApiKeyHasher.Hash(key)}");
        output.WriteLine("configure, e.g.: Memento__Auth__ApiKeys__0__Hash=<hash> Memento__Auth__ApiKeys__0__User=<user id>");
        return 0;
    }

    private static async Task RunStdioAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);

        // stdout carries the protocol; every log line goes to stderr.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.AddServiceDefaults();
        builder.AddMementoEmbeddings();
        builder.AddMementoStorage();

        builder.Services.AddMementoMcp(new TransportKind(IsStdio: true)).WithStdioServerTransport();

        await builder.Build().RunAsync();
    }
}
