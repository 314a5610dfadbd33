using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

[assembly: AssemblyFixture(typeof(Memento.Tests.Infrastructure.PostgresServer))]

namespace Memento.Tests.Infrastructure;

/// <summary>
/// A throw-away PostgreSQL server for the tests: the machine's own PostgreSQL (<c>pg_config --bindir</c>),
/// a cluster created by <c>initdb</c> in a temporary folder, listening on 127.0.0.1 on a free port with its
/// unix socket in that folder too, stopped and deleted at the end of the run. When the tests run as root
/// (CI), the cluster belongs to the <c>postgres</c> user, because PostgreSQL refuses to run as root.
/// Started on first use, so runs without a PostgreSQL test do not pay for it. Each caller gets a schema of
/// its own (<see cref="CreateSchemaAsync"/>), so tests run side by side on one server.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(120);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private TempDirectory? _folder;
    private string? _bin;
    private string? _data;
    private string? _startError;

    /// <summary>The connection string of the test database (user <c>postgres</c>, trust authentication on loopback).</summary>
    public string ConnectionString { get; private set; } = "";

    public int Port { get; private set; }

    /// <summary>Starts the server unless it runs; skips the calling test when this machine has no PostgreSQL server.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_startError is not null)
            {
                throw new InvalidOperationException(_startError);
            }

            if (_data is not null)
            {
                return;
            }

            _bin = FindBinaries();
            if (_bin is null)
            {
                Assert.Skip("No PostgreSQL server on this machine (pg_config --bindir has no initdb); ./build.sh installs Debian's postgresql package when run as root.");
            }

            try
            {
                await StartServerAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _startError = $"The test PostgreSQL server did not start: {e.Message}";
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A new empty schema; the returned connection string uses it as its search path.</summary>
    public async Task<string> CreateSchemaAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        var schema = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE SCHEMA {schema}", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = schema }.ConnectionString;
    }

    /// <summary>A new empty database (for whole-app runs, where the server processes use the default schema).</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken);
        var name = "db_" + Guid.NewGuid().ToString("N")[..16];
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        _folder = new TempDirectory("memento-pg");
        var data = Path.Combine(_folder.Path, "data");
        var socket = Path.Combine(_folder.Path, "run");
        Directory.CreateDirectory(socket);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", _folder.Path], asPostgres: false, cancellationToken);
        }

        await RunAsync(Path.Combine(_bin!, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], asRoot, cancellationToken);
        // Durability is not what these tests measure: fsync off keeps a loaded machine fast.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            var options = $"-c listen_addresses=127.0.0.1 -p {Port} -k {socket} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB";
            try
            {
                await RunAsync(Path.Combine(_bin!, "pg_ctl"), ["-D", data, "-l", Path.Combine(_folder.Path, "server.log"), "-w", "-t", "60", "-o", options, "start"], asRoot, cancellationToken);
                break;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Another process took the port between the probe and the start: try another one.
            }
        }

        _data = data;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Database = "postgres",
            Timeout = 30,
            CommandTimeout = 60,
        }.ConnectionString;
    }

    private static string? FindBinaries()
    {
        var candidates = new List<string>();
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true });
            if (process is not null && process.WaitForExit(10_000))
            {
                candidates.Add(process.StandardOutput.ReadToEnd().Trim());
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No pg_config on the path: look where Debian puts the server.
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")));
        }

        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, string[] arguments, bool asPostgres, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        if (asPostgres)
        {
            foreach (var argument in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StepTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path.GetFileName(file)} did not finish within {StepTimeout.TotalSeconds} s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed ({process.ExitCode}): {await errors}{await output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_data is not null)
        {
            try
            {
                await RunAsync(Path.Combine(_bin!, "pg_ctl"), ["-D", _data, "-m", "immediate", "-w", "-t", "30", "stop"], Environment.UserName == "root", CancellationToken.None);
            }
            catch (InvalidOperationException)
            {
                // Already stopped; the folder goes either way.
            }
        }

        _folder?.Dispose();
        _gate.Dispose();
    }
}
