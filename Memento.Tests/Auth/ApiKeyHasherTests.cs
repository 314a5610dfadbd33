using Memento.McpServer.Auth;
using Microsoft.AspNetCore.Builder;

namespace Memento.Tests.Auth;

public sealed class ApiKeyHasherTests
{
    [Fact]
    public void The_hash_is_the_lowercase_hex_sha256_that_sha256sum_prints()
    {
        // printf %s "abc" | sha256sum
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiKeyHasher.Hash("abc"));
    }

    [Fact]
    public void A_key_matches_only_its_own_hash_in_either_hex_case()
    {
        var hash = ApiKeyHasher.Hash("secret-key");

        Assert.True(ApiKeyHasher.Matches("secret-key", hash));
        Assert.True(ApiKeyHasher.Matches("secret-key", hash.ToUpperInvariant()));
        Assert.False(ApiKeyHasher.Matches("secret-kez", hash));
        Assert.False(ApiKeyHasher.Matches("secret-key", "not-a-hash"));
    }

    [Fact]
    public void The_hash_key_command_creates_a_new_key_and_prints_its_hash()
    {
        using var output = new StringWriter();

        var exitCode = MementoCommandLine.HashKey([], TextReader.Null, output, TextWriter.Null);

        var lines = output.ToString().Split('\n');
        var key = lines.Single(l => l.StartsWith("key:", StringComparison.Ordinal))["key:".Length..].Trim();
        var hash = lines.Single(l => l.StartsWith("hash:", StringComparison.Ordinal))["hash:".Length..].Trim();
        Assert.Equal(0, exitCode);
        Assert.StartsWith("mk_", key);
        Assert.True(key.Length > 40);
        Assert.Equal(ApiKeyHasher.Hash(key), hash);
    }

    [Fact]
    public void The_hash_key_command_hashes_a_key_read_from_standard_input()
    {
        using var output = new StringWriter();

        var exitCode = MementoCommandLine.HashKey(["--stdin"], new StringReader("abc\n"), output, TextWriter.Null);

        Assert.Equal(0, exitCode);
        Assert.Contains("hash: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("abc\n", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_hash_key_command_refuses_a_key_on_the_command_line_so_it_stays_out_of_shell_history()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = MementoCommandLine.HashKey(["mk_secret"], TextReader.Null, output, error);

        Assert.Equal(2, exitCode);
        Assert.Empty(output.ToString());
        Assert.Contains("--stdin", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("mk_secret", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00000000-1111-2222-3333-444444444444", "00000000-1111-2222-3333-444444444444")]
    [InlineData("ABCDEF01-1111-2222-3333-444444444444", "abcdef01-1111-2222-3333-444444444444")]
    public void An_oid_that_is_a_valid_user_id_is_kept(string subject, string expected)
    {
        Assert.Equal(expected, UserIds.FromSubject(subject));
    }

    [Theory]
    [InlineData("auth0|12345")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    public void Any_other_subject_becomes_a_stable_hashed_user_id(string subject)
    {
        var user = UserIds.FromSubject(subject);

        Assert.True(UserIds.IsValid(user));
        Assert.Matches("^u-[0-9a-f]{32}$", user);
        Assert.Equal(user, UserIds.FromSubject(subject));
    }
}
