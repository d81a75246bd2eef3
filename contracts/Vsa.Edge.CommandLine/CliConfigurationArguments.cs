using System.CommandLine;

namespace Vsa.Edge.CommandLine;

/// <summary>
/// Configuration keys given on a command line, as a .NET host reads them (<c>--Section:Key value</c> or
/// <c>--Section:Key=value</c>): a command that accepts them leaves its unknown tokens unmatched, and its action reads them
/// here, checked pair by pair, in the order given (a later pair overrides an earlier one, as in the host).
/// </summary>
public static class CliConfigurationArguments
{
    /// <summary>The line added to the description of a command that accepts configuration keys.</summary>
    public const string Help = "Any --Section:Key value pair (or --Section:Key=value) is passed to the configuration.";

    /// <summary>Lets <paramref name="command"/> take configuration keys besides its options (see <see cref="Read"/>).</summary>
    public static TCommand AcceptingConfiguration<TCommand>(this TCommand command)
        where TCommand : Command
    {
        ArgumentNullException.ThrowIfNull(command);
        command.TreatUnmatchedTokensAsErrors = false;
        return command;
    }

    /// <summary>
    /// The configuration arguments of <paramref name="result"/> (its unmatched tokens), ready for a host's command-line
    /// configuration; a token that is neither a <c>--Section:Key</c> with its value nor a <c>--Section:Key=value</c> is a
    /// <see cref="CliUsageException"/> naming it.
    /// </summary>
    public static IReadOnlyList<string> Read(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var tokens = result.UnmatchedTokens;
        var arguments = new List<string>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (!IsKey(token))
            {
                throw new CliUsageException($"unrecognized argument '{token}' (configuration keys are written --Section:Key value); see '{Path(result)} --help'");
            }

            arguments.Add(token);
            if (token.Contains('=', StringComparison.Ordinal))
            {
                continue;
            }

            if (i + 1 >= tokens.Count)
            {
                throw new CliUsageException($"configuration key '{token}' needs a value; see '{Path(result)} --help'");
            }

            arguments.Add(tokens[++i]);
        }

        return arguments;
    }

    // "--Fleet:Storage:DataDirectory", "--Fleet:Audit:CheckpointFile=x": a section, a colon, a key.
    private static bool IsKey(string token) =>
        token.StartsWith("--", StringComparison.Ordinal) && token.IndexOf(':', StringComparison.Ordinal) is > 2 and var colon
        && colon < (token.IndexOf('=', StringComparison.Ordinal) is >= 0 and var equals ? equals : token.Length) - 1;

    private static string Path(ParseResult result)
    {
        var names = new List<string>();
        for (var current = result.CommandResult; current is not null; current = current.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, current.Command.Name);
        }

        return string.Join(' ', names);
    }
}
