using Vsa.Edge.FleetManager.Suspensions;

namespace Vsa.Edge.FleetManager.Tests.Suspensions;

/// <summary>How the suspensions in force become one device's state, and how a request is checked.</summary>
public sealed class SuspensionStatesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Compute_CameraSiteAndOtherDevices_OnlyWhatCoversThisDevice()
    {
        IReadOnlyList<SuspensionView> active =
        [
            new(1, SuspensionScope.Camera, null, "pole-1", "cam-2", "travaux", T0, "admin"),
            new(2, SuspensionScope.Camera, null, "pole-9", "cam-1", "autre poteau", T0, "admin"),
            new(3, SuspensionScope.Site, "Nord", null, null, "manifestation", T0.AddMinutes(1), "chef"),
        ];

        var onSite = SuspensionStates.Compute("pole-1", "Nord", active, 4, T0);
        var elsewhere = SuspensionStates.Compute("pole-1", "Sud", active, 4, T0);

        Assert.Equal(("site", "manifestation"), (onSite.Device!.Scope, onSite.Device.Reason));
        Assert.True(onSite.Suspends("cam-1"));
        Assert.Null(elsewhere.Device);
        Assert.Equal("cam-2", Assert.Single(elsewhere.Cameras).CameraId);
        Assert.Equal((true, false), (elsewhere.Suspends("cam-2"), elsewhere.Suspends("cam-1")));
    }

    [Theory]
    [InlineData(SuspensionScope.Global, null, null, null, "ok reason", null)]
    [InlineData(SuspensionScope.Global, null, null, null, "no", "reason")]
    [InlineData(SuspensionScope.Site, null, null, null, "a reason", "site")]
    [InlineData(SuspensionScope.Device, null, null, "cam-1", "a reason", "deviceId")]
    [InlineData(SuspensionScope.Camera, null, "pole-1", null, "a reason", "cameraId")]
    [InlineData(SuspensionScope.Device, "Nord", "pole-1", null, "a reason", "site")]
    [InlineData(SuspensionScope.Device, null, "vsa/v1/#", null, "a reason", "deviceId")]
    public void TryValidate_Request_ErrorNamesTheField(SuspensionScope scope, string? site, string? device, string? camera, string reason, string? field)
    {
        var valid = SuspensionRules.TryValidate(new SuspensionRequest(scope, site, device, camera, reason), out _, out var errors);

        Assert.Equal(field is null, valid);
        if (field is not null)
        {
            Assert.Contains(field, errors.Keys);
        }
    }
}
