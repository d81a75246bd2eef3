using Vsa.Edge.Configuration;

namespace Vsa.Edge.Agent.Core.Tests.Rules;

/// <summary>The rules engine honouring an event's schedule (the schedule itself: Vsa.Edge.Configuration.Tests.EventScheduleTests).</summary>
public sealed class EventScheduleRuleTests
{
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
