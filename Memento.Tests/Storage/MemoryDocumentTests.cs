using Memento.McpServer.Storage;

namespace Memento.Tests.Storage;

public sealed class MemoryDocumentTests
{
    [Theory]
    [InlineData("Plain title")]
    [InlineData("null")]
    [InlineData("~")]
    [InlineData("true")]
    [InlineData("2024")]
    [InlineData("- starts with a dash")]
    [InlineData("key: value inside")]
    [InlineData("# not a comment")]
    [InlineData("ends with a colon:")]
    [InlineData("it's quoted \"twice\"")]
    [InlineData("ünïcödé 日本語 emoji 🎉")]
    [InlineData("[flow] {map} *alias &anchor !tag | > % @ `")]
    [InlineData("a # b")]
    public void Every_title_tag_and_metadata_value_survives_the_round_trip(string text)
    {
        var at = new DateTimeOffset(2025, 7, 14, 21, 20, 5, 123, TimeSpan.Zero);
        var memory = new Memory(
            "20250714T212005123Z-abcdefghjk",
            text,
            [text.ToLowerInvariant(), "plain"],
            at,
            at.AddHours(1),
            "content\n" + text,
            text,
            new SortedDictionary<string, string>(StringComparer.Ordinal) { ["k"] = text, [text] = "v" });

        var parsed = MemoryDocument.Parse(memory.Id, MemoryDocument.Serialize(memory), DateTimeOffset.UnixEpoch, 200);

        Assert.Equal(memory.Title, parsed.Title);
        Assert.Equal(memory.Tags, parsed.Tags);
        Assert.Equal(memory.Content, parsed.Content);
        Assert.Equal(memory.Source, parsed.Source);
        Assert.Equal(memory.Created, parsed.Created);
        Assert.Equal(memory.Updated, parsed.Updated);
        Assert.Equal(memory.Metadata, parsed.Metadata);
    }

    [Fact]
    public void Hand_written_yaml_with_flow_lists_and_comments_is_read()
    {
        var text = "---\n# written by hand\ntitle: \"Trip: Lisbon\"\ntags: [Travel, family]\ncreated: 2025-06-01T10:00:00+02:00\nextra: ignored\n---\nPack sunscreen.";

        var parsed = MemoryDocument.Parse("trip", text, DateTimeOffset.UnixEpoch, 200);

        Assert.Equal("Trip: Lisbon", parsed.Title);
        Assert.Equal(["travel", "family"], parsed.Tags);
        Assert.Equal(new DateTimeOffset(2025, 6, 1, 8, 0, 0, TimeSpan.Zero), parsed.Created);
        Assert.Equal("Pack sunscreen.", parsed.Content);
    }
}
