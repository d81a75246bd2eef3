using Vsa.Edge.Agent.Core.Authorisation;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Core.Tests.Authorisation;

public sealed class AuthorisationGateTests
{
    private static readonly DateTimeOffset Start = new(2026, 7, 14, 8, 0, 0, TimeSpan.FromHours(2));
    private static readonly DateTimeOffset End = Start.AddHours(10);

    internal static AuthorisationWindow Window(string reference, DateTimeOffset from, DateTimeOffset to, string[]? events = null, string[]? cameras = null) =>
        new(reference, "Police municipale", events ?? ["intrusion"], cameras ?? ["cam-1"], from, to);

    [Fact]
    public void IsAuthorised_AtTheStartInstant_Authorised()
    {
        var gate = new AuthorisationGate([Window("A-1", Start, End)]);

        Assert.True(gate.IsAuthorised("cam-1", EventType.Intrusion, Start));
        Assert.False(gate.IsAuthorised("cam-1", EventType.Intrusion, Start - TimeSpan.FromTicks(1)));
    }

    [Fact]
    public void IsAuthorised_AtTheEndInstant_NotAuthorised()
    {
        var gate = new AuthorisationGate([Window("A-1", Start, End)]);

        Assert.True(gate.IsAuthorised("cam-1", EventType.Intrusion, End - TimeSpan.FromTicks(1)));
        Assert.False(gate.IsAuthorised("cam-1", EventType.Intrusion, End));
    }

    [Fact]
    public void IsAuthorised_OtherCameraOrEvent_NotAuthorised()
    {
        var gate = new AuthorisationGate([Window("A-1", Start, End)]);

        Assert.False(gate.IsAuthorised("cam-2", EventType.Intrusion, Start));
        Assert.False(gate.IsAuthorised("cam-1", EventType.Weapon, Start));
    }

    [Fact]
    public void IsAuthorised_SameInstantInAnotherOffset_SameAnswer()
    {
        var gate = new AuthorisationGate([Window("A-1", Start, End)]);

        Assert.False(gate.IsAuthorised("cam-1", EventType.Intrusion, Start.ToUniversalTime() - TimeSpan.FromSeconds(1)));
        Assert.True(gate.IsAuthorised("cam-1", EventType.Intrusion, Start.ToUniversalTime()));
    }

    [Fact]
    public void AuthorisedAt_SeveralWindows_UnionOfTheirEvents()
    {
        var gate = new AuthorisationGate(
        [
            Window("A-1", Start, End, ["intrusion"]),
            Window("A-2", Start.AddHours(2), End, ["weapon", "fire"], ["cam-1", "cam-2"]),
        ]);

        Assert.Equal([EventType.Intrusion], gate.AuthorisedAt("cam-1", Start.AddHours(1)).ToList());
        Assert.Equal([EventType.Intrusion, EventType.Weapon, EventType.Fire], gate.AuthorisedAt("cam-1", Start.AddHours(3)).ToList());
        Assert.Equal([EventType.Weapon, EventType.Fire], gate.AuthorisedAt("cam-2", Start.AddHours(3)).ToList());
    }

    [Fact]
    public void NextChange_InsideAWindow_ItsEnd()
    {
        var gate = new AuthorisationGate([Window("A-1", Start, End)]);

        Assert.Equal(Start, gate.NextChange("cam-1", Start.AddDays(-1)));
        Assert.Equal(End, gate.NextChange("cam-1", Start));
        Assert.Null(gate.NextChange("cam-1", End));
    }

    [Fact]
    public void NextChange_AdjoiningWindowsSameEvents_SkipsTheBoundaryThatChangesNothing()
    {
        var gate = new AuthorisationGate([Window("A-1", Start, End), Window("A-2", End, End.AddHours(5))]);

        Assert.Equal(End.AddHours(5), gate.NextChange("cam-1", Start));
        Assert.Equal(End.AddHours(5), gate.AuthorisedUntil("cam-1", EventType.Intrusion, Start.AddHours(1)));
    }

    [Fact]
    public void NextChange_BoundaryOfAnotherCamerasWindow_Ignored()
    {
        var gate = new AuthorisationGate([Window("A-1", Start, End), Window("B-1", Start.AddHours(1), Start.AddHours(2), cameras: ["cam-2"])]);

        Assert.Equal(End, gate.NextChange("cam-1", Start));
        Assert.Equal(Start.AddHours(1), gate.NextBoundary(Start));
    }

    [Fact]
    public void AuthorisedUntil_EventNotAuthorised_Null()
    {
        var gate = new AuthorisationGate([Window("A-1", Start, End)]);

        Assert.Null(gate.AuthorisedUntil("cam-1", EventType.Weapon, Start));
        Assert.Equal(End, gate.AuthorisedUntil("cam-1", EventType.Intrusion, Start));
    }

    [Fact]
    public void Covering_TwoWindows_NamesTheOneInForce()
    {
        var gate = new AuthorisationGate([Window("A-1", Start, Start.AddHours(1)), Window("A-2", Start.AddHours(3), End)]);

        Assert.Equal("A-1", gate.Covering("cam-1", EventType.Intrusion, Start)?.Reference);
        Assert.Equal("A-2", gate.Covering("cam-1", EventType.Intrusion, Start.AddHours(4))?.Reference);
        Assert.Null(gate.Covering("cam-1", EventType.Intrusion, Start.AddHours(2)));
    }

    [Fact]
    public void AuthorisedAt_NoWindowAtAll_Nothing()
    {
        var gate = new AuthorisationGate([]);

        Assert.True(gate.IsRestricted);
        Assert.Equal(EventMask.None, gate.AuthorisedAt("cam-1", Start));
        Assert.Null(gate.NextChange("cam-1", Start));
    }

    [Fact]
    public void AuthorisedAt_Unrestricted_EverythingForever()
    {
        Assert.False(AuthorisationGate.Unrestricted.IsRestricted);
        Assert.Equal(8, AuthorisationGate.Unrestricted.AuthorisedAt("any", Start).ToList().Count);
        Assert.Null(AuthorisationGate.Unrestricted.NextChange("any", Start));
    }

    [Fact]
    public void Validate_BadWindow_NamesEveryField()
    {
        var errors = AuthorisationGate.Validate([new AuthorisationWindow("", " ", ["intrusion", "face_recognition"], [], End, Start)]);

        Assert.Contains("authorisations[0].reference: missing (the arrêté's reference)", errors);
        Assert.Contains(errors, e => e.StartsWith("authorisations[0].service: missing", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("authorisations[0].events[1]: 'face_recognition' is not one of the eight events", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("authorisations[0].cameras:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("authorisations[0].endsAt:", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_GoodWindows_NoError()
    {
        Assert.Empty(AuthorisationGate.Validate([Window("A-1", Start, End), Window("A-2", End, End.AddDays(1), ["fire"])]));
    }
}
