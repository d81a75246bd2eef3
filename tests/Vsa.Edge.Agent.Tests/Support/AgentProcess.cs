using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Support;

/// <summary>The built <c>vsa-agent</c> as a child process (<c>dotnet vsa-agent.dll …</c>), its output lines observable.</summary>
internal sealed class AgentProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<(Regex Pattern, TaskCompletionSource<Match> Done)> _waiters = [];
    private readonly Lock _gate = new();

    private AgentProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The agent project's own build output, same configuration as this test assembly.</summary>
    public static string AgentDll
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            var path = Path.Combine(TestAssets.RepositoryRoot, "agent", "Vsa.Edge.Agent", "bin", configuration, "net10.0", "vsa-agent.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"Build the agent first (dotnet build agent/Vsa.Edge.Agent -c {configuration}).", path);
        }
    }

    public static AgentProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(AgentDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var agent = new AgentProcess(new Process { StartInfo = info });
        agent._process.OutputDataReceived += (_, e) => agent.Append(e.Data);
        agent._process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
        agent._process.Start();
        agent._process.BeginOutputReadLine();
        agent._process.BeginErrorReadLine();
        return agent;
    }

    /// <summary>Completes with the first output line (past or future) matching <paramref name="pattern"/>.</summary>
    public Task<Match> WaitForLineAsync(string pattern, TimeSpan guard)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        var done = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            foreach (var line in _output.ToString().Split('\n'))
            {
                if (regex.Match(line) is { Success: true } match)
                {
                    return Task.FromResult(match);
                }
            }

            _waiters.Add((regex, done));
        }

        return done.Task.WaitAsync(guard);
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash or an OOM kill.</summary>
    public void KillHard()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.AppendLine(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Pattern.Match(line) is { Success: true } match)
                {
                    _waiters[i].Done.TrySetResult(match);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
