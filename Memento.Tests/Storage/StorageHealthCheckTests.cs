using System.Diagnostics;
using System.Net;
using Memento.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Memento.Tests.Storage;

/// <summary>
/// <c>/health</c> is readiness: it fails, with the reason in the body, when this replica cannot use its
/// storage root; <c>/alive</c> (liveness) keeps answering, so Kubernetes takes the pod out of the Service
/// instead of restarting it in a loop.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // read-only folders are made with Unix modes and chattr
public sealed class StorageHealthCheckTests
{
    [Fact]
    public async Task A_usable_storage_root_is_healthy()
    {
        // Arrange
        using var storage = new TempDirectory();
        await using var server = Server(storage.Path);
        using var http = server.CreateClient();

        // Act
        var health = await http.GetAsync("/health", TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Empty(Directory.EnumerateFiles(storage.Path, "*.probe"));
    }

    [Fact]
    public async Task A_storage_root_that_is_gone_makes_the_replica_unready_with_the_reason()
    {
        // Arrange
        using var storage = new TempDirectory();
        var root = Path.Combine(storage.Path, "share");
        await using var server = Server(root);
        using var http = server.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode);

        // Act: the share goes away under the running replica.
        Directory.Delete(root, recursive: true);
        var health = await http.GetAsync("/health", TestContext.Current.CancellationToken);
        var alive = await http.GetAsync("/alive", TestContext.Current.CancellationToken);

        // Assert
        var body = await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.StartsWith("Unhealthy", body);
        Assert.Contains($"storage: Unhealthy - the storage root {root} does not exist", body);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task A_read_only_storage_root_makes_the_replica_unready_with_the_reason()
    {
        // Arrange
        using var storage = new TempDirectory();
        await using var server = Server(storage.Path);
        using var http = server.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode);

        // Act
        using (await ReadOnlyFolder.MakeAsync(storage.Path))
        {
            var health = await http.GetAsync("/health", TestContext.Current.CancellationToken);
            var alive = await http.GetAsync("/alive", TestContext.Current.CancellationToken);

            // Assert
            var body = await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Contains($"storage: Unhealthy - the storage root {storage.Path} is not writable", body);
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        }

        // Writable again: ready again.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode);
    }

    private static WebApplicationFactory<Program> Server(string root) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(b => b
            .UseEnvironment("Production")
            .UseSetting("Memento:Storage:Root", root));

    /// <summary>
    /// Makes a folder read-only for this process until disposed: by permissions for an ordinary user, and
    /// with the immutable attribute (<c>chattr +i</c>) for root, whom permissions do not stop.
    /// </summary>
    private sealed class ReadOnlyFolder(string path, bool immutable, UnixFileMode mode) : IDisposable
    {
        public static async Task<ReadOnlyFolder> MakeAsync(string path)
        {
            var mode = File.GetUnixFileMode(path);
            if (Environment.UserName != "root")
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute);
                return new ReadOnlyFolder(path, immutable: false, mode);
            }

            if (await ChattrAsync("+i", path) is { } error)
            {
                Assert.Skip($"Running as root, and the folder cannot be made immutable here (chattr +i: {error}); root ignores file permissions.");
            }

            return new ReadOnlyFolder(path, immutable: true, mode);
        }

        public void Dispose()
        {
            if (immutable)
            {
                ChattrAsync("-i", path).GetAwaiter().GetResult();
            }
            else
            {
                File.SetUnixFileMode(path, mode);
            }
        }

        private static async Task<string?> ChattrAsync(string flag, string path)
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true, UseShellExecute = false })!;
                var error = await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                return process.ExitCode == 0 ? null : error.Trim();
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                return e.Message;
            }
        }
    }
}
