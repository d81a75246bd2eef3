using Vsa.Edge.Agent.Core.Rules;
using Vsa.Edge.Configuration;

namespace Vsa.Edge.Agent.Core.Tests.Rules;

public sealed class TrackHistoryTests
{
    [Theory]
    [InlineData(5)]
    [InlineData(25)]
    [InlineData(60)]
    public void Add_AnyFrameRate_KeepsTheLongestLookBackAnyParameterAllows(int fps)
    {
        var history = new TrackHistory();
        var dt = TimeSpan.TicksPerSecond / fps;

        for (var k = 0; k < fps * 30; k++)
        {
            history.Add(k * dt, TestData.Feet(0.5f, 0.5f), (k * 0.5 / fps, 0)); // 0.5 units/s along x
        }

        var now = ((fps * 30) - 1) * dt;
        var oldest = history[0].Ticks;
        Assert.True(now - oldest >= TimeSpan.FromSeconds(EventParameters.MaxHistorySeconds).Ticks, $"keeps {(now - oldest) / 1e7:F1} s");
        Assert.True(history.TryVelocity(now - TimeSpan.TicksPerSecond, now, out var vx, out var vy));
        Assert.Equal(0.5, vx, 4); // ticks per frame are truncated at 60 fps: 0.5 × (1 + 4e-6)
        Assert.Equal(0, vy, 6);
    }

    [Fact]
    public void Windows_LongestBaselinePlusWindow_FitTheHistory()
    {
        double Max(Vsa.Edge.Contracts.EventType type, string name) => EventParameters.For(type).Single(s => s.Name == name).Max;

        Assert.True(Max(Vsa.Edge.Contracts.EventType.CrowdMovement, "baselineSeconds") + Max(Vsa.Edge.Contracts.EventType.CrowdMovement, "windowSeconds") <= EventParameters.MaxHistorySeconds);
        Assert.True(Max(Vsa.Edge.Contracts.EventType.WrongWay, "windowSeconds") <= EventParameters.MaxHistorySeconds);
        Assert.True(2 * Max(Vsa.Edge.Contracts.EventType.PersonDown, "dropWindowSeconds") <= EventParameters.MaxHistorySeconds);
    }

    [Fact]
    public void TryVelocity_TooLittleHistory_False()
    {
        var history = new TrackHistory();
        history.Add(0, TestData.Feet(0.5f, 0.5f), (0, 0));
        history.Add(TimeSpan.TicksPerSecond / 10, TestData.Feet(0.5f, 0.5f), (0.1, 0));
        history.Add(TimeSpan.TicksPerSecond / 5, TestData.Feet(0.5f, 0.5f), (0.2, 0));

        Assert.False(history.TryVelocity(-TimeSpan.TicksPerSecond, TimeSpan.TicksPerSecond / 5, out _, out _)); // 0.2 s of a 1.2 s window
        Assert.True(history.TryVelocity(0, TimeSpan.TicksPerSecond / 5, out var vx, out _));
        Assert.Equal(1, vx, 6);
    }
}
