using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Memento.LoadTest.Server;

/// <summary>How to start a server replica: the built server assembly and its environment.</summary>
public sealed record ServerLaunch(string ServerDll, string StorageRoot, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>
    /// What every server the load test starts gets unless <c>--server-env</c> says otherwise: the per-user
    /// rate limit (600 requests a minute by default) lifted, since the benchmark measures the server's
    /// speed, not its throttle; and warnings-only logging, so console output does not compete for the CPU.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> BenchmarkDefaults = new Dictionary<string, string>
    {
        ["Memento__Http__RateLimitPermits"] = "1000000",
        ["Memento__Http__LoopbackRateLimitPermits"] = "1000000",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
    };

    /// <summary><paramref name="explicitEnvironment"/> over <paramref name="extra"/> over <see cref="BenchmarkDefaults"/>.</summary>
    public static IReadOnlyDictionary<string, string> WithDefaults(IReadOnlyDictionary<string, string> explicitEnvironment, IReadOnlyDictionary<string, string>? extra = null)
    {
        var merged = new Dictionary<string, string>(BenchmarkDefaults, StringComparer.Ordinal);
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            merged[key] = value;
        }

        foreach (var (key, value) in explicitEnvironment)
        {
            merged[key] = value;
        }

        return merged;
    }

    /// <summary>The Release build of the server beside this repository's load test, when there is one.</summary>
    public static string DefaultServerDll(string configuration = "Release")
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Memento.sln")))
            {
                return Path.Combine(dir.FullName, "Memento.McpServer", "bin", configuration, "net10.0", "Memento.McpServer.dll");
            }
        }

        throw new InvalidOperationException("Memento.sln not found above " + AppContext.BaseDirectory + "; pass --server-dll.");
    }
}

/// <summary>
/// A Memento server replica run as a real process (<c>dotnet Memento.McpServer.dll --urls ...</c>) on a
/// fixed loopback port, so that after a kill it comes back where clients expect it.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ServerLaunch _launch;
    private Process? _process;

    public ServerProcess(ServerLaunch launch, int port, string name = "server")
    {
        _launch = launch;
        Port = port;
        Name = name;
    }

    public string Name { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public Uri McpEndpoint => new(BaseAddress, "/mcp");

    public int Pid => _process?.Id ?? throw new InvalidOperationException($"{Name} is not running.");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>When the last start began (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public long StartedAt { get; private set; }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the process and returns at once; see <see cref="WaitAliveAsync"/>.</summary>
    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is already running.");
        }

        if (!File.Exists(_launch.ServerDll))
        {
            throw new FileNotFoundException($"The server is not built at {_launch.ServerDll}; run `dotnet build Memento.McpServer -c Release` first.", _launch.ServerDll);
        }

        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(_launch.ServerDll)!,
        };
        info.ArgumentList.Add(_launch.ServerDll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(BaseAddress.ToString().TrimEnd('/'));
        info.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["Memento__Storage__Root"] = _launch.StorageRoot;
        foreach (var (key, value) in _launch.Environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        StartedAt = Stopwatch.GetTimestamp();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>Waits until <c>/alive</c> answers 200; fails early when the process exits.</summary>
    public async Task WaitAliveAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            if (!IsRunning)
            {
                throw new InvalidOperationException($"{Name} exited before it was alive.\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync("/alive", cts.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cts.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{Name} was not alive within {timeout}.\n{Tail()}");
            }

            try
            {
                await Task.Delay(25, cts.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{Name} was not alive within {timeout}.\n{Tail()}");
            }
        }
    }

    public async Task StartAndWaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        Start();
        await WaitAliveAsync(timeout, cancellationToken);
    }

    /// <summary>SIGKILL (<c>kill -9</c>): no shutdown hooks, no flushing; waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _process.WaitForExitAsync(cts.Token);
        _process.Dispose();
        _process = null;
    }

    public string Tail(int lines = 30) => string.Join('\n', _output.TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 500 && _output.TryDequeue(out _))
        {
        }
    }
}
