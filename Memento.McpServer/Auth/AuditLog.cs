using System.Diagnostics;

namespace Memento.McpServer.Auth;

/// <summary>
/// One audit event per mutation — who, what, which id, outcome — as a structured log entry
/// (category <c>Memento.Audit</c>) and as an event on the current <c>Memento.Server</c> activity.
/// </summary>
public sealed partial class AuditLog(ILoggerFactory loggerFactory)
{
    /// <summary>The activity source of the server's own spans.</summary>
    public static readonly ActivitySource Source = new("Memento.Server");

    /// <summary>The name of the activity event an audit record adds.</summary>
    public const string EventName = "memento.audit";

    private readonly ILogger _logger = loggerFactory.CreateLogger("Memento.Audit");

    /// <summary>Starts the span for one MCP operation (null when nobody listens).</summary>
    public static Activity? StartOperation(string operation, string user)
    {
        var activity = Source.StartActivity("memento " + operation);
        activity?.SetTag("memento.operation", operation);
        activity?.SetTag("memento.user", user);
        return activity;
    }

    /// <summary>Records one mutation and its outcome (<c>succeeded</c>, <c>not_found</c>, <c>refused</c>, <c>unavailable</c>, <c>failed</c>).</summary>
    public void Record(string action, string user, string? memoryId, string outcome)
    {
        LogAudit(action, user, memoryId ?? "-", outcome);
        var activity = Activity.Current;
        activity?.AddEvent(new ActivityEvent(EventName, tags: new ActivityTagsCollection
        {
            ["memento.action"] = action,
            ["memento.user"] = user,
            ["memento.memory_id"] = memoryId,
            ["memento.outcome"] = outcome,
        }));
        if (outcome != "succeeded")
        {
            activity?.SetStatus(ActivityStatusCode.Error, outcome);
        }
    }

    [LoggerMessage(EventId = 7000, Level = LogLevel.Information,
        Message = "Audit {Action} by {User} on {MemoryId}: {Outcome}")]
    private partial void LogAudit(string action, string user, string memoryId, string outcome);
}
