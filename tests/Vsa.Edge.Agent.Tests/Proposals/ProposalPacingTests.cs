using System.Globalization;
using Vsa.Edge.Agent.Proposals;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.Proposals;

public sealed class ProposalPacingTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 15, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Directory.CreateTempSubdirectory("vsa-pacing-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Budget_TimesRecordedWithTheClockFarAhead_DoNotBarTheHourAfterTheClockIsSetRight()
    {
        var file = Path.Combine(_folder, ".sent-times");
        var farAhead = Enumerable.Range(0, ConfigProposalMessage.MaxPerDevicePerHour).Select(i => Now.AddDays(30).AddSeconds(i));
        var slightlyAhead = Now.AddMinutes(10);
        File.WriteAllLines(file, [.. farAhead.Select(t => t.ToString("O", CultureInfo.InvariantCulture)), slightlyAhead.ToString("O", CultureInfo.InvariantCulture)]);

        var budget = ProposalPacing.Budget(file, Now, out var freesAt);

        Assert.Equal(ConfigProposalMessage.MaxPerDevicePerHour - 1, budget);
        Assert.Equal(Now, freesAt);
    }

    [Fact]
    public void Record_FullHour_NoBudgetUntilTheOldestIsAnHourOld()
    {
        var file = Path.Combine(_folder, ".sent-times");
        for (var i = 0; i < ConfigProposalMessage.MaxPerDevicePerHour; i++)
        {
            ProposalPacing.Record(file, Now.AddMinutes(i));
        }

        var later = Now.AddMinutes(ConfigProposalMessage.MaxPerDevicePerHour);
        Assert.Equal(0, ProposalPacing.Budget(file, later, out var freesAt));
        Assert.Equal(Now.AddHours(1), freesAt);
        Assert.Equal(1, ProposalPacing.Budget(file, Now.AddHours(1), out _));
    }
}
