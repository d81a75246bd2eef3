using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Ingestion;

/// <summary>The reconnection loop waits on the injected clock, not on real time.</summary>
public sealed class ConnectionLoopTests
{
    [Fact]
    public async Task BrokerUnreachable_RetriesOnlyWhenTheFakeClockReachesEachBackoff()
    {
        var clock = new FakeTimeProvider(Samples.T0);
        var settings = new Dictionary<string, string?>
        {
            ["Fleet:Broker:Mode"] = "External",
            ["Fleet:Broker:Host"] = "127.0.0.1",

            // Nothing listens there: every attempt is refused at once.
            ["Fleet:Broker:Port"] = MosquittoFixture.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture),

            // Ten minutes of real time would outlast the test's guard: only the fake clock can let the loop go on.
            ["Fleet:Broker:ReconnectMinDelay"] = "00:10:00",
            ["Fleet:Broker:ReconnectMaxDelay"] = "01:00:00",
        };
        await using var fleet = await FleetApp.StartAsync(settings, services => services.AddSingleton<TimeProvider>(clock), waitForSubscription: false);
        using var guard = new CancellationTokenSource(FleetApp.Timeout);

        var first = await fleet.Ingestion.WaitUntilAsync(s => s.FailedAttempts >= 1, guard.Token);
        Assert.Equal(1, first.FailedAttempts);
        Assert.Equal(Samples.T0.AddMinutes(10), first.NextAttemptAt);
        Assert.False(first.Subscribed);

        clock.Advance(TimeSpan.FromMinutes(10));
        var second = await fleet.Ingestion.WaitUntilAsync(s => s.FailedAttempts >= 2, guard.Token);
        Assert.InRange(second.NextAttemptAt!.Value - clock.GetUtcNow(), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20));

        clock.Advance(second.NextAttemptAt.Value - clock.GetUtcNow());
        var third = await fleet.Ingestion.WaitUntilAsync(s => s.FailedAttempts >= 3, guard.Token);
        Assert.Equal(3, third.FailedAttempts);
        Assert.NotNull(third.LastError);
    }
}
