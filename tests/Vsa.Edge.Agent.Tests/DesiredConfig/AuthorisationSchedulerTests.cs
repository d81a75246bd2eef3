using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Agent.Core.Authorisation;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Tests.DesiredConfig;

/// <summary>The scheduler's timer alone (no frame refreshes the gate here): it turns events off and on at the window boundaries.</summary>
public sealed class AuthorisationSchedulerTests
{
    private static readonly DateTimeOffset Start = new(2026, 7, 14, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Enforce_ClockPassesTheEnd_EventStoppedAndLoggedWithoutAnyFrame()
    {
        var clock = new FakeTimeProvider(Start);
        var logs = new RecordingLoggerProvider();
        using var factory = logs.CreateFactory();
        using var scheduler = new AuthorisationScheduler(clock, factory.CreateLogger<AuthorisationScheduler>());
        scheduler.Enforce(new AuthorisationGate([Window("2026-DPG-0412", Start, Start.AddHours(2))]));
        var camera = scheduler.For("cam-1");

        clock.Advance(TimeSpan.FromHours(2) - TimeSpan.FromTicks(1));
        var beforeEnd = camera.Events.Contains(EventType.Intrusion);
        clock.Advance(TimeSpan.FromTicks(1));

        Assert.True(beforeEnd);
        Assert.False(camera.Events.Contains(EventType.Intrusion));
        Assert.Contains(logs.Entries, e => e.Message == "Event intrusion on camera cam-1: authorised until 2026-07-14T10:00:00.0000000+00:00 (2026-DPG-0412)");
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Message == "Event intrusion on camera cam-1 stopped: authorisation 2026-DPG-0412 ended at 2026-07-14T10:00:00.0000000+00:00");
    }

    [Fact]
    public void Enforce_WindowStartsLater_EventTurnedOnAtItsStart()
    {
        var clock = new FakeTimeProvider(Start);
        using var scheduler = new AuthorisationScheduler(clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<AuthorisationScheduler>.Instance);
        scheduler.Enforce(new AuthorisationGate([Window("A-1", Start.AddDays(3), Start.AddDays(4))]));
        var camera = scheduler.For("cam-1");

        // Beyond the hourly re-arm: the timer hops until the start (each hop re-reads the wall clock).
        clock.Advance(TimeSpan.FromDays(3) - TimeSpan.FromSeconds(1));
        var before = camera.Events;
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(EventMask.None, before);
        Assert.True(camera.Events.Contains(EventType.Intrusion));
    }

    [Fact]
    public void Enforce_NewGateWhileRunning_ReplacesTheWindowsOfExistingCameras()
    {
        var clock = new FakeTimeProvider(Start);
        using var scheduler = new AuthorisationScheduler(clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<AuthorisationScheduler>.Instance);
        var camera = scheduler.For("cam-1");
        var unrestricted = camera.Events;

        scheduler.Enforce(new AuthorisationGate([Window("A-1", Start, Start.AddHours(1), "fire")]));

        Assert.Equal(EventMask.All, unrestricted);
        Assert.Equal([EventType.Fire], camera.Events.ToList());
    }

    private static AuthorisationWindow Window(string reference, DateTimeOffset from, DateTimeOffset to, string type = "intrusion") =>
        new(reference, "Police municipale", [type], ["cam-1"], from, to);
}
