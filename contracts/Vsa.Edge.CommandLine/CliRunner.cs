using System.CommandLine;

namespace Vsa.Edge.CommandLine;

/// <summary>
/// Runs a System.CommandLine command tree with the conventions shared by every Vsa.Edge tool: <c>--name value</c> and
/// <c>--name=value</c> both accepted, <c>--help</c> on every command, a command line that does not parse prints
/// <c>error: …</c> lines naming the wrong option (then a pointer to <c>--help</c>) on standard error and exits with
/// <see cref="ExitUsage"/>; a command's own failure is its own exit code (1 by convention).
/// </summary>
public static class CliRunner
{
    /// <summary>Exit code of a command that ran and succeeded.</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code of a command that ran and failed.</summary>
    public const int ExitFailure = 1;

    /// <summary>Exit code of a command line that does not parse (unknown option, missing or bad value).</summary>
    public const int ExitUsage = 2;

    /// <summary>Parses <paramref name="args"/> against <paramref name="root"/> and runs the chosen command's action.</summary>
    public static Task<int> InvokeAsync(
        RootCommand root, IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        InvokeAsync(root, args, output, error, handleTermination: true, cancellationToken);

    /// <summary>
    /// <see cref="InvokeAsync(RootCommand, IReadOnlyList{string}, TextWriter, TextWriter, CancellationToken)"/>; with
    /// <paramref name="handleTermination"/> false, Ctrl+C/SIGTERM are left to the command (a Generic Host's graceful stop, a
    /// replay that prints its summary) instead of System.CommandLine's (cancel, then end the process 2 s later at most).
    /// </summary>
    /// <param name="root">The command tree.</param>
    /// <param name="args">The command line.</param>
    /// <param name="output">Standard output (help).</param>
    /// <param name="error">Standard error (usage errors).</param>
    /// <param name="handleTermination">Whether System.CommandLine handles Ctrl+C and SIGTERM.</param>
    /// <param name="cancellationToken">Cancels the command's action.</param>
    public static async Task<int> InvokeAsync(
        RootCommand root, IReadOnlyList<string> args, TextWriter output, TextWriter error, bool handleTermination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        // No response files: an `@file` token stays a value, never the contents of a file (whose lines a parse error would
        // echo to whoever called the tool).
        var result = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (result.Errors.Count > 0)
        {
            foreach (var parseError in result.Errors)
            {
                await error.WriteLineAsync($"error: {parseError.Message}").ConfigureAwait(false);
            }

            var path = CommandPath(result);
            await error.WriteLineAsync($"see '{path} --help'").ConfigureAwait(false);
            return ExitUsage;
        }

        // Without EnableDefaultExceptionHandler = false, System.CommandLine catches every exception an action throws (the
        // CliUsageException below included), prints "Unhandled exception" and returns 1.
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        if (!handleTermination)
        {
            configuration.ProcessTerminationTimeout = null;
        }

        try
        {
            return await result.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (CliUsageException ex)
        {
            // A check that needs several options at once (or a file's content) failed inside the action: the same two lines
            // as a parse error (the pointer unless the message already has one).
            await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            if (!ex.Message.Contains("--help", StringComparison.Ordinal))
            {
                await error.WriteLineAsync($"see '{CommandPath(result)} --help'").ConfigureAwait(false);
            }

            return ExitUsage;
        }
    }

    private static string CommandPath(ParseResult result)
    {
        var names = new List<string>();
        for (var current = result.CommandResult; current is not null; current = current.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, current.Command.Name);
        }

        return string.Join(' ', names);
    }
}

/// <summary>A command line that parses but makes no sense as a whole; the message says which option is wrong.</summary>
public sealed class CliUsageException : Exception
{
    public CliUsageException()
    {
    }

    public CliUsageException(string message)
        : base(message)
    {
    }

    public CliUsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
