namespace Memento.Tests.Infra;

/// <summary>The PostgreSQL option of infra/: chosen by one parameter (azd: MEMENTO_STORAGE_PROVIDER), vector extension allowed.</summary>
public sealed class PostgresBicepTests(BicepTests.BuildFixture infra) : IClassFixture<BicepTests.BuildFixture>
{
    [Fact]
    public async Task The_storage_provider_parameter_chooses_the_share_or_a_flexible_server_with_pgvector_allowed()
    {
        // Act
        var json = await File.ReadAllTextAsync(infra.MainJson, TestContext.Current.CancellationToken);
        var parameters = await File.ReadAllTextAsync(Path.Combine(Infrastructure.RepoPaths.Root, "infra", "main.parameters.json"), TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(0, infra.Build.ExitCode);
        Assert.Contains("\"storageProvider\"", json, StringComparison.Ordinal);
        Assert.Contains("Microsoft.DBforPostgreSQL/flexibleServers", json, StringComparison.Ordinal);
        Assert.Contains("azure.extensions", json, StringComparison.Ordinal);
        Assert.Contains("VECTOR", json, StringComparison.Ordinal);
        Assert.Contains("[not(variables('usePostgres'))]", json, StringComparison.Ordinal);
        Assert.Contains("[variables('usePostgres')]", json, StringComparison.Ordinal);
        Assert.Contains("aks-postgres", json, StringComparison.Ordinal);
        Assert.Contains("${MEMENTO_STORAGE_PROVIDER=Files}", parameters, StringComparison.Ordinal);
        Assert.Contains("${MEMENTO_POSTGRES_PASSWORD}", parameters, StringComparison.Ordinal);
    }
}
