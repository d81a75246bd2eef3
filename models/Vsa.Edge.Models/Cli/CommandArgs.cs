namespace Vsa.Edge.Models.Cli;

/// <summary>Parsed arguments of one command: <c>--name value</c> / <c>--name=value</c> options, flags, positionals.</summary>
public sealed class CommandArgs
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CommandArgs(List<string> positionals) => Positionals = positionals;

    public IReadOnlyList<string> Positionals { get; }

    /// <summary>Parses strictly: an unknown option, a missing value or a repeated option is a usage error.</summary>
    public static CommandArgs Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> valueOptions, IReadOnlyCollection<string> flags)
    {
        var result = new CommandArgs([]);
        var positionals = (List<string>)result.Positionals;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                positionals.Add(arg);
                continue;
            }

            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? arg[2..eq] : arg[2..];
            if (flags.Contains(name) && eq < 0)
            {
                result._flags.Add(name);
            }
            else if (valueOptions.Contains(name))
            {
                var value = eq > 0 ? arg[(eq + 1)..] : i + 1 < args.Count ? args[++i] : throw new UsageException($"option --{name} needs a value");
                if (!result._options.TryAdd(name, value))
                {
                    throw new UsageException($"option --{name} given twice");
                }
            }
            else
            {
                throw new UsageException($"unknown option {arg}");
            }
        }

        return result;
    }

    public string? Option(string name) => _options.GetValueOrDefault(name);

    public string RequiredOption(string name) => _options.TryGetValue(name, out var v) ? v : throw new UsageException($"option --{name} is required");

    public bool Flag(string name) => _flags.Contains(name);
}

/// <summary>Bad command line: the tool prints the message and the command's usage, exit code 2.</summary>
public sealed class UsageException : Exception
{
    public UsageException()
    {
    }

    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
