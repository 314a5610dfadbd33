using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Memento.McpServer.Embeddings;

/// <summary>A moment of the worker's work: when, and how many vectors it had read back and computed by then.</summary>
public readonly record struct VectorProgress(long Started, long Loaded, long Computed);

/// <summary>
/// Gives memories their vectors in the background, one job at a time on one thread, so neither a store
/// nor a search waits for the model. A job first looks for the vector in the <see cref="IVectorStore"/>
/// (where the replica that stored the memory, or an earlier run, put it); only when none is there does
/// it embed, store the vector for everyone, and add it to the user's <see cref="VectorSet"/>.
/// A memory another replica wrote a moment ago is given that replica's vector: the job waits
/// <see cref="PeerGrace"/> for it before computing one itself (the writer may have crashed, or the file
/// was edited by hand).
/// </summary>
internal sealed partial class EmbeddingWorker : IDisposable
{
    private const int BatchSize = 256;

    /// <summary>A backlog at least this large has its progress logged.</summary>
    private const int ReportedBacklog = 1000;

    private readonly IEmbeddingGenerator<string, Embedding<float>> _generator;
    private readonly IVectorStore _store;
    private readonly string _modelId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Job> _jobs = Channel.CreateUnbounded<Job>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private long _pending;
    private long _computed;
    private long _loaded;
    private int _disposed;
    private long _enqueued;
    // Jobs finished (a vector set, found, or not needed); a job deferred to wait for another replica is not.
    private long _settled;
    private long _lastProgress;
    private readonly ConcurrentQueue<Milestone> _milestones = new();

