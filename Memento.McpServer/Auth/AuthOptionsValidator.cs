using Microsoft.Extensions.Options;

namespace Memento.McpServer.Auth;

/// <summary>Checks the rules that span several <see cref="AuthOptions"/> fields; failures name the full configuration key.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        const string prefix = AuthOptions.SectionName;

        if (options.Mode == AuthMode.ApiKey)
        {
            if (options.ApiKeys.Count == 0)
            {
                failures.Add($"{prefix}:ApiKeys must hold at least one key when {prefix}:Mode is ApiKey.");
            }

            for (var i = 0; i < options.ApiKeys.Count; i++)
            {
                var key = options.ApiKeys[i];
                if (!ApiKeyHasher.IsHash(key.Hash))
                {
                    failures.Add($"{prefix}:ApiKeys:{i}:Hash must be 64 hex characters (the SHA-256 of the key; see 'hash-key').");
                }

                if (!UserIds.IsValid(key.User))
                {
                    failures.Add($"{prefix}:ApiKeys:{i}:User must be a valid user id: {UserIdRule.Description}.");
                }
            }
        }

        if (options.Mode == AuthMode.Jwt)
        {
            if (!Uri.TryCreate(options.Jwt.Authority, UriKind.Absolute, out var authority))
            {
                failures.Add($"{prefix}:Jwt:Authority must be an absolute URL when {prefix}:Mode is Jwt.");
            }
            else if (options.Jwt.RequireHttpsMetadata && authority.Scheme != Uri.UriSchemeHttps)
            {
                failures.Add($"{prefix}:Jwt:Authority must use https (or set {prefix}:Jwt:RequireHttpsMetadata=false for a local issuer).");
            }

            if (string.IsNullOrWhiteSpace(options.Jwt.Audience))
            {
                failures.Add($"{prefix}:Jwt:Audience is required when {prefix}:Mode is Jwt.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
