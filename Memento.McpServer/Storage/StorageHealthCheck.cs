using System.Text;
using Memento.McpServer.Search;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Memento.McpServer.Storage;

/// <summary>
/// Readiness of this replica's storage: the storage root exists, can be listed and written (a probe file is
/// written, flushed and deleted), the search index folder (when on disk) can be written, and the search
/// engine (SQLite FTS5) answers a query. A replica whose share is gone or read-only reports Unhealthy with
/// the reason, so the load balancer stops sending it requests it would fail.
/// </summary>
internal sealed class StorageHealthCheck(IOptions<StorageOptions> storage, IOptions<SearchOptions> search) : IHealthCheck
{
    public const string Name = "storage";

    private readonly string _root = storage.Value.ResolveRoot();
    private readonly string? _indexDirectory = string.IsNullOrWhiteSpace(search.Value.IndexPath) ? null : Path.GetFullPath(search.Value.IndexPath);
    private readonly string _probeName = $".health-{Environment.ProcessId}-{Guid.NewGuid():N}.probe";
    private bool _engineAnswered;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["root"] = _root, ["index"] = _indexDirectory ?? "memory" };

        // File calls on a hung network share do not observe cancellation; run them aside so the probe still answers.
        var problem = await Task.Run(Check, cancellationToken).WaitAsync(cancellationToken);
        return problem is null
            ? HealthCheckResult.Healthy($"storage root {_root} is readable and writable; the search index answers", data)
            : new HealthCheckResult(context.Registration.FailureStatus, problem, data: data);
    }

    private string? Check()
    {
        if (!Directory.Exists(_root))
        {
            return $"the storage root {_root} does not exist (a deleted folder or an unmounted share)";
        }

        try
        {
            using var entries = Directory.EnumerateFileSystemEntries(_root).GetEnumerator();
            entries.MoveNext();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the storage root {_root} cannot be read: {e.Message}";
        }

        if (WriteProbe(_root) is { } rootProblem)
        {
            return $"the storage root {_root} is not writable: {rootProblem}";
        }

        if (_indexDirectory is not null)
        {
            try
            {
                Directory.CreateDirectory(_indexDirectory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"the search index folder {_indexDirectory} cannot be created: {e.Message}";
            }

            if (WriteProbe(_indexDirectory) is { } indexProblem)
            {
                return $"the search index folder {_indexDirectory} is not writable: {indexProblem}";
            }
        }

        return _engineAnswered || (_engineAnswered = SearchEngineAnswers()) ? null : "the search engine (SQLite FTS5) did not find a row it had just indexed";
    }

    private string? WriteProbe(string folder)
    {
        var path = Path.Combine(folder, _probeName);
        try
        {
            using (var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 4096, FileOptions.WriteThrough))
            {
                file.Write(Encoding.ASCII.GetBytes("ready"));
                file.Flush(flushToDisk: true);
            }

            File.Delete(path);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }
    }

    private static bool SearchEngineAnswers()
    {
        try
        {
            using var connection = new SqliteConnection("Data Source=:memory:");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE VIRTUAL TABLE probe USING fts5(content);
                INSERT INTO probe(content) VALUES ('replica ready');
                SELECT count(*) FROM probe WHERE probe MATCH 'ready';
                """;
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
        }
        catch (SqliteException)
        {
            return false;
        }
    }
}
