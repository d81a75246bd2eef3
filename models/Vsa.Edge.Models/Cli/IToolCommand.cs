namespace Vsa.Edge.Models.Cli;

/// <summary>Console and clock a command reports through (tests pass writers and a fake clock).</summary>
public sealed class ToolConsole(TextWriter output, TextWriter error, TimeProvider time)
{
    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public TimeProvider Time { get; } = time;

    /// <summary>Seconds since <paramref name="start"/> (a <see cref="TimeProvider.GetTimestamp"/> value), for progress lines.</summary>
    public string Since(long start) => $"{Time.GetElapsedTime(start).TotalSeconds:0.0} s";
}

/// <summary>One sub-command of <c>vsa-model</c>.</summary>
public interface IToolCommand
{
    string Name { get; }

    /// <summary>One line for the tool's help.</summary>
    string Summary { get; }

    /// <summary>Usage line(s) shown with <c>--help</c> and after a usage error.</summary>
    string Usage { get; }

    IReadOnlyCollection<string> ValueOptions { get; }

    IReadOnlyCollection<string> Flags { get; }

    /// <summary>Runs the command; returns the process exit code.</summary>
    Task<int> RunAsync(CommandArgs args, ToolConsole console, CancellationToken cancellationToken);
}
