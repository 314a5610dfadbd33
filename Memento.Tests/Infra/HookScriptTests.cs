using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.Infra;

/// <summary>
/// The azd hooks run for real against stand-ins for <c>az</c> and the cluster: a <c>kubectl</c> that runs
/// the real kubectl for client-side work (<c>create … --dry-run=client -o yaml</c>) and records what would
/// reach the API server, and an <c>az</c> that answers with a made-up storage key. Every argument either
/// tool was called with is logged, so the checks can tell that no secret was on a command line.
/// </summary>
public sealed partial class HookScriptTests : IDisposable
{
    private const string StorageKey = "c3RvcmFnZS1rZXktdGhhdC1tdXN0LW5vdC1sZWFr==";
    private const string Host = "memento-sample.swedencentral.cloudapp.azure.com";
    private readonly TempDirectory _dir = new("memento-hooks");

    public HookScriptTests()
    {
        var kubectl = ToolRunner.FindOnPath("kubectl");
        if (kubectl is null || ToolRunner.FindOnPath("openssl") is null || ToolRunner.FindOnPath("sh") is null)
        {
            Assert.Skip("the hook checks need sh, openssl and kubectl (for its client-side dry runs).");
        }

        Directory.CreateDirectory(Bin);
        Directory.CreateDirectory(Log);
        WriteTool("kubectl", $$"""
            #!/bin/sh
            printf '%s\n' "kubectl $*" >> "$HOOK_LOG/argv"
            if [ "$1" = "-n" ]; then shift 2; fi
            case "$1" in
              create) exec "{{kubectl}}" "$@" ;;
              apply)
                case "$*" in *--server-side*) ;; *) echo "client-side apply" >> "$HOOK_LOG/client-side" ;; esac
                cat > "$HOOK_LOG/in"
                name=$(sed -n 's/^  name: //p' "$HOOK_LOG/in" | head -n 1)
                cp "$HOOK_LOG/in" "$HOOK_LOG/object-$name.yaml"
                ;;
              get)
                [ -f "$HOOK_LOG/object-$3.yaml" ] || exit 1
                case "$*" in *jsonpath*) sed -n 's/^  ca.crt: //p' "$HOOK_LOG/object-$3.yaml" | tr -d '\n' ;; esac
                ;;
              rollout) [ "${FAKE_ROLLOUT:-ok}" = ok ] || { echo 'error: timed out waiting for the condition' >&2; exit 1; } ;;
            esac
            exit 0
            """);
        WriteTool("az", """
            #!/bin/sh
            printf '%s\n' "az $*" >> "$HOOK_LOG/argv"
            case "$*" in *"keys list"*) printf '%s\n' "$FAKE_STORAGE_KEY" ;; esac
            exit 0
            """);
    }

    private string Bin => Path.Combine(_dir.Path, "bin");

    private string Log => Path.Combine(_dir.Path, "log");

    private string Project => Path.Combine(_dir.Path, "project");

