using System.Globalization;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Files;

namespace Vsa.Edge.Agent.Proposals;

/// <summary>
/// The hour's budget of proposals: <see cref="ConfigProposalMessage.MaxPerDevicePerHour"/> less the ones the fleet acknowledged
/// within the last hour, read from a small file of times (one ISO 8601 instant a line, the hour's only: it never grows past the
/// budget). The fleet counts a proposal when it receives it, before its acknowledgement, so counting acknowledgements here
/// never lets more through than it takes.
/// </summary>
internal static class ProposalPacing
{
    /// <summary>The file's name, in <c>proposals/sent/</c>.</summary>
    public const string FileName = ".sent-times";

    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    /// <summary>How many may be sent now; <paramref name="freesAt"/> is when the next one may (now when the budget is not spent).</summary>
    public static int Budget(string file, DateTimeOffset now, out DateTimeOffset freesAt)
    {
        var recent = Recent(file, now);
        freesAt = recent.Count < ConfigProposalMessage.MaxPerDevicePerHour ? now : recent[recent.Count - ConfigProposalMessage.MaxPerDevicePerHour] + Hour;
        return Math.Max(0, ConfigProposalMessage.MaxPerDevicePerHour - recent.Count);
    }

    /// <summary>Adds an acknowledgement at <paramref name="now"/>, dropping the ones older than an hour (written aside, then renamed).</summary>
    public static void Record(string file, DateTimeOffset now)
    {
        var times = Recent(file, now);
        times.Add(now);
        ProtectedFile.Replace(file, string.Concat(times.Select(t => t.ToString("O", CultureInfo.InvariantCulture) + "\n")));
    }

    // The acknowledgements of the last hour, oldest first. A line that does not parse (a torn write) counts as now: the budget
    // errs towards waiting. A time ahead of the clock (set back since) counts too, but at most an hour ahead: a pole that once
    // ran with its clock far in the future is not barred from sending until that date.
    private static List<DateTimeOffset> Recent(string file, DateTimeOffset now)
    {
        if (!File.Exists(file))
        {
            return [];
        }

        return [.. File.ReadAllLines(file)
            .Where(l => l.Length > 0)
            .Select(l => DateTimeOffset.TryParse(l, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t : now)
            .Where(t => now - t < Hour && t - now < Hour)
            .Order()];
    }
}
