using System.Text;
using Memento.McpServer.Storage;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.Storage;

/// <summary>The append-only change log one replica writes and the others read from where they left off.</summary>
public sealed class ChangeLogTests
{
    private const string Instance = "00aa11bb22cc33dd";

    [Fact]
    public void A_reader_gets_each_change_once_in_order_reading_only_what_was_appended()
    {
        using var dir = new TempDirectory();
        var writer = new ChangeLog.Writer(dir.Path, Instance);
        writer.Append(ChangeLog.Kind.Claimed, "id-1", "hash1");
        writer.Append(ChangeLog.Kind.Stored, "id-1");

        var first = ChangeLog.Read(writer.Path, default)!;
        Assert.False(first.Gap);
        Assert.Equal([(1L, ChangeLog.Kind.Claimed, "id-1", "hash1"), (2L, ChangeLog.Kind.Stored, "id-1", null)],
            first.Changes.Select(c => (c.Sequence, c.Kind, c.Id, c.Hash)));

        var unchanged = ChangeLog.Read(writer.Path, first.Next)!;
        Assert.Empty(unchanged.Changes);
        Assert.Equal(first.Next, unchanged.Next);

        writer.Append(ChangeLog.Kind.Deleted, "id-1");
        var next = ChangeLog.Read(writer.Path, first.Next)!;
        Assert.False(next.Gap);
        Assert.Equal((3L, ChangeLog.Kind.Deleted), (Assert.Single(next.Changes).Sequence, next.Changes[0].Kind));
        Assert.Equal(3, next.Next.Sequence);
    }

    [Fact]
    public void Appending_writes_into_the_same_file_instead_of_replacing_it()
    {
        using var dir = new TempDirectory();
        var writer = new ChangeLog.Writer(dir.Path, Instance);
        writer.Append(ChangeLog.Kind.Stored, "id-0");
        // A handle opened now follows this file; had a write replaced it by a rename, the handle would still see the old one.
        using var opened = File.OpenHandle(writer.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var before = RandomAccess.GetLength(opened);

        for (var i = 1; i < 100; i++)
        {
            writer.Append(ChangeLog.Kind.Stored, $"id-{i}");
        }

        Assert.Equal(new FileInfo(writer.Path).Length, RandomAccess.GetLength(opened));
        Assert.True(RandomAccess.GetLength(opened) > before);
        Assert.Single(Directory.GetFiles(ChangeLog.Folder(dir.Path)));
        Assert.Equal(100, ChangeLog.Read(writer.Path, default)!.Changes.Count);
    }

    [Fact]
    public void A_line_still_being_written_is_taken_at_the_next_read()
    {
        using var dir = new TempDirectory();
        var writer = new ChangeLog.Writer(dir.Path, Instance);
        writer.Append(ChangeLog.Kind.Stored, "id-1");
        File.AppendAllText(writer.Path, "2 s id-");

        var partial = ChangeLog.Read(writer.Path, default)!;
        Assert.False(partial.Gap);
        Assert.Equal("id-1", Assert.Single(partial.Changes).Id);

        File.AppendAllText(writer.Path, "2\n");
        var rest = ChangeLog.Read(writer.Path, partial.Next)!;
        Assert.Equal("id-2", Assert.Single(rest.Changes).Id);
    }

    [Fact]
    public void A_compacted_log_keeps_readers_within_its_capacity_whole_and_tells_the_others_to_rescan()
    {
        using var dir = new TempDirectory();
        var writer = new ChangeLog.Writer(dir.Path, Instance, rewriteAt: ChangeLog.Capacity + 4);
        writer.Append(ChangeLog.Kind.Stored, "early");
        var behind = ChangeLog.Read(writer.Path, default)!.Next;
        for (var i = 0; i < ChangeLog.Capacity; i++)
        {
            writer.Append(ChangeLog.Kind.Stored, $"id-{i}");
        }

        var recent = ChangeLog.Read(writer.Path, default)!.Next;
        for (var i = 0; i < 10; i++)
        {
            writer.Append(ChangeLog.Kind.Stored, $"late-{i}");
        }

        var caughtUp = ChangeLog.Read(writer.Path, recent)!;
        Assert.NotEqual(recent.Generation, caughtUp.Next.Generation);
        Assert.False(caughtUp.Gap);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"late-{i}"), caughtUp.Changes.Select(c => c.Id));

        Assert.True(ChangeLog.Read(writer.Path, behind)!.Gap);
        Assert.True(ChangeLog.Read(writer.Path, default)!.Gap);
    }

    [Fact]
    public void A_log_removed_under_the_writer_is_started_again_and_its_readers_rescan()
    {
        using var dir = new TempDirectory();
        var writer = new ChangeLog.Writer(dir.Path, Instance);
        writer.Append(ChangeLog.Kind.Stored, "id-1");
        var seen = ChangeLog.Read(writer.Path, default)!.Next;
        File.Delete(writer.Path);
        Assert.Null(ChangeLog.Read(writer.Path, seen));

        writer.Append(ChangeLog.Kind.Stored, "id-2");

        var update = ChangeLog.Read(writer.Path, seen)!;
        Assert.False(update.Gap);
        Assert.Equal("id-2", Assert.Single(update.Changes).Id);
        Assert.StartsWith("memento-changes 2 2\n", File.ReadAllText(writer.Path), StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_line_or_a_foreign_file_is_never_taken_for_changes()
    {
        using var dir = new TempDirectory();
        var writer = new ChangeLog.Writer(dir.Path, Instance);
        writer.Append(ChangeLog.Kind.Stored, "id-1");
        var seen = ChangeLog.Read(writer.Path, default)!.Next;
        File.AppendAllText(writer.Path, "2 s ../../etc/passwd\n");
        Assert.True(ChangeLog.Read(writer.Path, seen)!.Gap);

        var foreign = Path.Combine(ChangeLog.Folder(dir.Path), "ffee00");
        File.WriteAllText(foreign, "memento-changes 1\n4\n1 s id-1\n", Encoding.UTF8);
        Assert.Null(ChangeLog.Read(foreign, default));
    }

    [Fact]
    public void A_writer_opened_again_for_the_same_log_continues_it_so_readers_miss_nothing_and_need_no_rescan()
    {
        using var dir = new TempDirectory();
        var first = new ChangeLog.Writer(dir.Path, Instance);
        first.Append(ChangeLog.Kind.Stored, "id-1");
        first.Append(ChangeLog.Kind.Stored, "id-2");
        var seen = ChangeLog.Read(first.Path, default)!.Next;

        // The user was closed while idle and opened again: a new writer on the same log.
        var again = new ChangeLog.Writer(dir.Path, Instance);
        again.Append(ChangeLog.Kind.Deleted, "id-1");

        var update = ChangeLog.Read(again.Path, seen)!;
        Assert.False(update.Gap);
        Assert.Equal(seen.Generation, update.Next.Generation);
        Assert.Equal((3L, ChangeLog.Kind.Deleted, "id-1"), (Assert.Single(update.Changes).Sequence, update.Changes[0].Kind, update.Changes[0].Id));
    }
}
