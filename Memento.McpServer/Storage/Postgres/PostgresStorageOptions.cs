using System.ComponentModel.DataAnnotations;

namespace Memento.McpServer.Storage.Postgres;

/// <summary>
/// Settings of the PostgreSQL provider, bound from <c>Memento:Storage:Postgres</c>. The connection string
/// is <c>ConnectionStrings:memento-db</c> (environment: <c>ConnectionStrings__memento-db</c>).
/// </summary>
public sealed record PostgresStorageOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Memento:Storage:Postgres";

    /// <summary>The name of the connection string (and of the Aspire resource) the provider uses.</summary>
    public const string ConnectionName = "memento-db";

    /// <summary>
    /// The PostgreSQL text search configuration used to build and query the full-text vectors
    /// (default <c>english</c>: stemming and English stop words; <c>simple</c> keeps every word as written).
    /// Changing it applies to memories written afterwards; run <c>reindex</c> to rebuild the others.
    /// </summary>
    [RegularExpression("^[a-z_][a-z0-9_]{0,62}$", ErrorMessage = "Memento:Storage:Postgres:TextSearchConfiguration must be the name of a text search configuration, e.g. english or simple.")]
    public string TextSearchConfiguration { get; init; } = "english";

    /// <summary>How long a command may run before it is cancelled (default 30 seconds).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Memento:Storage:Postgres:CommandTimeout must be between {1} and {2}.")]
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
