using System.CommandLine;
using Vsa.Edge.Agent.Models;
using Vsa.Edge.Agent.Platform;
using Vsa.Edge.Agent.Provisioning;
using Vsa.Edge.Agent.Setup;
using Vsa.Edge.CommandLine;

namespace Vsa.Edge.Agent.Commands;

/// <summary>
/// The one command-line grammar of <c>vsa-agent</c> (System.CommandLine, conventions of <see cref="CliRunner"/>):
/// <c>run</c>, <c>analyze</c>, <c>enrol</c>, <c>provision check|selftest|setup</c>, <c>model install|status|rollback</c>.
/// Each command's options and checks are declared beside its arguments record; the command classes take the parsed record.
/// </summary>
public static class AgentCommandLine
{
    /// <summary>The command tree wired to the console (Program.cs).</summary>
    public static RootCommand CreateForConsole()
    {
        var stdout = Console.Out;
        var stderr = Console.Error;
        return new RootCommand("vsa-agent: the edge agent (run), its replay (analyze), enrolment, the installer's tools and model updates.")
        {
            RunCommand.Definition((a, ct) => RunCommand.RunAsync(a, stderr, ct)),
            AnalyzeArguments.Definition((a, _) => AnalyzeCommand.RunFromConsoleAsync(a)),
            EnrolArguments.Definition((a, ct) => EnrolCommand.RunAsync(a, stdout, stderr, cancellationToken: ct)),
            ProvisionCommand.Definition(
                check: (a, ct) => ProvisionCommand.CheckAsync(a, stdout, TerminalOutput.UseColour(Console.IsOutputRedirected), new SystemPreflight(HostFiles.Instance, TimeProvider.System), ct),
                selftest: (a, ct) => SelfTestCommand.RunAsync(a, stdout, TerminalOutput.UseColour(Console.IsOutputRedirected), Console.In, new SystemPreflight(HostFiles.Instance, TimeProvider.System), ct),
                setup: (a, _) => SetupCommand.RunFromConsoleAsync(a)),
            ModelCommand.Definition(stdout, stderr),
        };
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/> against <paramref name="root"/>: usage errors print <c>error: …</c> naming the
    /// option and exit 2. Signals are left to the commands (each stops as it did before: the host gracefully, a replay with
    /// its summary).
    /// </summary>
    public static Task<int> InvokeAsync(RootCommand root, IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        CliRunner.InvokeAsync(root, args, stdout, stderr, handleTermination: false, cancellationToken);

    /// <summary>The command line of one command (arguments after its name) through the same grammar; for tests and string entry points.</summary>
    internal static Task<int> InvokeOneAsync(Command command, IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        InvokeAsync(new RootCommand { command }, [command.Name, .. args], stdout, stderr, cancellationToken);

    /// <summary>A command whose action binds its options to <typeparamref name="T"/> and runs <paramref name="run"/>.</summary>
    internal static Command Define<T>(string name, string description, IEnumerable<Option> options, Func<ParseResult, T> bind, Func<T, CancellationToken, Task<int>> run)
    {
        var command = new Command(name, description);
        foreach (var option in options)
        {
            command.Add(option);
        }

        command.SetAction((result, ct) => run(bind(result), ct));
        return command;
    }
}
