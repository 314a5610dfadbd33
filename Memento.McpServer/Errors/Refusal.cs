using ModelContextProtocol;

namespace Memento.McpServer.Errors;

/// <summary>
/// Why a request was refused. Callers match on this, never on message text: the tool filter turns every
/// refusal into a tool error (logged without a stack trace, since it is the caller's mistake or a passing
/// condition, not a server fault), and the audit log records <see cref="RefusalException.AuditOutcome"/>.
/// </summary>
public enum RefusalCode
{
    /// <summary>An argument breaks a rule (type, format, limit); the message says what to send instead.</summary>
    InvalidArgument,

    /// <summary>The caller has no such memory (another user's id is "not found" too).</summary>
    NotFound,

    /// <summary>The caller is known but may not do this (another user, a missing role).</summary>
    Forbidden,

    /// <summary>The request carries no identity where one is required.</summary>
    NotAuthenticated,

    /// <summary>The storage cannot take writes right now; trying again later may work.</summary>
    Unavailable,
}

/// <summary>A refusal with a plain message a model or person can act on; see <see cref="RefusalCode"/>.</summary>
public sealed class RefusalException(RefusalCode code, string message, Exception? inner = null) : McpException(message, inner)
{
    public RefusalCode Code { get; } = code;

    /// <summary>The outcome an audit record gives this refusal.</summary>
    public string AuditOutcome => Code switch
    {
        RefusalCode.NotFound => "not_found",
        RefusalCode.Unavailable => "unavailable",
        _ => "refused",
    };

    public static RefusalException Invalid(string message) => new(RefusalCode.InvalidArgument, message);
}
