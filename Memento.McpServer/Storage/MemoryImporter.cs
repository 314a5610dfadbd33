using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Memento.McpServer.Storage;

/// <summary>What an import did: memories created, exact duplicates already present, and files it could not take (with why).</summary>
public sealed record ImportReport(int Imported, int Duplicates, IReadOnlyList<string> Skipped);

/// <summary>How far a long run is: items done of the total, and since when.</summary>
public sealed record RunProgress(int Done, int Total, TimeSpan Elapsed)
{
    /// <summary>"1,200 of 10,000 (12%), 850/s, about 10 s left".</summary>
    public override string ToString()
    {
        var rate = Elapsed.TotalSeconds > 0 ? Done / Elapsed.TotalSeconds : 0;
        var left = rate > 0 ? TimeSpan.FromSeconds((Total - Done) / rate) : (TimeSpan?)null;
        var percent = Total > 0 ? 100.0 * Done / Total : 100;
        return string.Create(CultureInfo.InvariantCulture, $"{Done:N0} of {Total:N0} ({percent:F0}%), {rate:N0}/s, {(left is { } l ? $"about {Describe(l)} left" : "time left unknown")}");
    }

    private static string Describe(TimeSpan span) =>
        span.TotalHours >= 1 ? FormattableString.Invariant($"{(int)span.TotalHours} h {span.Minutes} min")
        : span.TotalMinutes >= 1 ? FormattableString.Invariant($"{(int)span.TotalMinutes} min {span.Seconds} s")
        : FormattableString.Invariant($"{Math.Ceiling(span.TotalSeconds):F0} s");
}

/// <summary>Imports memories into any provider, reporting progress, and what it skipped and why.</summary>
public sealed partial class MemoryImporter(IMemoryCorpus corpus, ILogger logger, TimeProvider? time = null)
{
    private readonly ILogger _logger = logger;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<ImportReport> ImportAsync(IReadOnlyList<ImportItem> items, IReadOnlyList<string> skippedBefore, IProgress<RunProgress>? progress, CancellationToken cancellationToken)
    {
        var imported = 0;
        var duplicates = 0;
        var skipped = new List<string>(skippedBefore);
        var started = _time.GetTimestamp();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            try
            {
                var memory = await item.ReadAsync(cancellationToken);
                var result = await corpus.ImportAsync(item.User, memory, cancellationToken);
                if (result.Created)
                {
                    imported++;
                }
                else
                {
                    duplicates++;
                }
            }
            catch (Exception e) when (e is MemoryValidationException or JsonException or FormatException or IOException or UnauthorizedAccessException)
            {
                skipped.Add($"{item.Origin}: {e.Message}");
                LogSkipped(item.Origin, e.Message);
            }

            progress?.Report(new RunProgress(i + 1, items.Count, _time.GetElapsedTime(started)));
        }

        LogImported(imported, duplicates, skipped.Count);
        return new ImportReport(imported, duplicates, skipped);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import skipped {File}: {Reason}")]
    private partial void LogSkipped(string file, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported {Imported} new memories, {Duplicates} already present, {Skipped} skipped")]
    private partial void LogImported(int imported, int duplicates, int skipped);
}
