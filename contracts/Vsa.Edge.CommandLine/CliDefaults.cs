using System.CommandLine;
using System.Globalization;

namespace Vsa.Edge.CommandLine;

/// <summary>
/// Checked options with a default: the same checks and messages as <see cref="CliOptions"/>, a value that is never
/// missing, and <c>--help</c> showing the default.
/// </summary>
public static class CliDefaults
{
    /// <summary>An integer option in [<paramref name="min"/>, <paramref name="max"/>], <paramref name="defaultValue"/> when not given.</summary>
    public static Option<int> IntIn(string name, int defaultValue, int min, int max, string description)
    {
        var checkedOption = CliOptions.IntIn(name, min, max, description);
        return new(name)
        {
            Description = checkedOption.Description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => checkedOption.CustomParser!(r) ?? defaultValue,
        };
    }

    /// <summary>A number option in [<paramref name="min"/>, <paramref name="max"/>], <paramref name="defaultValue"/> when not given.</summary>
    public static Option<double> NumberIn(string name, double defaultValue, double min, double max, string description)
    {
        var checkedOption = CliOptions.NumberIn(name, min, max, description);
        return new(name)
        {
            Description = string.Create(CultureInfo.InvariantCulture, $"{description} [{min}–{max}]"),
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => checkedOption.CustomParser!(r) ?? defaultValue,
        };
    }
}
