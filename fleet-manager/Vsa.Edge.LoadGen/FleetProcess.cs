using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Vsa.Edge.LoadGen;

/// <summary>The real <c>vsa-fleet</c> executable in its own process, as deployed, with its log kept for the report.</summary>
internal sealed class FleetProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private bool _disposed;

    private FleetProcess(Process process, int httpPort)
    {
        _process = process;
        HttpPort = httpPort;
    }

    /// <summary>Environment variables with this prefix are given to the fleet's process without it.</summary>
    public const string FleetEnvironmentPrefix = "LOADGEN_FLEET_";

    public int HttpPort { get; }

    public int ProcessId => _process.Id;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts the fleet manager and returns once <c>/health/ready</c> answers 200 (subscribed to its broker).</summary>
    public static async Task<FleetProcess> StartAsync(IEnumerable<string> settings, TimeSpan timeout)
    {
        var httpPort = Vsa.Edge.Testing.MosquittoFixture.FreeLoopbackPort();
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "vsa-fleet"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // Runtime settings for the fleet alone (not the load generator's own process), e.g. LOADGEN_FLEET_DOTNET_TieredPGO=0.
        foreach (var (name, value) in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(e => ((string)e.Key, (string?)e.Value)).Where(e => e.Item1.StartsWith(FleetEnvironmentPrefix, StringComparison.Ordinal)))
        {
            info.Environment[name[FleetEnvironmentPrefix.Length..]] = value;
        }

        // Free loopback ports for everything it listens on: other fleets may run beside it.
        foreach (var argument in settings.Concat(["--urls", $"http://127.0.0.1:{httpPort}", "--Logging:LogLevel:Default", "Warning",
            "--Fleet:Models:DeliveryPort", Vsa.Edge.Testing.MosquittoFixture.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture),
            "--Logging:LogLevel:Vsa.Edge.FleetManager.Ingestion.IngestionWriter", "Information"]))
        {
            info.ArgumentList.Add(argument);
        }

        var fleet = new FleetProcess(new Process { StartInfo = info }, httpPort);
        fleet._process.OutputDataReceived += (_, e) => fleet.Append(e.Data);
        fleet._process.ErrorDataReceived += (_, e) => fleet.Append(e.Data);
        fleet._process.Start();
        fleet._process.BeginErrorReadLine();
        fleet._process.BeginOutputReadLine();

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (fleet._process.HasExited)
            {
                throw new InvalidOperationException($"vsa-fleet exited with code {fleet._process.ExitCode}:{Environment.NewLine}{fleet.Log}");
            }

            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode)
                {
                    return fleet;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or too busy to answer within the probe's timeout (a loaded machine).
            }

            if (deadline.Elapsed > timeout)
            {
                await fleet.DisposeAsync();
                throw new TimeoutException($"vsa-fleet was not ready within {timeout}:{Environment.NewLine}{fleet.Log}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Resident memory of the process, in MiB (Linux).</summary>
    public double ResidentMiB()
    {
        var status = File.ReadAllLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return double.Parse(status.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    /// <summary>Stops it with SIGTERM (graceful: the ingestion disconnects keeping its session), SIGKILL after 15 s.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(guard.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    /// <summary>Stops it (as <see cref="DisposeAsync"/>) and returns its line saying how many transactions held how many messages.</summary>
    public async Task<string> StopAndReportBatchesAsync()
    {
        await DisposeAsync();
        return Log.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Contains("transactions", StringComparison.Ordinal)) ?? "(no writer report)";
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }
}
