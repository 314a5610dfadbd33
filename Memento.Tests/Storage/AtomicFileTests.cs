using Memento.McpServer.Storage;
using Memento.Tests.Infrastructure;

namespace Memento.Tests.Storage;

/// <summary>
/// Replacing a file on an SMB share while another replica reads it, played through <see cref="SmbShare"/>:
/// the server refuses the rename, and the Linux client's fallback removes the target before its second
/// rename is refused too. No replace may lose the file, and a reader must never report it missing.
/// </summary>
public sealed class AtomicFileTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_replace_refused_while_another_client_reads_the_target_is_retried_until_it_lands(bool clientUnlinksTarget)
    {
        using var dir = new TempDirectory();
        var share = new SmbShare(clientUnlinksTarget ? SmbShare.ClientFallback.UnlinkThenRename : SmbShare.ClientFallback.None);
        var path = Path.Combine(dir.Path, "memory.md");
        AtomicFile.WriteAllText(share, path, "version 1", flushToDisk: true);
        var reader = share.OpenRead(path);

        var writer = Task.Run(() => AtomicFile.WriteAllText(share, path, "version 2", flushToDisk: true), Ct);
        await share.WaitForRefusalAsync(Ct);
        reader.Dispose();
        await writer.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal("version 2", AtomicFile.ReadAllText(share, path));
        Assert.Equal(clientUnlinksTarget ? 1 : 0, share.Unlinks);
        Assert.Equal(["memory.md"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_reader_arriving_while_the_client_has_unlinked_the_target_waits_and_reads_the_new_version(bool openOfDeletePendingIsBusy)
    {
        using var dir = new TempDirectory();
        var share = new SmbShare(SmbShare.ClientFallback.UnlinkThenRename, openOfDeletePendingIsBusy ? SmbShare.DeletePendingOpen.Busy : SmbShare.DeletePendingOpen.NotFound);
        var path = Path.Combine(dir.Path, "memory.md");
        AtomicFile.WriteAllText(share, path, "version 1", flushToDisk: true);
        var firstReader = share.OpenRead(path);
        // The writer's budget outlasts a loaded machine's slowest turn here: this test is about the reader.
        var writer = Task.Run(() => AtomicFile.WriteAllText(share, path, "version 2", flushToDisk: true, replaceBudget: TimeSpan.FromSeconds(30)), Ct);
        await share.WaitForRefusalAsync(Ct);
        Assert.True(share.IsDeletePending(path));

        // A second replica asks for the memory inside the window in which the target is gone.
        var secondReader = Task.Run(() => AtomicFile.ReadAllText(share, path, wait: TimeSpan.FromSeconds(20)), Ct);
        await share.WaitForFailedOpenAsync(Ct);
        firstReader.Dispose();

        Assert.Equal("version 2", await secondReader.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        await writer.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal("version 2", AtomicFile.ReadAllText(share, path));
    }

    [Fact]
    public void A_writer_that_gives_up_after_the_target_was_unlinked_keeps_the_only_copy_and_the_next_reader_puts_it_in_place()
    {
        using var dir = new TempDirectory();
        var share = new SmbShare(SmbShare.ClientFallback.UnlinkThenRename);
        var path = Path.Combine(dir.Path, "memory.md");
        AtomicFile.WriteAllText(share, path, "version 1", flushToDisk: true);

        using (share.OpenRead(path))
        {
            Assert.ThrowsAny<UnauthorizedAccessException>(() =>
                AtomicFile.WriteAllText(share, path, "version 2", flushToDisk: true, replaceBudget: TimeSpan.FromMilliseconds(100)));
            Assert.False(share.FileExists(path));
        }

        // The reader that held the old file is gone; nobody finished the replace, but the new version survived.
        var kept = Assert.Single(Directory.GetFiles(dir.Path, AtomicFile.TempPrefix + "*"));
        Assert.EndsWith(".kept", kept, StringComparison.Ordinal);
        Assert.Equal("version 2", AtomicFile.ReadAllText(share, path, wait: TimeSpan.FromMilliseconds(50)));
        Assert.Empty(Directory.GetFiles(dir.Path, AtomicFile.TempPrefix + "*"));
    }

    [Fact]
    public void The_cleanup_puts_a_kept_copy_in_place_when_no_reader_did()
    {
        using var dir = new TempDirectory();
        var share = new SmbShare(SmbShare.ClientFallback.UnlinkThenRename);
        var path = Path.Combine(dir.Path, "memory.md");
        AtomicFile.WriteAllText(share, path, "version 1", flushToDisk: true);
        using (share.OpenRead(path))
        {
            Assert.ThrowsAny<UnauthorizedAccessException>(() =>
                AtomicFile.WriteAllText(share, path, "version 2", flushToDisk: true, replaceBudget: TimeSpan.FromMilliseconds(100)));
        }

        var kept = Assert.Single(Directory.GetFiles(dir.Path, AtomicFile.TempPrefix + "*"));

        Assert.True(AtomicFile.CleanUp(share, kept, DateTime.UtcNow.AddMinutes(1)));
        Assert.Equal("version 2", File.ReadAllText(path));
    }

    [Fact]
    public void A_writer_that_gives_up_while_the_old_file_is_still_in_place_leaves_it_and_no_temporary_file()
    {
        using var dir = new TempDirectory();
        var share = new SmbShare(SmbShare.ClientFallback.None);
        var path = Path.Combine(dir.Path, "memory.md");
        AtomicFile.WriteAllText(share, path, "version 1", flushToDisk: true);

        using (share.OpenRead(path))
        {
            Assert.ThrowsAny<UnauthorizedAccessException>(() =>
                AtomicFile.WriteAllText(share, path, "version 2", flushToDisk: true, replaceBudget: TimeSpan.FromMilliseconds(100)));
        }

        Assert.Equal("version 1", AtomicFile.ReadAllText(share, path));
        Assert.Equal(["memory.md"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_temporary_file_whose_bytes_do_not_match_its_name_is_never_put_in_place()
    {
        using var dir = new TempDirectory();
        var share = new SmbShare();
        var path = Path.Combine(dir.Path, "memory.md");
        // Named like a complete copy of memory.md, but torn: its bytes do not hash to the name's hash.
        var torn = Path.Combine(dir.Path, $"{AtomicFile.TempPrefix}memory.md.0123456789ab.0123456789abcdef.kept");
        File.WriteAllText(torn, "---\ntitle: to");

        Assert.Null(AtomicFile.ReadAllText(share, path, wait: TimeSpan.FromMilliseconds(20)));
        Assert.True(AtomicFile.CleanUp(share, torn, DateTime.UtcNow.AddMinutes(1)));
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(torn));
    }

    [Fact]
    public void A_missing_file_with_no_replace_under_way_is_reported_missing_at_once()
    {
        using var dir = new TempDirectory();
        var share = new SmbShare();
        var started = System.Diagnostics.Stopwatch.StartNew();

        Assert.Null(AtomicFile.ReadAllText(share, Path.Combine(dir.Path, "memory.md"), wait: TimeSpan.FromSeconds(10)));
        Assert.Null(AtomicFile.ReadAllText(share, Path.Combine(dir.Path, "no-such-folder", "memory.md"), wait: TimeSpan.FromSeconds(10)));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
    }
}
