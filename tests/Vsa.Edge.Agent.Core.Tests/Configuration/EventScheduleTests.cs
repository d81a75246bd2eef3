using Vsa.Edge.Agent.Core.Tests.Rules;
using Vsa.Edge.Configuration;

namespace Vsa.Edge.Agent.Core.Tests.Configuration;

public sealed class EventScheduleTests
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    private static EventSchedule Parse(ScheduleConfig config)
    {
        var errors = new List<string>();
        var schedule = EventSchedule.Parse(config, Paris, "schedule", errors);
        Assert.Empty(errors);
        return schedule!;
    }

    [Theory]
    [InlineData("2025-06-02T06:00:00Z", true)] // Monday 08:00 in Paris (UTC+2 in summer)
    [InlineData("2025-06-02T05:59:59Z", false)] // 07:59:59
    [InlineData("2025-06-02T17:59:59Z", true)]
    [InlineData("2025-06-02T18:00:00Z", false)] // 20:00, end exclusive
    [InlineData("2025-06-01T10:00:00Z", false)] // Sunday
    [InlineData("2025-01-06T07:00:00Z", true)] // Monday 08:00 in winter (UTC+1)
    [InlineData("2025-01-06T06:30:00Z", false)] // 07:30 in winter
    public void IsActive_WeekdayDaytime_FollowsLocalTime(string instant, bool expected)
    {
        var schedule = Parse(new ScheduleConfig(["mon", "tue", "wed", "thu", "fri"], ["08:00-20:00"]));

        Assert.Equal(expected, schedule.IsActive(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("2025-06-06T20:00:00Z", true)] // Friday 22:00
    [InlineData("2025-06-06T19:59:00Z", false)] // Friday 21:59
    [InlineData("2025-06-07T00:00:00Z", true)] // Saturday 02:00: Friday night's range
    [InlineData("2025-06-07T04:00:00Z", false)] // Saturday 06:00, end exclusive
    [InlineData("2025-06-07T21:00:00Z", false)] // Saturday 23:00: Saturday not listed
    public void IsActive_OvernightRange_BelongsToTheDayItStarts(string instant, bool expected)
    {
        var schedule = Parse(new ScheduleConfig(["fri"], ["22:00-06:00"]));

        Assert.Equal(expected, schedule.IsActive(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void IsActive_CalledEveryFrame_AllocatesNothing()
    {
        var schedule = Parse(new ScheduleConfig(["fri"], ["22:00-06:00"]));
        var at = DateTimeOffset.Parse("2025-06-06T20:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        schedule.IsActive(at);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var active = 0;
        for (var k = 0; k < 1000; k++)
        {
            active += schedule.IsActive(at.AddSeconds(k * 40)) ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(720, active); // samples every 40 s from Friday 22:00: active for the 8 h until 06:00
    }

    [Fact]
    public void IsActive_NoDaysOrHours_AlwaysActive()
    {
        var schedule = Parse(new ScheduleConfig());

        Assert.True(schedule.IsActive(TestData.T0));
        Assert.True(EventSchedule.Always.IsActive(TestData.T0));
    }

    [Fact]
    public void Evaluate_IntrusionBeforeScheduleOpens_StartsOnlyOnceItOpens()
    {
        // T0 is Sunday 2025-06-01 12:00 UTC = 14:00 in Paris; the schedule opens at 14:01.
        var s = Intrusion(new ScheduleConfig(["sun"], ["14:01-15:00"]));

        s.Run(0, 90, 0.5, _ => [TestData.Track(7, RuleHarness.Inside)]);

        var start = Assert.Single(s.Alerts);
        Assert.Equal(60, Scenario.Seconds(start.ObservedAt));
        Assert.Equal(0, Scenario.Seconds(start.StartedAt)); // the dwell began before, it is reported as such
    }

    [Fact]
    public void Evaluate_IntrusionOnADayOutsideSchedule_NoAlert()
    {
        var s = Intrusion(new ScheduleConfig(["mon", "tue", "wed", "thu", "fri", "sat"]));

        s.Run(0, 90, 0.5, _ => [TestData.Track(7, RuleHarness.Inside)]);

        Assert.Empty(s.Alerts);
    }

    private static Scenario Intrusion(ScheduleConfig schedule) => new(Scenario.Cam(
        [new EventConfig("intrusion", ["parvis"], MinDurationSeconds: 2, Schedule: schedule)],
        [new ZoneConfig("parvis", null, RuleHarness.ParvisPolygon)],
        timeZone: "Europe/Paris"));
}
