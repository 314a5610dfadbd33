using System.Text.RegularExpressions;

namespace Memento;

/// <summary>
/// The one rule for Memento user ids (DESIGN.md section 3), for the server, where an id names a folder, and for
/// the chat client, which sends one: the pattern matched to the very end, no <c>..</c>, no final <c>.</c> and no
/// device name (<c>con</c>, <c>com1</c>, …).
/// </summary>
public static partial class UserIdRule
{
    /// <summary>The pattern every user id matches, anchored with <c>\A</c>/<c>\z</c> (a <c>$</c> would let a trailing newline through).</summary>
    public const string Pattern = @"\A[a-z0-9][a-z0-9._-]{0,63}\z";

    /// <summary>The rule in words, for messages: "use …".</summary>
    public const string Description =
        "1 to 64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit, without '..', not ending with '.' and not a device name such as 'con'";

    private static readonly HashSet<string> DeviceNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "con", "prn", "aux", "nul", "clock$",
        "com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
        "lpt0", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    };

    /// <summary>True when <paramref name="user"/> is a valid user id.</summary>
    public static bool IsValid(string? user) =>
        user is not null
        && UserPattern().IsMatch(user)
        && !user.Contains("..", StringComparison.Ordinal)
        && !user.EndsWith('.')
        && !DeviceNames.Contains(user.Split('.')[0]);

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex UserPattern();
}

/// <summary>Validates a user-id option by <see cref="UserIdRule"/> (with <c>ValidateDataAnnotations</c>).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter)]
public sealed class UserIdAttribute : System.ComponentModel.DataAnnotations.ValidationAttribute
{
    public override bool IsValid(object? value) => value is null || (value is string user && UserIdRule.IsValid(user));
}
