using System.Text.RegularExpressions;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Hosting;

/// <summary>
/// The agent's and the fleet's log event ids are one space: a journal or a log shipper that receives both programs' lines
/// tells them apart by id alone. Read from the sources, since the fleet's tests do not load the agent.
/// </summary>
public sealed partial class LogEventIdTests
{
    [Fact]
    public void EventIds_AgentAndFleet_NeverTheSameIdTwice()
    {
        var agent = Ids(Path.Combine(TestAssets.RepositoryRoot, "agent"));
        var fleet = Ids(Path.Combine(TestAssets.RepositoryRoot, "fleet-manager", "Vsa.Edge.FleetManager"));

        Assert.True(agent.Count > 50 && fleet.Count > 50, $"found {agent.Count} agent and {fleet.Count} fleet ids: is the pattern still right?");
        Assert.Empty(Duplicates(agent));
        Assert.Empty(Duplicates(fleet));
        Assert.Empty(agent.Select(a => a.Id).Intersect(fleet.Select(f => f.Id)).Select(id => $"{id}: {string.Join(", ", agent.Concat(fleet).Where(x => x.Id == id).Select(x => x.File))}"));
    }

    private static IEnumerable<string> Duplicates(List<(int Id, string File)> ids) =>
        ids.GroupBy(x => x.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => x.File))}");

    private static List<(int Id, string File)> Ids(string root) =>
        [.. Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => EventId().Matches(File.ReadAllText(f)).Select(m => (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Path.GetFileName(f))))];

    [GeneratedRegex(@"LoggerMessage\(\s*(?:EventId\s*=\s*)?(\d+)")]
    private static partial Regex EventId();
}
