using System.Text.RegularExpressions;
using System.Xml.Linq;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.Infra;

/// <summary>
/// The AppHost cannot be compiled where the Aspire packages are missing, so its Aspire calls are held
/// to the list checked against Aspire's source in docs/aspire-api-check.md, and its project file to
/// the centrally managed Aspire version.
/// </summary>
public sealed partial class AppHostApiTests
{
    private static string AppHostDir => Path.Combine(RepoPaths.Root, "Memento.AppHost");

    [Fact]
    public void Every_builder_method_the_AppHost_calls_was_checked_against_Aspire()
    {
        // Arrange
        var checkedApis = ApiTableNames().Matches(File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "aspire-api-check.md")))
            .Select(m => m.Groups["name"].Value)
            .ToHashSet(StringComparer.Ordinal);

        // Act
        var called = Directory.EnumerateFiles(AppHostDir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => BuilderCall().Matches(File.ReadAllText(f)).Select(m => m.Groups["name"].Value))
            .ToHashSet(StringComparer.Ordinal);

        // Assert
        Assert.Contains("PublishAsKubernetesService", called);
        Assert.Contains("AddAzureKubernetesEnvironment", called);
        Assert.Empty(called.Except(checkedApis));
    }

    [Fact]
    public void Project_uses_the_Aspire_13_6_SDK_and_centrally_versioned_integrations()
    {
        // Arrange
        var project = XDocument.Load(Path.Combine(AppHostDir, "Memento.AppHost.csproj"));
        var central = XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Packages.props"));

        // Act
        var references = project.Descendants("PackageReference").ToList();
        var versions = central.Descendants("PackageVersion").ToDictionary(p => (string)p.Attribute("Include")!, p => (string)p.Attribute("Version")!);

        // Assert
        Assert.Equal("Aspire.AppHost.Sdk/13.6.0", (string?)project.Root!.Attribute("Sdk"));
        Assert.Equal("13.6.0", central.Descendants("AspireVersion").Single().Value);
        Assert.Equal(
            ["Aspire.Hosting.Azure.CognitiveServices", "Aspire.Hosting.Azure.Kubernetes", "Aspire.Hosting.Kubernetes"],
            references.Select(r => (string)r.Attribute("Include")!).Order());
        Assert.All(references, r =>
        {
            Assert.Null(r.Attribute("Version"));
            Assert.Equal("$(AspireVersion)", versions[(string)r.Attribute("Include")!]);
        });
    }

    // Extension-method calls such as ".WithReplicas(" or "builder.AddProject<...>(" on Aspire builders.
    [GeneratedRegex(@"\.(?<name>(Add|With|Publish|Wait)[A-Z][A-Za-z]*)\s*[<(]")]
    private static partial Regex BuilderCall();

    // First column of the markdown tables: | `Name` ... |
    [GeneratedRegex(@"^\| `(?<name>[A-Za-z.]+)`", RegexOptions.Multiline)]
    private static partial Regex ApiTableNames();
}
