using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Vsa.Edge.CommandLine;

/// <summary>
/// More options checked at parse time (see <see cref="CliOptions"/>): any integer or number (the range is the receiver's
/// business), comma-separated lists, calendar dates, a non-negative identifier argument. Values are read with the invariant
/// culture; a wrong one is a usage error naming the option and the value.
/// </summary>
public static class CliValueOptions
{
    /// <summary>An integer option, any value.</summary>
    public static Option<int?> Int(string name, string description) =>
        new(name)
        {
            Description = description,
            CustomParser = r => Parse(r, name, "an integer", text =>
                int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : (int?)null),
        };

    /// <summary>A number option (e.g. 0.25), any value.</summary>
    public static Option<double?> Number(string name, string description) =>
        new(name)
        {
            Description = description,
            CustomParser = r => Parse(r, name, "a number (e.g. 0.25)", text =>
                double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) ? v : (double?)null),
        };

    /// <summary>A comma-separated list (<c>a,b,c</c>; blanks around items and empty items dropped).</summary>
    public static Option<IReadOnlyList<string>?> List(string name, string description) =>
        new(name)
        {
            Description = description,
            CustomParser = r => Split(Last(r)),
        };

    /// <summary>A comma-separated list of numbers (<c>10,50,100</c>).</summary>
    public static Option<IReadOnlyList<double>?> NumberList(string name, string description) =>
        new(name)
        {
            Description = description,
            CustomParser = r =>
            {
                var text = Last(r);
                var values = new List<double>();
                foreach (var item in Split(text))
                {
                    if (!double.TryParse(item, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                    {
                        r.AddError($"option '{name}' must be numbers separated by commas (e.g. 10,50,100), not '{text}'");
                        return null;
                    }

                    values.Add(v);
                }

                return values;
            },
        };

    /// <summary>A calendar date option written <c>yyyy-MM-dd</c>.</summary>
    public static Option<DateOnly?> Date(string name, string description) =>
        new(name)
        {
            Description = $"{description} (yyyy-MM-dd)",
            CustomParser = r => Parse(r, name, "a date like 2025-05-01", text =>
                DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var v) ? v : (DateOnly?)null),
        };

    /// <summary>A string option that takes one of <paramref name="values"/> (compared as written).</summary>
    public static Option<string> OneOf(string name, string description, params string[] values)
    {
        var option = new Option<string>(name) { Description = description, HelpName = string.Join('|', values) };
        option.Validators.Add(r =>
        {
            var text = Last(r);
            if (r.Tokens.Count > 0 && !values.Contains(text, StringComparer.Ordinal))
            {
                r.AddError($"option '{name}' must be {string.Join(", ", values[..^1])}{(values.Length > 1 ? " or " : string.Empty)}{values[^1]}, not '{text}'");
            }
        });
        return option;
    }

    /// <summary>
    /// A flag that must be given (<c>--password-stdin</c>: the user says that the secret comes on standard input); a flag's
    /// <see cref="Option.Required"/> alone is not checked, a flag having a default value.
    /// </summary>
    public static Option<bool> RequiredFlag(Command command, string name, string description, string why)
    {
        ArgumentNullException.ThrowIfNull(command);
        var option = new Option<bool>(name) { Description = description, Required = true };
        command.Options.Add(option);
        command.Validators.Add(r =>
        {
            if (r.GetResult(option) is null)
            {
                r.AddError($"option '{name}' is required: {why}");
            }
        });
        return option;
    }

    /// <summary>A required argument that is a whole number, 0 or more, digits only.</summary>
    public static Argument<long> Id(string name, string description) =>
        new(name)
        {
            Description = description,
            CustomParser = r =>
            {
                var text = Last(r);
                if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                {
                    return v;
                }

                r.AddError($"argument <{name}> must be a whole number, not '{text}'");
                return 0;
            },
        };

    private static string Last(SymbolResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;

    private static string[] Split(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static T? Parse<T>(ArgumentResult result, string name, string expected, Func<string, T?> parse)
        where T : struct
    {
        var text = Last(result);
        var value = parse(text);
        if (value is null)
        {
            result.AddError($"option '{name}' must be {expected}, not '{text}'");
        }

        return value;
    }
}
