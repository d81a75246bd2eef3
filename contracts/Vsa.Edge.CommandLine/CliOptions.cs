using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Vsa.Edge.CommandLine;

/// <summary>
/// Options whose values are checked at parse time, with messages that name the option and the value given, the same in
/// every tool.
/// </summary>
public static class CliOptions
{
    /// <summary>An integer option that must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<int?> IntIn(string name, int min, int max, string description) =>
        new(name)
        {
            Description = $"{description} [{min.ToString(CultureInfo.InvariantCulture)}–{max.ToString(CultureInfo.InvariantCulture)}]",
            CustomParser = r => Parse<int>(r, name, text =>
                int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
                    ? v
                    : (int?)null, $"an integer in [{min}, {max}]"),
        };

    /// <summary>A number option that must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<double?> NumberIn(string name, double min, double max, string description) =>
        new(name)
        {
            Description = description,
            CustomParser = r => Parse<double>(r, name, text =>
                double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
                    ? v
                    : (double?)null, $"a number in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]"),
        };

    /// <summary>An ISO 8601 timestamp option (UTC when no offset is given).</summary>
    public static Option<DateTimeOffset?> Timestamp(string name, string description) =>
        new(name)
        {
            Description = description,
            CustomParser = r => Parse<DateTimeOffset>(r, name, text =>
                DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var v)
                    ? v.ToUniversalTime()
                    : (DateTimeOffset?)null, "an ISO 8601 timestamp"),
        };

    /// <summary>A string option that is required.</summary>
    public static Option<string> Required(string name, string description) =>
        new(name) { Description = description, Required = true };

    private static T? Parse<T>(ArgumentResult result, string name, Func<string, T?> parse, string expected)
        where T : struct
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        var value = parse(text);
        if (value is null)
        {
            result.AddError($"option '{name}' must be {expected}, not '{text}'");
        }

        return value;
    }
}
