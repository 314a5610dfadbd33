using System.Text.RegularExpressions;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.Infra;

/// <summary>
/// The commands docs/deploy.md (and the README's short version) tell an operator to run are ones the tools accept
/// as written, for the rules a reader can check without Azure: the values read from the azd environment exist
/// there, and a batch download goes to a folder that exists (Azure/azure-cli,
/// src/azure-cli/azure/cli/command_modules/storage/_validators.py, <c>process_file_download_batch_parameters</c>:
/// "incorrect usage: destination must be an existing directory").
/// </summary>
public sealed partial class DeployGuideTests
{
    private static readonly string[] Guides = ["docs/deploy.md", "README.md"];

    [Fact]
    public void A_batch_download_goes_to_a_folder_the_same_step_creates_first()
    {
        // Arrange
        var downloads = Guides.SelectMany(g => CodeBlocks(g).Select(b => (Guide: g, Block: b)))
            .SelectMany(x => Download().Matches(x.Block).Select(m => (x.Guide, x.Block, Destination: m.Groups["destination"].Value, At: m.Index)))
            .ToList();

        // Assert
        Assert.NotEmpty(downloads);
        Assert.All(downloads, d =>
        {
            var created = d.Block.IndexOf($"mkdir -p {d.Destination}\n", StringComparison.Ordinal);
            Assert.True(created >= 0 && created < d.At, $"{d.Guide}: `az storage … download-batch --destination {d.Destination}` needs the folder to exist; create it first (mkdir -p {d.Destination}).");
        });
    }

    [Fact]
    public void Every_value_the_guides_read_from_the_azd_environment_is_one_azd_holds()
    {
        // Arrange: azd holds main.bicep's outputs after `azd provision`, and sets AZURE_ENV_NAME itself;
        // `azd env get-value` of any other name fails.
        var held = Azd.BicepOutputs().Append("AZURE_ENV_NAME").ToHashSet(StringComparer.Ordinal);

        // Act
        var read = Guides.SelectMany(g => GetValue().Matches(File.ReadAllText(Path.Combine(RepoPaths.Root, g))).Select(m => (Guide: g, Name: m.Groups["name"].Value))).ToList();

        // Assert
        Assert.NotEmpty(read);
        Assert.All(read, r => Assert.True(held.Contains(r.Name), $"{r.Guide} reads {r.Name} with `azd env get-value`, which neither main.bicep outputs nor azd sets."));
    }

    /// <summary>The fenced code blocks of a guide, line continuations joined.</summary>
    private static IEnumerable<string> CodeBlocks(string guide) =>
        Fence().Matches(File.ReadAllText(Path.Combine(RepoPaths.Root, guide)).Replace("\r\n", "\n"))
            .Select(m => Regex.Replace(m.Groups["code"].Value, @"\\\n\s*", " ", RegexOptions.None, TimeSpan.FromSeconds(1)));

    [GeneratedRegex(@"^\s*```[a-z]*\n(?<code>.*?)^\s*```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"az storage (?:file|blob) download-batch\b[^\n]*?(?:--destination|-d) (?<destination>\S+)")]
    private static partial Regex Download();

    [GeneratedRegex(@"azd env get-value (?<name>[A-Z0-9_]+)")]
    private static partial Regex GetValue();
}
