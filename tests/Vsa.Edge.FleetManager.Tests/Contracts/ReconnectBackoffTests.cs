using Vsa.Edge.Contracts.Resilience;

namespace Vsa.Edge.FleetManager.Tests.Contracts;

public sealed class ReconnectBackoffTests
{
    private static readonly TimeSpan Min = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Fact]
    public void Next_HighestJitter_DoublesUpToMax()
    {
        var backoff = new ReconnectBackoff(Min, Max, () => 1);

        var delays = Enumerable.Range(0, 7).Select(_ => backoff.Next().TotalSeconds).ToArray();

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], delays);
    }

    [Fact]
    public void Next_LowestJitter_HalvesButNeverBelowMin()
    {
        var backoff = new ReconnectBackoff(Min, Max, () => 0);

        var delays = Enumerable.Range(0, 7).Select(_ => backoff.Next().TotalSeconds).ToArray();

        Assert.Equal([1, 1, 2, 4, 8, 15, 15], delays);
    }

    [Fact]
    public void Reset_AfterFailures_StartsAgainAtMin()
    {
        var backoff = new ReconnectBackoff(Min, Max, () => 1);
        for (var i = 0; i < 5; i++)
        {
            backoff.Next();
        }

        backoff.Reset();

        Assert.Equal(0, backoff.Attempt);
        Assert.Equal(Min, backoff.Next());
    }

    [Fact]
    public void Next_ManyFailures_StaysAtMax()
    {
        var backoff = new ReconnectBackoff(Min, Max, () => 1);

        var delays = new List<TimeSpan>();
        for (var i = 0; i < 200; i++)
        {
            delays.Add(backoff.Next());
        }

        Assert.Equal(Max, delays[^1]);
        Assert.All(delays, d => Assert.InRange(d, Min, Max));
    }
}
