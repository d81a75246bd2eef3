using System.Globalization;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Configuration.Tests;

public sealed class EventParametersTests
{
    [Fact]
    public void Docs_EveryEventSection_ListsEachParameterWithItsDefault()
    {
        var docs = File.ReadAllText(Path.Combine(TestAssets.RepositoryRoot, "docs", "events.md"));

        foreach (var type in Enum.GetValues<EventType>())
        {
            var heading = $"### `{EventTypes.ToWireName(type)}`";
            var start = docs.IndexOf(heading, StringComparison.Ordinal);
            Assert.True(start >= 0, $"docs/events.md has no section {heading}");
            var end = docs.IndexOf("\n## ", start, StringComparison.Ordinal) is var e and >= 0 ? Math.Min(e, Next(docs, start)) : Next(docs, start);
            var section = docs[start..end];
            Assert.Contains($"| `minDurationSeconds` | {Format(EventParameters.DefaultMinDuration(type))} |", section, StringComparison.Ordinal);
            foreach (var spec in EventParameters.For(type))
            {
                Assert.Contains($"| `{spec.Name}` | {Format(spec.Default)} | {spec.Unit} | {Format(spec.Min)} – {Format(spec.Max)} |", section, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Resolve_NothingGiven_EveryDefault()
    {
        var errors = new List<string>();

        var values = EventParameters.Resolve(EventType.CrowdMovement, null, calibrated: true, "events[0]", errors);

        Assert.Empty(errors);
        Assert.Equal(EventParameters.For(EventType.CrowdMovement).Select(s => (s.Name, s.Default)), values.Select(v => (v.Key, v.Value)));
    }

    [Theory]
    [InlineData("minTracks", 1, "events[0].parameters.minTracks: 1 outside [2, 500] persons")]
    [InlineData("minSpeedFrame", 0.2, "events[0].parameters.minSpeedFrame: applies to uncalibrated cameras only")]
    [InlineData("speed", 2, "events[0].parameters.speed: unknown parameter of crowd_movement (known: minTracks, minFraction,")]
    [InlineData("minFraction", double.NaN, "events[0].parameters.minFraction: NaN outside [0.1, 1] ratio")]
    public void Resolve_BadValue_ErrorNamesTheParameter(string name, double value, string expected)
    {
        var errors = new List<string>();

        var values = EventParameters.Resolve(EventType.CrowdMovement, new Dictionary<string, double> { [name] = value }, calibrated: true, "events[0]", errors);

        Assert.StartsWith(expected, Assert.Single(errors), StringComparison.Ordinal);
        Assert.Equal(EventParameters.For(EventType.CrowdMovement).Count, values.Count);
    }

    private static int Next(string docs, int start)
    {
        var next = docs.IndexOf("\n### ", start + 4, StringComparison.Ordinal);
        return next < 0 ? docs.Length : next;
    }

    private static string Format(double v) => v.ToString(CultureInfo.InvariantCulture);
}
