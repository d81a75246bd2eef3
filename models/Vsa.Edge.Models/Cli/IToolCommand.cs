using System.CommandLine;

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
    /// <summary>The sub-command (its options, <c>--help</c> text and action), reporting through <paramref name="console"/>.</summary>
    Command Create(ToolConsole console);
}
