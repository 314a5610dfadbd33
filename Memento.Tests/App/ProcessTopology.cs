using Memento.Tests.App.Proxy;
using Memento.Tests.App.Scenarios;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.App;

/// <summary>
/// The AppHost's topology as real processes on loopback: two <c>Memento.McpServer</c> replicas from
/// their build output sharing one storage folder, a YARP proxy in front of them (round robin, like a
/// Kubernetes Service without affinity, plus a ClientIP-affinity route), and optionally the chat client
/// wired to the proxy with the same environment contract the AppHost uses (DESIGN.md section 9).
/// Started once per test class; dispose kills every process. With a <see cref="PostgresServer"/> the
/// replicas use the PostgreSQL provider on one fresh database of that server instead of the folder.
/// </summary>
public abstract class ProcessTopology(bool withChat, bool legacySse, PostgresServer? postgres = null) : IMementoTopology, IAsyncLifetime
{
    /// <summary>The server setting that maps the legacy HTTP+SSE endpoints.</summary>
    public const string LegacySseSetting = "Memento__Http__EnableLegacySse";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _storage = new("memento-app");
    private readonly Dictionary<string, ServiceProcess> _replicas = [];
    private ReplicaProxy? _roundRobin;
    private ReplicaProxy? _affinity;
    private ServiceProcess? _chat;
    private string? _database;
    private int _disposed;

    public string Name => $"processes ({GetType().Name})";

    public Uri ServerAddress => _roundRobin?.BaseAddress ?? throw NotStarted();

    public Uri? AffinityServerAddress => _affinity?.BaseAddress;

    public Uri? ChatAddress => _chat?.BaseAddress;

    public bool LegacySseEnabled => legacySse;

    public string StorageRoot => _storage.Path;

    public IReadOnlyList<string> Replicas => [.. _replicas.Keys];

    /// <summary>The chat client process, for its output in failure messages.</summary>
    public ServiceProcess? Chat => _chat;

    public async ValueTask InitializeAsync()
    {
        try
        {
            await StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            // A half-started topology must not leave processes behind.
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync(CancellationToken ct)
    {
        var environment = new Dictionary<string, string?> { ["Memento__Storage__Root"] = _storage.Path };
        if (postgres is not null)
        {
            _database = await postgres.CreateDatabaseAsync(ct);
            environment["Memento__Storage__Provider"] = "Postgres";
            environment["ConnectionStrings__memento-db"] = _database;
        }

        if (legacySse)
        {
            environment[LegacySseSetting] = "true";
        }

        var started = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => ServiceProcess.StartAsync("Memento.McpServer", environment)));
        for (var i = 0; i < started.Length; i++)
        {
            _replicas[$"replica-{i}"] = started[i];
        }

        // Like a readiness gate: the first MCP call on a fresh process pays for JIT and opening its index;
        // pay it here so the scenarios measure a warm service.
        await Task.WhenAll(_replicas.Values.Select(async replica =>
        {
            await using var client = await MementoMcp.ConnectAsync(replica.BaseAddress, "warm-up", ct);
            await MementoMcp.ListPageAsync(client, 1, null, ct);
        }));

        var destinations = _replicas.ToDictionary(r => r.Key, r => r.Value.BaseAddress);
        _roundRobin = await ReplicaProxy.StartAsync(destinations, Balancing.RoundRobin, ct);
        _affinity = await ReplicaProxy.StartAsync(destinations, Balancing.ClientIp, ct);

        if (withChat)
        {
            _chat = await ServiceProcess.StartAsync("Memento.ChatClient", new Dictionary<string, string?>
            {
                ["services__mcpserver__http__0"] = _roundRobin.BaseAddress.ToString().TrimEnd('/'),
                ["Memento__Chat__User"] = "chat-scenario",
                // The offline engine: the product must work without any model service.
                ["Memento__Chat__Provider"] = "offline",
                ["ConnectionStrings__openai"] = null,
                ["AZURE_OPENAI_ENDPOINT"] = null,
                ["AZURE_OPENAI_API_KEY"] = null,
            });
        }
    }

    public async Task<IReadOnlyList<string>> StoredIdsAsync(string user, CancellationToken cancellationToken)
    {
        if (_database is null)
        {
            return MementoMcp.IdsOnDisk(_storage.Path, user);
        }

        await using var connection = new Npgsql.NpgsqlConnection(_database);
        await connection.OpenAsync(cancellationToken);
        await using var command = new Npgsql.NpgsqlCommand("SELECT id FROM memento_memories WHERE user_id = $1 AND deleted_at IS NULL", connection);
        command.Parameters.AddWithValue(user);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public async Task<int> WaitForHealthyReplicasAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var healthy = 0;
        foreach (var (name, replica) in _replicas)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(ProbeTimeout);
            while (!replica.HasExited)
            {
                try
                {
                    if ((await http.GetAsync(new Uri(replica.BaseAddress, "/health"), cts.Token)).IsSuccessStatusCode)
                    {
                        healthy++;
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(100, cts.Token);
            }
        }

        return healthy;
    }

    public async Task KillReplicaAsync(string replica, CancellationToken cancellationToken) =>
        await _replicas[replica].KillAsync().WaitAsync(cancellationToken);

    public async Task WaitUntilOutOfRotationAsync(string replica, CancellationToken cancellationToken)
    {
        var timeout = ReplicaProxy.ProbeInterval * 20;
        await _roundRobin!.WaitUntilOutOfRotationAsync(replica, timeout, cancellationToken);
        await _affinity!.WaitUntilOutOfRotationAsync(replica, timeout, cancellationToken);
    }

    public IReadOnlyDictionary<string, int>? RequestsByReplica(Uri balancerAddress) =>
        balancerAddress == _roundRobin?.BaseAddress ? _roundRobin.RequestsByReplica
        : balancerAddress == _affinity?.BaseAddress ? _affinity.RequestsByReplica
        : null;

    public async ValueTask DisposeAsync()
    {
        // Safe to call twice: a failed start disposes, and the test framework may dispose again.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (_chat is not null)
        {
            await _chat.DisposeAsync();
        }

        foreach (var proxy in new[] { _roundRobin, _affinity })
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }
        }

        foreach (var replica in _replicas.Values)
        {
            await replica.DisposeAsync();
        }

        _storage.Dispose();
        GC.SuppressFinalize(this);
    }

    private static InvalidOperationException NotStarted() => new("The topology has not been started.");
}

/// <summary>Two stateless replicas and the chat client behind the proxy.</summary>
public sealed class AppTopology() : ProcessTopology(withChat: true, legacySse: false);

/// <summary>Two stateless replicas, one of which a test kills.</summary>
public sealed class FailoverTopology() : ProcessTopology(withChat: false, legacySse: false);

/// <summary>Two replicas serving the legacy HTTP+SSE transport.</summary>
public sealed class LegacySseTopology() : ProcessTopology(withChat: false, legacySse: true);

/// <summary>Two stateless replicas on one PostgreSQL database and the chat client behind the proxy.</summary>
public sealed class PostgresAppTopology(PostgresServer postgres) : ProcessTopology(withChat: true, legacySse: false, postgres);

/// <summary>Two stateless replicas on one PostgreSQL database, one of which a test kills.</summary>
public sealed class PostgresFailoverTopology(PostgresServer postgres) : ProcessTopology(withChat: false, legacySse: false, postgres);