    [Fact]
    public async Task Postprovision_creates_the_secrets_from_files_prints_the_first_key_once_and_puts_no_secret_on_a_command_line()
    {
        // Act
        var first = await RunHookAsync("postprovision");
        var second = await RunHookAsync("postprovision");

        // Assert: it worked, server-side apply only.
        Assert.True(first.ExitCode == 0, first.Combined);
        Assert.True(second.ExitCode == 0, second.Combined);
        Assert.False(File.Exists(Path.Combine(Log, "client-side")), "a Secret was applied client-side (its value would be copied into last-applied-configuration)");

        // The share's key reached the Secret exactly, and no command line.
        Assert.Equal(StorageKey, Decode(Secret("azure-files"), "azurestorageaccountkey"));
        var argv = File.ReadAllText(Path.Combine(Log, "argv"));
        Assert.DoesNotContain(StorageKey, argv, StringComparison.Ordinal);

        // The first API key: printed once, only its hash stored, the user an admin.
        var key = Assert.Single(KeyLine().Matches(first.StandardOutput)).Groups["key"].Value;
        Assert.DoesNotMatch(KeyLine(), second.StandardOutput);
        var auth = Secret("memento-auth");
        Assert.Equal("admin", Decode(auth, "Memento__Auth__ApiKeys__0__User"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))), Decode(auth, "Memento__Auth__ApiKeys__0__Hash"));
        Assert.Equal("memento.admin", Decode(auth, "Memento__Auth__ApiKeys__0__Roles__0"));
        Assert.DoesNotContain(key, argv, StringComparison.Ordinal);
        Assert.DoesNotContain(key, File.ReadAllText(Path.Combine(Log, "object-memento-auth.yaml")), StringComparison.Ordinal);

        // The server certificate names the host the load balancer gets and chains to the CA clients are given.
        var tls = Secret("memento-tls");
        Assert.Contains("type: kubernetes.io/tls", tls, StringComparison.Ordinal);
        var caFile = Path.Combine(Project, ".azure", "sample", "memento-ca.crt");
        Assert.Equal(Decode(tls, "ca.crt"), File.ReadAllText(caFile));
        using var server = X509Certificate2.CreateFromPem(Decode(tls, "tls.crt"), Decode(tls, "tls.key"));
        Assert.True(server.MatchesHostname(Host));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificate(Encoding.ASCII.GetBytes(File.ReadAllText(caFile))));
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
        Assert.True(chain.Build(server), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [Fact]
    public async Task Postprovision_with_postgres_writes_the_connection_string_from_a_file_and_puts_the_password_on_no_command_line()
    {
        // Arrange: the outputs main.bicep gives with storageProvider Postgres (no storage account), and the password azd holds.
        const string password = "pg-password-that-must-not-leak+/9";
        var postgres = new Dictionary<string, string>
        {
            ["MEMENTO_STORAGE_PROVIDER"] = "Postgres",
            ["MEMENTO_K8S_OVERLAY"] = Azd.OverlayFor("Postgres"),
            ["AZURE_STORAGE_ACCOUNT_NAME"] = "",
            ["AZURE_POSTGRES_HOST"] = "psql-sample.postgres.database.azure.com",
            ["AZURE_POSTGRES_DATABASE"] = "memento",
            ["AZURE_POSTGRES_USER"] = "memento_admin",
            ["MEMENTO_POSTGRES_PASSWORD"] = password,
        };

        // Act
        var result = await RunHookAsync("postprovision", postgres);

        // Assert
        Assert.True(result.ExitCode == 0, result.Combined);
        Assert.False(File.Exists(Path.Combine(Log, "client-side")), "a Secret was applied client-side (its value would be copied into last-applied-configuration)");
        Assert.Equal(
            $"Host=psql-sample.postgres.database.azure.com;Database=memento;Username=memento_admin;Password={password};SSL Mode=Require",
            Decode(Secret("memento-db"), "connection-string"));
        Assert.False(File.Exists(Path.Combine(Log, "object-azure-files.yaml")), "no share is provisioned with Postgres");
        Assert.True(File.Exists(Path.Combine(Log, "object-memento-auth.yaml")));
        Assert.True(File.Exists(Path.Combine(Log, "object-memento-tls.yaml")));
        Assert.DoesNotContain(password, File.ReadAllText(Path.Combine(Log, "argv")), StringComparison.Ordinal);
        Assert.DoesNotContain(password, result.Combined, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postprovision_with_postgres_stops_with_a_clear_message_when_no_password_was_set()
    {
        // Act
        var result = await RunHookAsync("postprovision", new()
        {
            ["MEMENTO_STORAGE_PROVIDER"] = "Postgres",
            ["AZURE_POSTGRES_HOST"] = "psql-sample.postgres.database.azure.com",
        });

        // Assert
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("azd env set MEMENTO_POSTGRES_PASSWORD", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Log, "object-memento-db.yaml")));
    }

    [Fact]
    public async Task Predeploy_stops_azd_with_a_clear_message_when_the_secrets_are_missing()
    {
        // Act
        var result = await RunHookAsync("predeploy");

        // Assert
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("azure-files memento-tls memento-auth", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("azd provision", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Predeploy_asks_for_the_database_secret_with_postgres_and_stops_when_the_provider_changed_since_the_last_provision()
    {
        // Act
        var postgres = await RunHookAsync("predeploy", new() { ["MEMENTO_STORAGE_PROVIDER"] = "Postgres", ["MEMENTO_K8S_OVERLAY"] = Azd.OverlayFor("Postgres") });
        var changed = await RunHookAsync("predeploy", new() { ["MEMENTO_STORAGE_PROVIDER"] = "Postgres", ["MEMENTO_K8S_OVERLAY"] = Azd.OverlayFor("Files") });
        var unprovisioned = await RunHookAsync("predeploy", new() { ["MEMENTO_K8S_OVERLAY"] = "" });

        // Assert
        Assert.Equal(1, postgres.ExitCode);
        Assert.Contains("memento-db memento-tls memento-auth", postgres.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, changed.ExitCode);
        Assert.Contains("MEMENTO_STORAGE_PROVIDER is Postgres, but the environment was provisioned for overlay aks.", changed.StandardError, StringComparison.Ordinal);
        Assert.NotEqual(0, unprovisioned.ExitCode);
        Assert.Contains("MEMENTO_K8S_OVERLAY", unprovisioned.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Postdeploy_fails_azd_when_the_rollout_does_not_complete_and_names_the_https_endpoint_when_it_does()
    {
        // Act
        var failed = await RunHookAsync("postdeploy", new() { ["FAKE_ROLLOUT"] = "fail" });
        var succeeded = await RunHookAsync("postdeploy");

        // Assert
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("did not complete", failed.StandardError, StringComparison.Ordinal);
        Assert.Equal(0, succeeded.ExitCode);
        Assert.Contains($"https://{Host}/mcp", succeeded.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("kubectl -n memento rollout status deployment/memento-mcpserver --timeout=", File.ReadAllText(Path.Combine(Log, "argv")), StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();

    private async Task<ToolResult> RunHookAsync(string name, Dictionary<string, string>? extra = null)
    {
        var hook = Azd.Map(Azd.Map(Azd.Load(), "hooks"), name);
        Directory.CreateDirectory(Project);
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = Bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
            ["HOOK_LOG"] = Log,
            ["FAKE_STORAGE_KEY"] = StorageKey,
            ["KUBECONFIG"] = Path.Combine(_dir.Path, "no-kubeconfig"),
            ["AZURE_ENV_NAME"] = "sample",
            ["AZURE_RESOURCE_GROUP"] = "rg-sample",
            ["AZURE_AKS_CLUSTER_NAME"] = "aks-sample",
            ["AZURE_STORAGE_ACCOUNT_NAME"] = "stsample",
            ["AZURE_SERVER_HOST"] = Host,
            ["MEMENTO_K8S_OVERLAY"] = Azd.OverlayFor("Files"),
        };
        foreach (var (key, value) in extra ?? [])
        {
            environment[key] = value;
        }

        return await ToolRunner.RunAsync(Azd.Scalar(hook, "shell"), [Path.Combine(RepoPaths.Root, Azd.Scalar(hook, "run"))], Project,
            TestContext.Current.CancellationToken, TimeSpan.FromMinutes(2), environment);
    }

    private string Secret(string name) => File.ReadAllText(Path.Combine(Log, $"object-{name}.yaml"));

    private static string Decode(string yaml, string key) =>
        Encoding.UTF8.GetString(Convert.FromBase64String(Regex.Match(yaml, $@"^  {Regex.Escape(key)}: (\S+)$", RegexOptions.Multiline).Groups[1].Value));

    private void WriteTool(string name, string script)
    {
        var path = Path.Combine(Bin, name);
        File.WriteAllText(path, script.Replace("\r\n", "\n") + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [GeneratedRegex(@"^    (?<key>mk_[A-Za-z0-9_-]{40,})$", RegexOptions.Multiline)]
    private static partial Regex KeyLine();
}
