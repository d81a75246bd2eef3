using System.Globalization;

namespace Vsa.Edge.Agent.Commands;

/// <summary>A command line that does not parse; the message says which option is wrong.</summary>
public sealed class UsageException : Exception
{
    public UsageException()
    {
    }

    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// <c>--name value</c> options of one command, and <c>--name</c> flags without a value: each may appear once; unknown
/// options and stray arguments are errors, so a typo never silently falls back on a default.
/// </summary>
internal sealed class CommandLineArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public CommandLineArgs(IReadOnlyList<string> args, IReadOnlyCollection<string> known, IReadOnlyCollection<string>? flags = null)
    {
        flags ??= [];
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (flags.Contains(name))
            {
                if (!_flags.Add(name))
                {
                    throw new UsageException($"option '{name}' is given twice");
                }

                continue;
            }

            if (!name.StartsWith("--", StringComparison.Ordinal) || !known.Contains(name))
            {
                throw new UsageException($"unknown option '{name}' (expected {string.Join(", ", known.Concat(flags))})");
            }

            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"option '{name}' needs a value");
            }

            if (!_values.TryAdd(name, args[++i]))
            {
                throw new UsageException($"option '{name}' is given twice");
            }
        }
    }

    public string? Get(string name)
    {
        _read.Add(name);
        return _values.GetValueOrDefault(name);
    }

    /// <summary>Whether the flag <paramref name="name"/> (an option without a value) is given.</summary>
    public bool Has(string name) => _flags.Contains(name);

    public string Require(string name) => Get(name) ?? throw new UsageException($"option '{name}' is required");

    public int? GetInt(string name, int min, int max)
    {
        var text = Get(name);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v
            : throw new UsageException($"option '{name}' must be an integer in [{min}, {max}], not '{text}'");
    }

    public float? GetFloat(string name, float min, float max)
    {
        var text = Get(name);
        if (text is null)
        {
            return null;
        }

        return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v
            : throw new UsageException($"option '{name}' must be a number in [{min}, {max}], not '{text}'");
    }

    public DateTimeOffset? GetTimestamp(string name)
    {
        var text = Get(name);
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var v)
            ? v.ToUniversalTime()
            : throw new UsageException($"option '{name}' must be an ISO 8601 timestamp, not '{text}'");
    }
}
