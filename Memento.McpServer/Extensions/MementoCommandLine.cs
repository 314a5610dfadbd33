using Memento.McpServer.Auth;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// The server's command-line modes besides HTTP: <c>--stdio</c> (an MCP server on stdin/stdout for desktop
/// hosts, logs on stderr) and <c>hash-key [--stdin]</c> (creates an API key, or hashes one read from standard
/// input, for <c>Memento:Auth:ApiKeys</c>).
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
            return HashKey(args.Skip(1).ToArray(), Console.In, Console.Out, Console.Error);
        }

        await RunStdioAsync([.. args.Where(a => a != "--stdio")]);
        return 0;
    }

    /// <summary>
    /// Prints a new random key (once) and its SHA-256, or with <c>--stdin</c> the SHA-256 of the key read
    /// from <paramref name="input"/> (its first line). A key given as an argument is refused: it would
    /// stay in the shell's history and be visible to every user of the machine in the process list.
    /// </summary>
    public static int HashKey(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        string key;
        if (args.Length == 0)
        {
            key = ApiKeyHasher.NewKey();
            output.WriteLine($"key:  {key}");
            output.WriteLine("      (give this to the client; it is not stored anywhere)");
        }
        else if (args is ["--stdin"])
        {
            key = input.ReadLine()?.TrimEnd('\r') ?? "";
            if (key.Length == 0)
            {
                error.WriteLine("hash-key --stdin: standard input held no key.");
                return 2;
            }
        }
        else
        {
            error.WriteLine("hash-key takes no key argument (it would stay in the shell history and the process list).");
            error.WriteLine("Pipe it in instead:  printf '%s' \"$key\" | dotnet run --project Memento.McpServer -- hash-key --stdin");
            return 2;
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
