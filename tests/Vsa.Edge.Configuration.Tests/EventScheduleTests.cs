namespace Vsa.Edge.Configuration.Tests;

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

        var at = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

        Assert.True(schedule.IsActive(at));
        Assert.True(EventSchedule.Always.IsActive(at));
    }
}
