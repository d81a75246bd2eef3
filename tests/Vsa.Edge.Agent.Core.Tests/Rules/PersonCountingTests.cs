using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Agent.Core.Tracking;

namespace Vsa.Edge.Agent.Core.Tests.Rules;

public sealed class PersonCountingTests
{
    private static readonly TimeSpan Memory = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(TrackState.Confirmed, 5.0, true)]
    [InlineData(TrackState.Lost, 0.9, true)]
    [InlineData(TrackState.Lost, 1.0, true)]
    [InlineData(TrackState.Lost, 1.1, false)]
    [InlineData(TrackState.Tentative, 0.0, false)]
    public void IsPresent_StateAndTimeSinceLastSeen_CountsConfirmedAndBrieflyLostOnly(TrackState state, double secondsSinceSeen, bool expected)
    {
        var track = TestData.Track(1, TestData.Feet(0.3f, 0.8f), state: state);

        Assert.Equal(expected, PersonCounting.IsPresent(track, TestData.At(secondsSinceSeen), Memory));
    }

    [Fact]
    public void IsPresent_NoMemory_LostTrackNeverCounts()
    {
        var track = TestData.Track(1, TestData.Feet(0.3f, 0.8f), state: TrackState.Lost);

        Assert.False(PersonCounting.IsPresent(track, TestData.At(0.1), TimeSpan.Zero));
    }
}
