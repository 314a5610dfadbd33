using Memento.McpServer.Auth;
using Memento.McpServer.Storage;
using Memento.McpServer.Storage.Postgres;
using Memento.McpServer.Tools;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// The server's command-line modes besides HTTP: <c>--stdio</c> (an MCP server on stdin/stdout for desktop
/// hosts, logs on stderr), <c>hash-key [--stdin]</c> (creates an API key, or hashes one read from standard
/// input, for <c>Memento:Auth:ApiKeys</c>), and the operator commands <c>import</c>, <c>export</c> and
/// <c>reindex</c> over the configured storage, and <c>move</c> between the providers (see <see cref="StorageCommands"/>).
/// </summary>
public static class MementoCommandLine
{
    /// <summary>True when the arguments ask for a mode other than the HTTP server.</summary>
    public static bool IsCommand(string[] args) =>
        args.Contains("--stdio") || args.FirstOrDefault() is "hash-key" or "import" or "export" or "reindex" or "move";

    /// <summary>Runs the requested mode and returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.FirstOrDefault() == "hash-key")
        {
            return HashKey(args.Skip(1).ToArray(), Console.In, Console.Out, Console.Error);
        }

        if (args.FirstOrDefault() is "import" or "export" or "reindex" or "move")
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
    /// Runs <c>import &lt;folder|zip&gt; [--user id]</c>, <c>export --to &lt;folder|zip&gt; [--user id]</c>,
    /// <c>reindex [--user id]</c> on the storage the configuration names, or <c>move --to &lt;postgres|files&gt;</c> between
    /// the Files root and the PostgreSQL database the configuration names (the other arguments are configuration,
    /// e.g. <c>--Memento:Storage:Root=/data</c>). Returns 0, 1 when an import or a move skipped something, 2 on a usage error.
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

        var moveTo = command == "move" ? to?.ToLowerInvariant() : null;
        if ((command == "import" && path is null) || (command == "export" && to is null)
            || (command == "move" && (moveTo is not ("postgres" or "files") || user is not null || path is not null)))
        {
            error.WriteLine(StorageCommands.Usage);
            return 2;
        }

        string[] commandArgs = [.. configuration];
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = commandArgs, ContentRootPath = ContentRoot.Options(commandArgs).ContentRootPath });
        if (command == "move")
        {
            // A move reads the Files root and the database both, whichever provider the server is configured with.
            builder.Configuration.AddInMemoryCollection([new($"{StorageOptions.SectionName}:{nameof(StorageOptions.Provider)}", nameof(StorageProvider.Postgres))]);
        }

        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        try
        {
            builder.AddMementoStorage();
            using var host = builder.Build();
            var options = host.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
            var commands = new StorageCommands(
                host.Services.GetRequiredService<IMemoryCorpus>(),
                options,
                host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Memento.Import"),
                output,
                error);
            return command switch
            {
                "import" => await commands.ImportAsync(path!, user, cancellationToken),
                "export" => await commands.ExportAsync(to!, user, cancellationToken),
                "move" => await commands.MoveAsync(
                    host.Services.GetRequiredService<LayoutTransfer>(),
                    options.ResolveRoot(),
                    Describe(host.Services.GetRequiredService<NpgsqlDataSource>()),
                    toDatabase: moveTo == "postgres",
                    cancellationToken),
                _ => await commands.ReindexAsync(user, cancellationToken),
            };
        }
        catch (Exception e) when (e is MemoryValidationException or DirectoryNotFoundException or InvalidDataException or OptionsValidationException or StorageUnavailableException)
        {
            error.WriteLine($"{command}: {e.Message}");
            return 2;
        }
        catch (InvalidOperationException e) when (e.Message.Contains(PostgresStorageOptions.ConnectionName, StringComparison.Ordinal))
        {
            // Aspire's Npgsql client names the missing connection string in its message.
            error.WriteLine($"{command}: no PostgreSQL connection string; set ConnectionStrings__{PostgresStorageOptions.ConnectionName} ({e.Message})");
            return 2;
        }
    }

    /// <summary>Where a data source points, without its password: <c>PostgreSQL 127.0.0.1:5432/memento</c>.</summary>
    private static string Describe(NpgsqlDataSource dataSource)
    {
        var connection = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        var schema = string.IsNullOrEmpty(connection.SearchPath) ? "" : $" (schema {connection.SearchPath})";
        return $"PostgreSQL {connection.Host}:{connection.Port}/{connection.Database}{schema}";
    }

    /// <summary>
    /// The stdio server: the same storage, MCP composition and options (<c>Memento:Http</c> limits included) as over
    /// HTTP, without the HTTP-only pieces (listen address, identity, rate limit).
    /// </summary>
    internal static IHost BuildStdioHost(string[] args)
    {
        // appsettings.json beside the dll, whatever directory the desktop host starts us in.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = ContentRoot.Options(args).ContentRootPath });

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
