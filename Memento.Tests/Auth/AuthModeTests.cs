using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Memento.McpServer.Auth;
using Memento.Tests.Infrastructure;
using Memento.Tests.Protocol;
using Memento.Tests.Tools;
using ModelContextProtocol.Client;

namespace Memento.Tests.Auth;

public sealed partial class AuthModeTests
{
    internal const string AliceKey = "alice-key-0123456789abcdef";
    internal const string BobKey = "bob-key-0123456789abcdef";
    internal const string AdminKey = "admin-key-0123456789abcdef";
    internal const string Audience = "api://memento-tests";
    private const string Initialize = """
        {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}
        """;

    internal static Dictionary<string, string?> ApiKeySettings() => new()
    {
        ["Memento:Auth:Mode"] = "ApiKey",
        ["Memento:Auth:ApiKeys:0:Hash"] = ApiKeyHasher.Hash(AliceKey),
        ["Memento:Auth:ApiKeys:0:User"] = "alice",
        ["Memento:Auth:ApiKeys:1:Hash"] = ApiKeyHasher.Hash(BobKey),
        ["Memento:Auth:ApiKeys:1:User"] = "bob",
        ["Memento:Auth:ApiKeys:2:Hash"] = ApiKeyHasher.Hash(AdminKey),
        ["Memento:Auth:ApiKeys:2:User"] = "ops",
        ["Memento:Auth:ApiKeys:2:Roles:0"] = "memento.admin",
    };

    internal static Dictionary<string, string?> JwtSettings(string authority) => new()
    {
        ["Memento:Auth:Mode"] = "Jwt",
        ["Memento:Auth:Jwt:Authority"] = authority,
        ["Memento:Auth:Jwt:Audience"] = Audience,
        ["Memento:Auth:Jwt:RequireHttpsMetadata"] = "false",
        ["Memento:Auth:Jwt:Scopes:0"] = Audience + "/memories",
    };

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-key")]
    [InlineData(AliceKey + "x")]
    public async Task ApiKey_mode_answers_401_with_a_challenge_without_a_valid_key(string? key)
    {
        await using var server = McpServerHost.Start(ApiKeySettings());
        using var http = server.CreateHttpClient(key);

        using var request = ProtocolTests.NewPost(Initialize);
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task ApiKey_mode_lets_a_valid_key_in_and_its_tools_do_not_offer_a_user_argument()
    {
        await using var server = McpServerHost.Start(ApiKeySettings());

        await using var client = await server.ConnectAsync(bearer: AliceKey);
        var tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(10, tools.Count);
        Assert.All(tools, t => Assert.False(t.ProtocolTool.InputSchema.GetProperty("properties").TryGetProperty("user", out _), t.Name));
    }

    [Fact]
    public async Task ApiKey_mode_refuses_a_header_naming_another_user()
    {
        await using var server = McpServerHost.Start(ApiKeySettings());
        using var http = server.CreateHttpClient(AliceKey);

        using var request = ProtocolTests.NewPost(Initialize);
        request.Headers.Add("X-Memento-User", "bob");
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("another user", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Jwt_mode_without_a_token_answers_401_pointing_at_the_protected_resource_metadata()
    {
        await using var issuer = await TestOidcIssuer.StartAsync();
        await using var server = McpServerHost.Start(JwtSettings(issuer.Authority));
        using var http = server.CreateHttpClient();

        using var request = ProtocolTests.NewPost(Initialize);
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        var metadataUrl = ResourceMetadata().Match(challenge).Groups["url"].Value;
        var metadata = JsonDocument.Parse(await http.GetStringAsync(metadataUrl, TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", challenge);
        Assert.NotEmpty(metadataUrl);
        Assert.Equal(issuer.Authority, metadata.GetProperty("authorization_servers")[0].GetString()!.TrimEnd('/'));
        Assert.Equal(Audience + "/memories", metadata.GetProperty("scopes_supported")[0].GetString());
    }

    public static TheoryData<string> BadTokens => ["other-key", "wrong-audience", "wrong-issuer", "garbage"];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Jwt_mode_answers_401_to_a_token_it_cannot_trust(string kind)
    {
        await using var issuer = await TestOidcIssuer.StartAsync();
        await using var server = McpServerHost.Start(JwtSettings(issuer.Authority));
        var token = kind switch
        {
            "other-key" => issuer.CreateToken(Audience, oid: Guid.NewGuid().ToString(), signWithOtherKey: true),
            "wrong-audience" => issuer.CreateToken("api://someone-else", oid: Guid.NewGuid().ToString()),
            "wrong-issuer" => issuer.CreateToken(Audience, oid: Guid.NewGuid().ToString(), issuer: "https://evil.example"),
            _ => "eyJhbGciOiJub25lIn0.e30.",
        };
        using var http = server.CreateHttpClient(token);

        using var request = ProtocolTests.NewPost(Initialize);
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Jwt_mode_accepts_a_token_from_the_issuer_and_hides_the_user_argument()
    {
        await using var issuer = await TestOidcIssuer.StartAsync();
        await using var server = McpServerHost.Start(JwtSettings(issuer.Authority));

        await using var client = await server.ConnectAsync(bearer: issuer.CreateToken(Audience, oid: Guid.NewGuid().ToString()));
        var tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(10, tools.Count);
        Assert.All(tools, t => Assert.False(t.ProtocolTool.InputSchema.GetProperty("properties").TryGetProperty("user", out _), t.Name));
    }

    [Fact]
    public async Task None_mode_refuses_to_start_on_all_interfaces()
    {
        using var storage = new TempDirectory();
        await using var server = await ServiceProcess.StartAsync("Memento.McpServer",
            new Dictionary<string, string?> { ["Memento__Storage__Root"] = storage.Path },
            ["--urls", "http://0.0.0.0:0"], waitForListening: false);

        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(server.Output, line => line.Contains("AllowAnonymousNetwork", StringComparison.Ordinal));
    }

    [Fact]
    public async Task None_mode_starts_on_all_interfaces_when_allowed_and_warns()
    {
        using var storage = new TempDirectory();
        await using var server = await ServiceProcess.StartAsync("Memento.McpServer",
            new Dictionary<string, string?>
            {
                ["Memento__Storage__Root"] = storage.Path,
                ["Memento__Auth__AllowAnonymousNetwork"] = "true",
            },
            ["--urls", "http://0.0.0.0:0"]);

        var warning = await server.WaitForOutputAsync(AnonymousWarning(), TimeSpan.FromSeconds(30));

        Assert.False(server.HasExited);
        Assert.Contains("0.0.0.0", warning);
    }

    [Fact]
    public async Task A_misconfigured_mode_stops_the_process_naming_the_key()
    {
        using var storage = new TempDirectory();
        await using var server = await ServiceProcess.StartAsync("Memento.McpServer",
            new Dictionary<string, string?>
            {
                ["Memento__Storage__Root"] = storage.Path,
                ["Memento__Auth__Mode"] = "Jwt",
            },
            waitForListening: false);

        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(server.Output, line => line.Contains("Memento:Auth:Jwt:Authority", StringComparison.Ordinal));
    }

    [GeneratedRegex("resource_metadata=\"(?<url>[^\"]+)\"")]
    private static partial Regex ResourceMetadata();

    [GeneratedRegex("Authentication is off .* listens on")]
    private static partial Regex AnonymousWarning();
}
