using Memento.McpServer.Auth;
using Memento.McpServer.Storage;
using Memento.McpServer.Tools;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// The server's command-line modes besides HTTP: <c>--stdio</c> (an MCP server on stdin/stdout for desktop
/// hosts, logs on stderr), <c>hash-key [--stdin]</c> (creates an API key, or hashes one read from standard
/// input, for <c>Memento:Auth:ApiKeys</c>), and the operator commands <c>import</c>, <c>export</c> and
/// <c>reindex</c> over the configured storage (see <see cref="StorageCommands"/>).
/// </summary>
public static class MementoCommandLine
{
    /// <summary>True when the arguments ask for a mode other than the HTTP server.</summary>
    public static bool IsCommand(string[] args) =>
        args.Contains("--stdio") || args.FirstOrDefault() is "hash-key" or "import" or "export" or "reindex";

    /// <summary>Runs the requested mode and returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.FirstOrDefault() == "hash-key")
        {
            return HashKey(args.Skip(1).ToArray(), Console.In, Console.Out, Console.Error);
        }

        if (args.FirstOrDefault() is "import" or "export" or "reindex")
        {
            using var cancellation = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                cancellation.Cancel();
            };
            return await RunStorageCommandAsync(args, Console.Out, Console.Error, cancellation.Token);
        }

        using var host = BuildStdioHost([.. args.Where(a => a != "--stdio")]);
        await host.RunAsync();
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

    /// <summary>
    /// Runs <c>import &lt;folder|zip&gt; [--user id]</c>, <c>export --to &lt;folder|zip&gt; [--user id]</c> or
    /// <c>reindex [--user id]</c> on the storage the configuration names (the other arguments are configuration,
    /// e.g. <c>--Memento:Storage:Root=/data</c>). Returns 0, 1 when an import skipped something, 2 on a usage error.
    /// </summary>
    public static async Task<int> RunStorageCommandAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var command = args[0];
        string? user = null, to = null, path = null;
        var configuration = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--user" when i + 1 < args.Length:
                    user = args[++i];
                    break;
                case "--to" when i + 1 < args.Length:
                    to = args[++i];
                    break;
                case var arg when !arg.StartsWith("--", StringComparison.Ordinal) && path is null:
                    path = arg;
                    break;
                default:
                    configuration.Add(args[i]);
                    break;
            }
        }

        if ((command == "import" && path is null) || (command == "export" && to is null))
        {
            error.WriteLine(StorageCommands.Usage);
            return 2;
        }

        var builder = Host.CreateApplicationBuilder([.. configuration]);
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        builder.AddMementoStorage();
        using var host = builder.Build();
        if (host.Services.GetService<IMemoryCorpus>() is not { } corpus)
        {
            error.WriteLine($"{command}: works on the Files storage provider only for now; with Postgres, move a folder in or out with the provider's layout import and export (docs/storage.md).");
            return 2;
        }

        try
        {
            var commands = new StorageCommands(
                corpus,
                host.Services.GetRequiredService<IOptions<StorageOptions>>().Value,
                host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Memento.Import"),
                output,
                error);
            return command switch
            {
                "import" => await commands.ImportAsync(path!, user, cancellationToken),
                "export" => await commands.ExportAsync(to!, user, cancellationToken),
                _ => await commands.ReindexAsync(user, cancellationToken),
            };
        }
        catch (Exception e) when (e is MemoryValidationException or DirectoryNotFoundException or InvalidDataException or OptionsValidationException)
        {
            error.WriteLine($"{command}: {e.Message}");
            return 2;
        }
    }

    /// <summary>
    /// The stdio server: the same storage, MCP composition and options (<c>Memento:Http</c> limits included) as over
    /// HTTP, without the HTTP-only pieces (listen address, identity, rate limit).
    /// </summary>
    internal static IHost BuildStdioHost(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);

        // stdout carries the protocol; every log line goes to stderr.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.AddServiceDefaults();
        builder.AddMementoEmbeddings();
        builder.AddMementoStorage();

        builder.Services.AddMementoMcp(new TransportKind(IsStdio: true)).WithStdioServerTransport();
        // The SDK's stdio transport, behind the check of each request's shape that the HTTP request guard makes on the body.
        builder.Services.Replace(ServiceDescriptor.Singleton<ITransport>(services => new ShapeCheckedTransport(
            new StdioServerTransport(services.GetRequiredService<IOptions<McpServerOptions>>().Value, services.GetService<ILoggerFactory>()),
            services.GetRequiredService<ILogger<ShapeCheckedTransport>>())));

        return builder.Build();
    }
}
