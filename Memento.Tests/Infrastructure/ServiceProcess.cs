using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Memento.Tests.Infrastructure;

/// <summary>
/// A Memento project started as a real process (<c>dotnet Project.dll</c>) on a loopback port the OS
/// picks. Output is collected for assertions and diagnostics; dispose kills the whole process tree.
/// </summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    public static readonly TimeSpan DefaultStartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The first address the process reported listening on.</summary>
    public Uri BaseAddress => _listening.Task.IsCompletedSuccessfully
        ? _listening.Task.Result
        : throw new InvalidOperationException("The process has not reported a listening address.");

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote to stdout and stderr so far, one entry a line.</summary>
    public IReadOnlyList<string> Output => [.. _output];

    /// <summary>
    /// Starts <paramref name="project"/> from its build output with <c>--urls http://127.0.0.1:0</c>
    /// (unless <paramref name="args"/> names its own address) and waits until it listens.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(
        string project,
        IDictionary<string, string?>? environment = null,
        IEnumerable<string>? args = null,
        TimeSpan? timeout = null,
        bool waitForListening = true,
        string? workingDirectory = null)
    {
        var argList = args?.ToList() ?? [];
        var environmentNamesAddress = environment is not null &&
            environment.Keys.Any(k => k is "ASPNETCORE_URLS" or "ASPNETCORE_HTTP_PORTS" or "URLS");
        if (waitForListening && !argList.Contains("--urls") && !environmentNamesAddress)
        {
            argList.AddRange(["--urls", "http://127.0.0.1:0"]);
        }

        var dll = RepoPaths.ProjectDll(project);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(dll)!,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in argList)
        {
            info.ArgumentList.Add(arg);
        }

        // Tests must not pick up the developer's own telemetry or environment choices.
        info.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_NOLOGO"] = "1";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                if (value is null)
                {
                    info.Environment.Remove(key);
                }
                else
                {
                    info.Environment[key] = value;
                }
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var service = new ServiceProcess(process);
        process.OutputDataReceived += (_, e) => service.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => service.OnLine(e.Data);
        process.Exited += (_, _) => service._listening.TrySetException(
            new InvalidOperationException($"{project} exited with code {SafeExitCode(process)} before listening.\n{service.Tail()}"));

        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        if (waitForListening)
        {
            try
            {
                await service._listening.Task.WaitAsync(timeout ?? DefaultStartTimeout);
            }
            catch (TimeoutException)
            {
                await service.DisposeAsync();
                throw new TimeoutException($"{project} did not report a listening address within {timeout ?? DefaultStartTimeout}.\n{service.Tail()}");
            }
            catch
            {
                await service.DisposeAsync();
                throw;
            }
        }

        return service;
    }

    /// <summary>Waits until a line of output matches <paramref name="pattern"/>, and returns it.</summary>
    public async Task<string> WaitForOutputAsync(Regex pattern, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!cts.IsCancellationRequested)
        {
            var match = _output.FirstOrDefault(pattern.IsMatch);
            if (match is not null)
            {
                return match;
            }

            if (_process.HasExited)
            {
                // The last lines can still be on their way when the process is seen to exit: wait for the
                // end of its output (this overload does), then look once more.
                _process.WaitForExit();
                return _output.FirstOrDefault(pattern.IsMatch)
                    ?? throw new InvalidOperationException($"The process exited (code {SafeExitCode(_process)}) without output matching {pattern}.\n{Tail()}");
            }

            try
            {
                await Task.Delay(50, cts.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        throw new TimeoutException($"No output matched {pattern} within {timeout}.\n{Tail()}");
    }

    /// <summary>Writes a line to the process's standard input.</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Waits for the process to exit by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Kills the process tree at once (the equivalent of <c>kill -9</c>) and waits for it to go.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _process.WaitForExitAsync(cts.Token);
    }

    /// <summary>The last lines of output, for failure messages.</summary>
    public string Tail(int lines = 40) => string.Join('\n', _output.TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started, or already reaped.
        }
        catch (OperationCanceledException)
        {
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        var match = ListeningLine().Match(line);
        if (match.Success)
        {
            _listening.TrySetResult(new Uri(match.Groups["url"].Value));
        }
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    [GeneratedRegex(@"Now listening on: (?<url>https?://\S+)")]
    private static partial Regex ListeningLine();
}
