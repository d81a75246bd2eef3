using System.CommandLine;
using Microsoft.ML.OnnxRuntime;
using Vsa.Edge.CommandLine;
using Vsa.Edge.Contracts;
using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Fetch;

namespace Vsa.Edge.Models.Cli;

/// <summary>
/// <c>vsa-model &lt;command&gt;</c>: the command tree, run with the grammar every Vsa.Edge tool shares (<see cref="CliRunner"/>:
/// <c>--name value</c> or <c>--name=value</c>, <c>--help</c> on every command, a bad command line exits 2 naming the option).
/// </summary>
public static class ToolApp
{
    /// <summary>Exit code for a failure the message explains (bad input, integrity, conversion...).</summary>
    public const int Failed = CliRunner.ExitFailure;

    /// <summary>Exit code for a bad command line.</summary>
    public const int BadUsage = CliRunner.ExitUsage;

    public static IReadOnlyList<IToolCommand> Commands { get; } =
    [
        new FetchCommand(),
        new ConvertCommand(),
        new ManifestCommand(),
        new PrepareCommand(),
        new InspectCommand(),
        new PackCommand(),
        new SignCommand(),
        new VerifyCommand(),
        new KeygenCommand(),
        new VariantCommand(),
    ];

    /// <summary>The root command with every sub-command, reporting through <paramref name="console"/>.</summary>
    public static RootCommand CreateRoot(ToolConsole console)
    {
        var root = new RootCommand("The model tool: obtain, convert and describe the agent's models; package, sign and verify them (docs/models.md).");
        foreach (var command in Commands)
        {
            root.Add(command.Create(console));
        }

        return root;
    }

    public static Task<int> RunAsync(string[] args, ToolConsole console, CancellationToken cancellationToken) =>
        CliRunner.InvokeAsync(CreateRoot(console), args, console.Out, console.Error, cancellationToken);

    /// <summary>
    /// A sub-command with <paramref name="options"/> whose <paramref name="action"/>'s explained failures (a missing file, a
    /// refused model...) print <c>error: …</c> (as every Vsa.Edge tool) and exit with <see cref="Failed"/>.
    /// </summary>
    internal static Command Command(
        string name, string description, ToolConsole console, Func<ParseResult, CancellationToken, Task<int>> action, params Option[] options)
    {
        var command = new Command(name, description);
        foreach (var option in options)
        {
            command.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                return await action(result, cancellationToken);
            }
            catch (Exception ex) when (ex is ConversionException or IntegrityException or ModelManifestException or IOException
                or InvalidDataException or UnauthorizedAccessException or System.Text.Json.JsonException or OnnxRuntimeException
                or Contracts.ModelPackages.ModelPackageException or Agent.Inference.ModelException or NotSupportedException or TimeoutException)
            {
                await console.Error.WriteLineAsync($"error: {ex.Message}");
                return Failed;
            }
        });
        return command;
    }
}
