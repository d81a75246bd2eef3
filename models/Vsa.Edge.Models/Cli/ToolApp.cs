using Microsoft.ML.OnnxRuntime;
using Vsa.Edge.Contracts;
using Vsa.Edge.Models.Conversion;
using Vsa.Edge.Models.Fetch;

namespace Vsa.Edge.Models.Cli;

/// <summary>Dispatches <c>vsa-model &lt;command&gt;</c> and maps failures to messages and exit codes.</summary>
public static class ToolApp
{
    /// <summary>Exit code for a failure the message explains (bad input, integrity, conversion...).</summary>
    public const int Failed = 1;

    /// <summary>Exit code for a bad command line.</summary>
    public const int BadUsage = 2;

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

    public static async Task<int> RunAsync(string[] args, ToolConsole console, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintHelp(args.Length == 0 ? console.Error : console.Out);
            return args.Length == 0 ? BadUsage : 0;
        }

        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            await console.Error.WriteLineAsync($"vsa-model: unknown command '{args[0]}'");
            PrintHelp(console.Error);
            return BadUsage;
        }

        if (args.Skip(1).Any(a => a is "-h" or "--help"))
        {
            await console.Out.WriteLineAsync(command.Usage);
            return 0;
        }

        try
        {
            var parsed = CommandArgs.Parse(args[1..], command.ValueOptions, command.Flags);
            return await command.RunAsync(parsed, console, cancellationToken);
        }
        catch (UsageException ex)
        {
            await console.Error.WriteLineAsync($"vsa-model {command.Name}: {ex.Message}\nusage: {command.Usage}");
            return BadUsage;
        }
        catch (Exception ex) when (ex is ConversionException or IntegrityException or ModelManifestException or IOException
            or InvalidDataException or UnauthorizedAccessException or System.Text.Json.JsonException or OnnxRuntimeException or Contracts.ModelPackages.ModelPackageException or Agent.Inference.ModelException or NotSupportedException or TimeoutException)
        {
            await console.Error.WriteLineAsync($"vsa-model {command.Name}: error: {ex.Message}");
            return Failed;
        }
    }

    private static void PrintHelp(TextWriter writer)
    {
        writer.WriteLine("usage: vsa-model <command> [options]   (vsa-model <command> --help for its options)");
        foreach (var command in Commands)
        {
            writer.WriteLine($"  {command.Name,-9} {command.Summary}");
        }
    }
}
