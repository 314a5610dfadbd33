using System.ComponentModel.DataAnnotations;

namespace Memento.McpServer.Auth;

/// <summary>Hardening of the HTTP endpoints, bound from <c>Memento:Http</c> and validated at start-up.</summary>
public sealed record HttpOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Memento:Http";

    /// <summary>
    /// Host names (without port) the MCP endpoints answer to, against DNS rebinding; <c>*</c> allows any.
    /// Empty (default): loopback names only in <c>None</c> mode without <c>AllowAnonymousNetwork</c>, any host otherwise.
    /// </summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>
    /// Browser origins (e.g. <c>https://chat.example.com</c>) allowed to call the MCP endpoints. Loopback origins are
    /// always allowed; a request with any other <c>Origin</c> is refused. Requests without <c>Origin</c> (non-browser clients) pass.
    /// </summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>Largest MCP request body in bytes (default 4 MiB); larger bodies get 413.</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Longest a single tool call, resource read or prompt may run before it is cancelled (default 30 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Also serve the legacy HTTP+SSE transport at <c>/sse</c> and <c>/message</c> (default false). It needs
    /// in-memory sessions, so it makes the server stateful: behind a load balancer, use session (ClientIP) affinity.
    /// </summary>
    public bool EnableLegacySse { get; init; }

    /// <summary>
    /// MCP requests per <see cref="RateLimitWindow"/> for each signed-in user, and for each client address where the
    /// caller is anonymous (default 600): an anonymous caller cannot escape it by naming another user in
    /// <c>X-Memento-User</c>. Anonymous callers on loopback get <see cref="LoopbackRateLimitPermits"/> instead.
    /// </summary>
    [Range(1, 10_000_000)]
    public int RateLimitPermits { get; init; } = 600;

    /// <summary>
    /// MCP requests per <see cref="RateLimitWindow"/> for anonymous callers on this machine (loopback), together
    /// (default 60,000, a thousand a second: a local bulk import of thousands of memories is not throttled).
    /// Behind a proxy on the same host every caller is loopback: use authentication there, or lower this.
    /// </summary>
    [Range(1, 10_000_000)]
    public int LoopbackRateLimitPermits { get; init; } = 60_000;

    /// <summary>The rate-limit window (default 1 minute).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RateLimitWindow { get; init; } = TimeSpan.FromMinutes(1);
}
