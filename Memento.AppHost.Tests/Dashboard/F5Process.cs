using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Memento.Tests.Infrastructure;

namespace Memento.AppHost.Tests.Dashboard;

/// <summary>
/// <c>Memento.AppHost</c> run as F5 runs it (its built assembly with its launch profile's environment), the
/// dashboard included, with the storage folder given. <see cref="LoginUrl"/> is the login URL it prints.
/// Dispose stops it with SIGTERM (Aspire then stops every resource), kills the tree if it does not exit in
/// time, and waits for every process that was given this run's storage folder to be gone.
/// </summary>
public sealed partial class F5Process : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly string _storageRoot;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _login = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private F5Process(Process process, string storageRoot)
    {
        _process = process;
        _storageRoot = storageRoot;
    }

    public Uri LoginUrl { get; private set; } = null!;

    /// <summary>Everything the AppHost printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<F5Process> StartAsync(string storageRoot, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet", [RepoPaths.ProjectDll("Memento.AppHost")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.Combine(RepoPaths.Root, "Memento.AppHost"),
        };

        // Memento.AppHost/Properties/launchSettings.json's "http" profile, which `dotnet run` and F5 apply.
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        start.Environment["Memento__Storage__Root"] = storageRoot;
        start.Environment["ConnectionStrings__openai"] = "";
        // Nothing pins the dashboard's ports: Aspire picks free ones, as on a developer's machine.
        foreach (var pinned in new[] { "ASPNETCORE_URLS", "ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", "ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL", "ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL" })
        {
            start.Environment.Remove(pinned);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var run = new F5Process(process, storageRoot);
        process.OutputDataReceived += (_, line) => run.Read(line.Data);
        process.ErrorDataReceived += (_, line) => run.Read(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var exited = process.WaitForExitAsync(cancellationToken);
            var first = await Task.WhenAny(run._login.Task, exited).WaitAsync(timeout, cancellationToken);
            if (first != run._login.Task)
            {
                throw new InvalidOperationException($"The AppHost exited with {process.ExitCode} before printing the dashboard's login URL:\n{run.Output}");
            }

            run.LoginUrl = await run._login.Task;
            return run;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            await run.DisposeAsync();
            throw new InvalidOperationException($"The AppHost did not print the dashboard's login URL ({e.Message}):\n{run.Output}", e);
        }
    }

    private void Read(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (LoginLine().Match(line) is { Success: true } login)
        {
            _login.TrySetResult(new Uri(login.Groups[1].Value));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!)
            {
                await term.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }

            try
            {
                await _process.WaitForExitAsync().WaitAsync(StopTimeout);
            }
            catch (TimeoutException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(StopTimeout);
            }
        }

        // The services are DCP's children, not the AppHost's; DCP stops them when the AppHost goes. Wait for that,
        // then end any that are left (only processes given this run's own storage folder).
        var deadline = DateTime.UtcNow + StopTimeout;
        while (RunProcesses() is { Count: > 0 } left)
        {
            if (DateTime.UtcNow > deadline)
            {
                foreach (var pid in left)
                {
                    try
                    {
                        using var straggler = Process.GetProcessById(pid);
                        straggler.Kill(entireProcessTree: true);
                    }
                    catch (ArgumentException)
                    {
                        // Already gone.
                    }
                }

                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        _process.Dispose();
    }

    // The processes whose environment names this run's storage folder: the replicas (and anything they started).
    private List<int> RunProcesses()
    {
        var marker = Encoding.UTF8.GetBytes("Memento__Storage__Root=" + _storageRoot + "\0");
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                if (File.ReadAllBytes(Path.Combine(dir, "environ")).AsSpan().IndexOf(marker) >= 0)
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }

        return found;
    }

    [GeneratedRegex(@"Login to the dashboard at (https?://\S+)")]
    private static partial Regex LoginLine();
}
