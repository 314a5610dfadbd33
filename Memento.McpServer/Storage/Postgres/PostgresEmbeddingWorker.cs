using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Memento.McpServer.Storage.Postgres;

/// <summary>
/// Gives the PostgreSQL provider's memories their vectors in the background, so a store is acknowledged
/// without waiting for the model. A memory is due while its row has no vector of the current model
/// (<c>embedding_model</c> null after a store or an edit, or another model's id after a model change).
/// Woken by this replica's writes and polled every <see cref="PollInterval"/> (other replicas' rows
/// when theirs stopped, imports, a model change). One replica fills at a time: a batch is embedded under
/// a transaction-scoped advisory lock, so no replica computes what another is computing, and rows are
/// never locked while the model runs (an edit meanwhile changes the content hash, and that row's stale
/// vector is not written).
/// </summary>
internal sealed partial class PostgresEmbeddingWorker(
    NpgsqlDataSource dataSource,
    Func<CancellationToken, Task> ensureSchema,
    Func<PostgresSchema.VectorKind> vectorKind,
    IEmbeddingGenerator<string, Embedding<float>> generator,
    string modelId,
    int commandTimeout,
    TimeProvider time,
    ILogger logger) : IDisposable
{
    private const int BatchSize = 16;

    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private long _computed;
    private int _disposed;
    // Set by a batch that found another replica filling (read by the loop, one thread).
    private bool _filledByOther;
    // Embedding calls that failed in a row with no row of theirs embedded: the model is failing, not a row.
    private int _failedInARow;
    private DateTimeOffset _resumeAt;
    // Rows the model refused while others of their batch embedded ("user/id/hash"): left out until their time comes.
    private readonly Dictionary<string, (int Attempts, DateTimeOffset Next)> _refused = new(StringComparer.Ordinal);

    /// <summary>Starts the background loop (once).</summary>
    public PostgresEmbeddingWorker Start()
    {
        _loop = Task.Run(RunAsync);
        return this;
    }

    /// <summary>How often the worker looks for due rows it was not told about (default 10 s).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long after a failed embedding call, or while another replica holds the batch, the worker tries again.
    /// Each further failure in a row doubles the wait, up to <see cref="MaxRetryAfter"/>.
    /// </summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between attempts, for the model as for a row it keeps refusing.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Rows left out for now because the model refused them while it embedded the rest of their batch.</summary>
    public int Refused => _refused.Count;

    /// <summary>Vectors this process computed.</summary>
    public long Computed => Interlocked.Read(ref _computed);

    /// <summary>A memory was written here: look for due rows now.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Woken already.
            }
        }
    }

    /// <summary>The rows of live memories with no vector of the current model (benchmarks and tests wait for 0).</summary>
    public async Task<long> CountDueAsync(CancellationToken cancellationToken)
    {
        await ensureSchema(cancellationToken);
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM memento_memories WHERE deleted_at IS NULL AND {Due("$1")}");
        command.CommandTimeout = commandTimeout;
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = modelId });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Completes when every live memory has a vector of the current model.</summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        while (await CountDueAsync(cancellationToken) > 0)
        {
            Wake();
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stopping.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Stopping: a batch in flight is abandoned; its rows stay due for the next replica or start.
        }

        _stopping.Dispose();
    }

    // Written with ranges rather than IS DISTINCT FROM so the partial index on embedding_model serves it.
    private static string Due(string model) => $"(embedding_model IS NULL OR embedding_model < {model} OR embedding_model > {model})";

    private async Task RunAsync()
    {
        var cancellationToken = _stopping.Token;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var wait = PollInterval;
                if (_resumeAt > time.GetUtcNow())
                {
                    // The model is failing: wait out the back-off even if writes wake the loop meanwhile.
                    await Task.Delay(_resumeAt - time.GetUtcNow(), time, cancellationToken);
                }

                try
                {
                    await ensureSchema(cancellationToken);
                    while (await FillBatchAsync(cancellationToken) > 0)
                    {
                        // Until no row is due.
                    }

                    if (_filledByOther)
                    {
                        wait = RetryAfter;
                    }
                }
                catch (Exception e) when ((e is NpgsqlException or StorageUnavailableException or InvalidOperationException) && !cancellationToken.IsCancellationRequested)
                {
                    LogFillFailed(RetryAfter.TotalSeconds, e.Message);
                    wait = RetryAfter;
                }

                await _wake.WaitAsync(wait, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Embeds one batch of due rows; returns how many were due in it (0: none, or another replica is filling).</summary>
    private async Task<int> FillBatchAsync(CancellationToken cancellationToken)
    {
        _filledByOther = false;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var gate = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock(hashtextextended('memento-embeddings:' || current_schema(), 0))", connection, transaction))
        {
            gate.CommandTimeout = commandTimeout;
            if (!(bool)(await gate.ExecuteScalarAsync(cancellationToken))!)
            {
                // Another replica is filling; its loop takes this replica's rows too. Look again shortly.
                _filledByOther = true;
                return 0;
            }
        }

        // A refused row whose time has come is due again, with its count of attempts kept.
        var now = time.GetUtcNow();
        if (_refused.Count > 10_000)
        {
            // Rows edited or deleted since they were refused are never seen again: forget the ones not waiting.
            foreach (var key in _refused.Where(r => r.Value.Next <= now).Select(r => r.Key).ToList())
            {
                _refused.Remove(key);
            }
        }

        var waiting = _refused.Where(r => r.Value.Next > now).Select(r => r.Key).ToArray();
        var due = new List<DueRow>(BatchSize);
        await using (var select = new NpgsqlCommand($"""
            SELECT user_id, id, content_hash, title, content FROM memento_memories
            WHERE deleted_at IS NULL AND {Due("$1")} AND user_id || '/' || id || '/' || content_hash <> ALL($2)
            LIMIT {BatchSize}
            """, connection, transaction))
        {
            select.CommandTimeout = commandTimeout;
            select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = modelId });
            select.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = waiting });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add(new DueRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), Search.MemoryEmbeddings.TextOf(reader.GetString(3), reader.GetString(4))));
            }
        }

        if (due.Count == 0)
        {
            return 0;
        }

        float[]?[] made;
        try
        {
            made = await Search.MemoryEmbeddings.EmbedMemoriesAsync(generator, due.Select(d => d.Text).ToList(), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            made = new float[]?[due.Count];
            // One row the model refuses must not hold back the rest: try them one by one. A batch of one
            // cannot tell the two apart; it is taken for that row's fault, so it does not stall the others.
            var refused = new List<(int Row, string Reason)>();
            if (due.Count == 1)
            {
                refused.Add((0, e.Message));
            }
            else
            {
                for (var i = 0; i < due.Count; i++)
                {
                    try
                    {
                        made[i] = (await Search.MemoryEmbeddings.EmbedMemoriesAsync(generator, [due[i].Text], cancellationToken))[0];
                    }
                    catch (Exception one) when (one is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        refused.Add((i, one.Message));
                    }
                }
            }

            if (due.Count > 1 && made.All(m => m is null))
            {
                // Nothing embeds: the model is failing, not these rows. Back off, doubling each time.
                var delay = Backoff.After(++_failedInARow, RetryAfter, MaxRetryAfter);
                _resumeAt = time.GetUtcNow() + delay;
                LogEmbeddingFailed(due.Count, delay.TotalSeconds, e.Message);
                await transaction.RollbackAsync(CancellationToken.None);
                return 0;
            }

            foreach (var (row, reason) in refused)
            {
                var attempts = (_refused.TryGetValue(due[row].Key, out var earlier) ? earlier.Attempts : 0) + 1;
                var delay = Backoff.After(attempts, RetryAfter, MaxRetryAfter);
                _refused[due[row].Key] = (attempts, time.GetUtcNow() + delay);
                LogRowRefused(due[row].User, due[row].Id, attempts, delay.TotalSeconds, reason);
            }
        }

        _failedInARow = 0;

        var vector = vectorKind() == PostgresSchema.VectorKind.PgVector ? "$3::real[]::vector" : "$3";
        await using var batch = new NpgsqlBatch(connection, transaction) { Timeout = commandTimeout };
        for (var i = 0; i < due.Count; i++)
        {
            if (made[i] is null)
            {
                continue;
            }

            _refused.Remove(due[i].Key);
            // Only the content it was made from: an edit meanwhile left the row due again.
            var update = new NpgsqlBatchCommand($"UPDATE memento_memories SET embedding = {vector}, embedding_model = $4 WHERE user_id = $1 AND id = $2 AND content_hash = $5 AND deleted_at IS NULL");
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = due[i].User });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = due[i].Id });
            update.Parameters.Add(new NpgsqlParameter { Value = made[i], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Real });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = modelId });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = due[i].Hash });
            batch.BatchCommands.Add(update);
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        Interlocked.Add(ref _computed, batch.BatchCommands.Count);
        return due.Count;
    }

    /// <summary>A row without a vector of the current model; <see cref="Key"/> names its content in <c>_refused</c>.</summary>
    private readonly record struct DueRow(string User, string Id, string Hash, string Text)
    {
        public string Key => $"{User}/{Id}/{Hash}";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not embed {Count} memories (trying again in {Seconds} s): {Reason}")]
    private partial void LogEmbeddingFailed(int count, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not embed memory {Id} of user {User} (attempt {Attempts}; trying again in {Seconds} s; the rest of its batch was embedded): {Reason}")]
    private partial void LogRowRefused(string user, string id, int attempts, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Filling memory vectors failed (trying again in {Seconds} s): {Reason}")]
    private partial void LogFillFailed(double seconds, string reason);
}
