using Vsa.Edge.Agent.Core.Authorisation;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests.Authorisation;

public sealed class CameraAuthorisationTests
{
    private static readonly DateTimeOffset Start = new(2026, 7, 14, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End = Start.AddHours(1);

    [Fact]
    public void Refresh_CrossingTheEnd_StopsTheEventAndRaisesOnce()
    {
        var camera = new CameraAuthorisation("cam-1", new AuthorisationGate([AuthorisationGateTests.Window("A-1", Start, End)]), Start);
        var changes = new List<AuthorisationChange>();
        camera.Changed += (_, c) => changes.Add(c);

        Assert.False(camera.Refresh(End - TimeSpan.FromTicks(1)));
        Assert.True(camera.Refresh(End));
        Assert.False(camera.Refresh(End.AddMinutes(1)));

        Assert.False(camera.Events.Contains(EventType.Intrusion));
        var change = Assert.Single(changes);
        Assert.True(change.Before.Contains(EventType.Intrusion));
        Assert.Equal(EventMask.None, change.After);
        Assert.Equal(End, change.At);
    }

    [Fact]
    public void Refresh_ClockSetBackBeforeTheStart_StopsTheEvent()
    {
        var camera = new CameraAuthorisation("cam-1", new AuthorisationGate([AuthorisationGateTests.Window("A-1", Start, End)]), Start.AddMinutes(10));

        Assert.True(camera.Refresh(Start.AddMinutes(-5)));

        Assert.Equal(EventMask.None, camera.Events);
        Assert.Equal(Start, camera.Until);
    }

    [Fact]
    public void Replace_GateWithoutTheWindow_StopsTheEvent()
    {
        var camera = new CameraAuthorisation("cam-1", new AuthorisationGate([AuthorisationGateTests.Window("A-1", Start, End)]), Start);

        Assert.True(camera.Replace(new AuthorisationGate([AuthorisationGateTests.Window("A-1", Start, End, ["fire"])]), Start));

        Assert.Equal([EventType.Fire], camera.Events.ToList());
    }

    [Fact]
    public void Refresh_InsideTheWindow_AllocatesNothing()
    {
        var camera = new CameraAuthorisation("cam-1", new AuthorisationGate([AuthorisationGateTests.Window("A-1", Start, End)]), Start);
        camera.Refresh(Start.AddSeconds(1));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            camera.Refresh(Start.AddSeconds(i));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