    public EmbeddingWorker(IEmbeddingGenerator<string, Embedding<float>> generator, IVectorStore store, string modelId, TimeProvider time, ILogger logger)
    {
        _generator = generator;
        _store = store;
        _modelId = modelId;
        _time = time;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>How long a memory written by another replica waits for that replica's vector.</summary>
    public TimeSpan PeerGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often progress on a backlog of at least 1,000 memories is logged.</summary>
    public TimeSpan ProgressEvery { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long after a failed embedding call the memory is tried again.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Jobs not finished yet.</summary>
    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>Vectors this process computed (not found in the vector store).</summary>
    public long Computed => Interlocked.Read(ref _computed);

    /// <summary>Vectors this process found in the vector store.</summary>
    public long Loaded => Interlocked.Read(ref _loaded);

    /// <summary>
    /// Asks for the vector of a memory's current content. <paramref name="writtenHere"/>: this replica wrote
    /// it, so no other replica is computing it; else <paramref name="writtenAt"/> (the file's time) tells
    /// how long to wait for the replica that did.
    /// </summary>
    public void Enqueue(VectorSet target, string user, string id, string contentHash, string text, bool writtenHere, DateTimeOffset writtenAt) =>
        Enqueue(new Job(target, user, id, contentHash, text, null, writtenHere, writtenAt));

    /// <summary>
    /// Asks for the vector of a memory written elsewhere or earlier, whose text <paramref name="readText"/>
    /// gives only when the vector has to be made (null: the memory is gone or changed, nothing to make).
    /// </summary>
    public void Enqueue(VectorSet target, string user, string id, string contentHash, Func<string?> readText, DateTimeOffset writtenAt) =>
        Enqueue(new Job(target, user, id, contentHash, null, readText, WrittenHere: false, writtenAt));

    private void Enqueue(Job job)
    {
        if (job.Target.Has(job.Id, job.Hash))
        {
            return;
        }

        Interlocked.Increment(ref _pending);
        Interlocked.Increment(ref _enqueued);
        if (!_jobs.Writer.TryWrite(job))
        {
            Interlocked.Decrement(ref _pending);
            Interlocked.Decrement(ref _enqueued);
        }
    }

    /// <summary>Where the worker stands now, for <see cref="ReportWhenReady"/> later.</summary>
    public VectorProgress Progress() => new(_time.GetTimestamp(), Loaded, Computed);

    /// <summary>
    /// Logs, once every job asked for so far has been through the worker, that the <paramref name="count"/>
    /// memories a scan of <paramref name="user"/> found are ranked by meaning, and how long that took: a
    /// user of many memories opened, or many files imported, is findable by meaning from then on.
    /// </summary>
    public void ReportWhenReady(string user, int count, VectorProgress since)
    {
        _milestones.Enqueue(new Milestone(user, count, Interlocked.Read(ref _enqueued), since));
        if (Pending == 0)
        {
            // Nothing is queued or running, so no batch will come to report it: every vector is there.
            ReportMilestones(long.MaxValue);
        }
    }

    /// <summary>Completes when no job is waiting or running (benchmarks and tests wait for the vectors this way).</summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        while (Pending > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), _time, cancellationToken);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _jobs.Writer.TryComplete();
        _stopping.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Stopping: whatever was running is abandoned; the next start finds the memories without vectors.
        }

        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var cancellationToken = _stopping.Token;
        var batch = new List<Job>(BatchSize);
        try
        {
            while (await _jobs.Reader.WaitToReadAsync(cancellationToken))
            {
                batch.Clear();
                while (batch.Count < BatchSize && _jobs.Reader.TryRead(out var job))
                {
                    batch.Add(job);
                }

                // Looking vectors up is file reads (on a network share, mostly latency): several at once.
                var found = new float[]?[batch.Count];
                await Parallel.ForAsync(0, batch.Count, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, token) =>
                {
                    found[i] = batch[i].Target.Has(batch[i].Id, batch[i].Hash) || Abandoned(batch[i]) ? null : await TryGetAsync(batch[i], token);
                });

                for (var i = 0; i < batch.Count; i++)
                {
                    await ProcessAsync(batch[i], found[i], cancellationToken);
                }

                ReportProgress();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ProcessAsync(Job job, float[]? stored, CancellationToken cancellationToken)
    {
        try
        {
            if (job.Target.Has(job.Id, job.Hash) || Abandoned(job))
            {
                return;
            }

            if (job.Target.Closed && stored is not null)
            {
                // The user was closed; the vector is persisted and is read back when the user is opened again.
                return;
            }

            if (stored is not null && (stored.Length == job.Target.Dimensions || job.Target.Dimensions == 0))
            {
                job.Target.Set(job.Id, stored, job.Hash);
                Interlocked.Increment(ref _loaded);
                return;
            }

            if (!job.WrittenHere && _time.GetUtcNow() - job.WrittenAt < PeerGrace)
            {
                // The replica that wrote it is likely embedding it now; ask the store again in a moment.
                Defer(job, TimeSpan.FromSeconds(1));
                return;
            }

            var text = job.Text ?? job.ReadText?.Invoke();
            if (text is null)
            {
                return;
            }

            float[] vector;
            try
            {
                vector = (await Search.MemoryEmbeddings.EmbedMemoriesAsync(_generator, [text], cancellationToken))[0];
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogEmbeddingFailed(job.User, job.Id, RetryAfter.TotalSeconds, e.Message);
                Defer(job, RetryAfter);
                return;
            }

            // The model does not stop when asked (an ONNX run finishes): a vector it returns after the
            // worker was stopped is dropped, so nothing is written into a root being shut down or removed.
            cancellationToken.ThrowIfCancellationRequested();
            if (job.Target.Dimensions != 0 && vector.Length != job.Target.Dimensions)
            {
                LogWrongDimensions(_modelId, vector.Length, job.Target.Dimensions);
                return;
            }

            Interlocked.Increment(ref _computed);
            job.Target.Set(job.Id, vector, job.Hash);
            try
            {
                await _store.PutAsync(job.User, job.Hash, _modelId, vector, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or StorageUnavailableException)
            {
                // This replica has the vector; the others compute their own when they find none.
                LogPersistFailed(job.User, job.Id, e.Message);
            }
        }
        finally
        {
            if (!job.Deferred)
            {
                Interlocked.Increment(ref _settled);
                Interlocked.Decrement(ref _pending);
            }

            job.Deferred = false;
        }
    }

    private void ReportProgress()
    {
        var now = _time.GetTimestamp();
        // A scan's memories are ranked by meaning once as many jobs as were asked for by its end have
        // finished; jobs waiting for the replica that wrote their memories have not.
        ReportMilestones(Interlocked.Read(ref _settled));
        var pending = Pending;
        if (pending < ReportedBacklog)
        {
            _lastProgress = 0;
            return;
        }

        if (_lastProgress == 0)
        {
            // A backlog begins: its progress is logged from the next interval on.
            _lastProgress = now;
            return;
        }

        if (_time.GetElapsedTime(_lastProgress, now) >= ProgressEvery)
        {
            _lastProgress = now;
            LogProgress(pending, Loaded, Computed);
        }
    }

    private void ReportMilestones(long settled)
    {
        while (_milestones.TryPeek(out var next) && next.Sequence <= settled && _milestones.TryDequeue(out var milestone))
        {
            var since = milestone.Since;
            LogReady(milestone.User, milestone.Count, _time.GetElapsedTime(since.Started).TotalSeconds, Loaded - since.Loaded, Computed - since.Computed);
        }
    }

    // A closed user's vectors are looked up again when it is opened again; only a memory stored here still
    // gets its vector made and persisted (no other replica makes it).
    private static bool Abandoned(Job job) => job.Target.Closed && !job.WrittenHere;

    private void Defer(Job job, TimeSpan delay)
    {
        job.Deferred = true;
        _ = Task.Delay(delay, _time, _stopping.Token).ContinueWith(
            t =>
            {
                if (t.IsCanceled || !_jobs.Writer.TryWrite(job))
                {
                    Interlocked.Decrement(ref _pending);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task<float[]?> TryGetAsync(Job job, CancellationToken cancellationToken)
    {
        try
        {
            return await _store.GetAsync(job.User, job.Hash, _modelId, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or StorageUnavailableException)
        {
            LogLookupFailed(job.User, job.Id, e.Message);
            return null;
        }
    }

    private sealed record Milestone(string User, int Count, long Sequence, VectorProgress Since);

    private sealed record Job(VectorSet Target, string User, string Id, string Hash, string? Text, Func<string?>? ReadText, bool WrittenHere, DateTimeOffset WrittenAt)
    {
        public bool Deferred { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Vectors: {Pending} memories waiting to be looked up or embedded ({Read} read back and {Computed} computed since the start)")]
    private partial void LogProgress(long pending, long read, long computed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Vectors of user {User}: the {Count} memories found by the scan are ranked by meaning, {Seconds:0.0} s after the scan began ({Read} vectors read back and {Computed} computed meanwhile)")]
    private partial void LogReady(string user, int count, double seconds, long read, long computed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not embed memory {Id} of user {User} (trying again in {Seconds} s): {Reason}")]
    private partial void LogEmbeddingFailed(string user, string id, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not keep the vector of memory {Id} of user {User} for the other replicas: {Reason}")]
    private partial void LogPersistFailed(string user, string id, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the stored vector of memory {Id} of user {User}: {Reason}")]
    private partial void LogLookupFailed(string user, string id, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The embedding model {Model} returned {Actual} dimensions where {Expected} were expected; its vectors are not used")]
    private partial void LogWrongDimensions(string model, int actual, int expected);
}
