using System.Diagnostics;
using System.Threading.Channels;

namespace Vsa.Edge.Testing;

/// <summary>
/// A real child process for end-to-end tests: its stdout lines arrive on a channel (so tests wait on what the process
/// says, not on a sleep), stderr is kept for failure messages, and the process tree is killed on dispose.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly System.Text.StringBuilder _stderr = new();
    private readonly System.Text.StringBuilder _stdout = new();

    private ChildProcess(Process process) => _process = process;

    /// <summary>The command line, for messages.</summary>
    public string CommandLine { get; private init; } = "";

    /// <summary>Lines written on stdout, in order.</summary>
    public ChannelReader<string> Lines => _lines.Reader;

    /// <summary>Everything written on stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_stderr)
            {
                return $"--- stdout ---\n{_stdout}\n--- stderr ---\n{_stderr}";
            }
        }
    }

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Exit code, once exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>OS process id.</summary>
    public int Id => _process.Id;

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>.</summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process) { CommandLine = $"{fileName} {string.Join(' ', info.ArgumentList)}" };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._lines.Writer.TryComplete();
                return;
            }

            lock (child._stderr)
            {
                child._stdout.AppendLine(e.Data);
            }

            child._lines.Writer.TryWrite(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (child._stderr)
                {
                    child._stderr.AppendLine(e.Data);
                }
            }
        };
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {child.CommandLine}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Starts a tool built by this solution (its .dll run with <c>dotnet</c>), e.g. <c>vsa-agent</c>.</summary>
    public static ChildProcess StartBuiltTool(string assemblyName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        Start("dotnet", [BuiltTools.PathOf(assemblyName), .. arguments], environment);

    /// <summary>Waits for the process to exit and returns its exit code; kills it and throws after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var guard = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{CommandLine} did not exit within {timeout}.\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>Reads stdout lines until one satisfies <paramref name="match"/>; throws with the output after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        using var guard = new CancellationTokenSource(timeout);
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(guard.Token))
            {
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        throw new TimeoutException($"{CommandLine}: no matching line within {timeout} (exited: {_process.HasExited}).\n{Output}");
    }

    /// <summary>Writes <paramref name="text"/> to the process's standard input and closes it.</summary>
    public async Task WriteStandardInputAsync(string text)
    {
        await _process.StandardInput.WriteAsync(text);
        _process.StandardInput.Close();
    }

    /// <summary>Sends SIGINT (Ctrl+C) so the process shuts down gracefully.</summary>
    public void Interrupt()
    {
        if (!_process.HasExited)
        {
            _ = SignalInterop.Kill(_process.Id, SignalInterop.Sigint);
        }
    }

    /// <summary>Sends SIGTERM, what systemd and container runtimes send to stop a service.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            _ = SignalInterop.Kill(_process.Id, SignalInterop.Sigterm);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static class SignalInterop
    {
        public const int Sigint = 2;

        public const int Sigterm = 15;

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);
    }
}

/// <summary>Where this solution's built executables are, in the configuration the tests were built in.</summary>
public static class BuiltTools
{
    private static readonly Dictionary<string, string> Projects = new()
    {
        ["vsa-agent"] = Path.Combine("agent", "Vsa.Edge.Agent"),
        ["vsa-fleet"] = Path.Combine("fleet-manager", "Vsa.Edge.FleetManager"),
        ["vsa-fleet-loadgen"] = Path.Combine("fleet-manager", "Vsa.Edge.LoadGen"),
        ["vsa-model"] = Path.Combine("models", "Vsa.Edge.Models"),
    };

    /// <summary>The build configuration of the running tests (Debug or Release), read from their output path.</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>Full path of <paramref name="assemblyName"/>.dll; throws naming the build command when it is missing.</summary>
    public static string PathOf(string assemblyName)
    {
        var project = Projects.TryGetValue(assemblyName, out var p) ? p : throw new ArgumentException($"unknown tool {assemblyName}", nameof(assemblyName));
        var path = Path.Combine(TestAssets.RepositoryRoot, project, "bin", Configuration, "net10.0", assemblyName + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built: run `dotnet build Vsa.Edge.sln -c {Configuration}`.", path);
    }
}
