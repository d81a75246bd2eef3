using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.Suspension;
using Vsa.Edge.Agent.Tests.Support;
using Vsa.Edge.Contracts;
using Vsa.Edge.Contracts.Signing;

namespace Vsa.Edge.Agent.Tests.Suspension;

/// <summary>
/// The device's kill switch state: only a state signed by the fleet's key, for this device, newer than the applied one
/// counts; it is kept owner-only on disk and applied again at start; the local kill input suspends the whole device.
/// </summary>
public sealed class SuspensionHandlerTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("vsa-suspension-");

    [Fact]
    public void Handle_ForgedOtherDeviceOrReplayedOlder_RefusedAndStateKept()
    {
        var (handler, suspension) = Create();
        using var intruder = MessageSigner.CreateNew();

        var first = handler.Handle(Sign(State(2, cameras: ["cam-1"])));
        var forged = handler.Handle(Sign(State(9), intruder));
        var otherDevice = handler.Handle(Sign(State(9) with { DeviceId = "pole-99" }));
        var replayed = handler.Handle(Sign(State(1)));
        var again = handler.Handle(Sign(State(2, cameras: ["cam-1"])));

        Assert.Null(first);
        Assert.StartsWith(SignedMessageVerifier.NotTrustedPrefix, forged, StringComparison.Ordinal);
        Assert.Contains("another device", otherDevice, StringComparison.Ordinal);
        Assert.Contains("older than the applied version 2", replayed, StringComparison.Ordinal);
        Assert.Null(again);
        Assert.Equal(3, handler.Refused);
        Assert.Equal(2, suspension.Version);
        Assert.Equal((true, false, false), (suspension.IsSuspended("cam-1"), suspension.IsSuspended("cam-2"), suspension.DeviceSuspended));
    }

    [Fact]
    public void LoadKept_AfterRestart_StillSuspendedFromTheOwnerOnlyFile()
    {
        var (before, _) = Create();
        before.Handle(Sign(State(4, device: true)));
        var file = new SuspensionFile(_data.FullName);

        var (after, suspension) = Create();
        after.LoadKept();

        Assert.Equal((4L, true, true), (suspension.Version, suspension.DeviceSuspended, suspension.IsSuspended("any-camera")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file.FilePath));
        }
    }

    [Fact]
    public void LoadKept_FileWrittenByAnyoneElse_RefusedAndEverythingSuspendedUntilTheFleetsStateArrives()
    {
        using var intruder = MessageSigner.CreateNew();
        new SuspensionFile(_data.FullName).Save(Sign(State(7, device: false), intruder));

        var (handler, suspension) = Create();
        handler.LoadKept();
        var kept = (suspension.Version, suspension.KeptUnverified, suspension.DeviceSuspended, suspension.IsSuspended("cam-1"), suspension.Report(["cam-1"])?.Device);
        handler.Handle(Sign(State(1, cameras: ["cam-2"])));

        // Fail closed: a forged or damaged kept state stops analysis, and only the fleet's verified state lifts that.
        Assert.Equal((0L, true, true, true, (bool?)true), kept);
        Assert.Equal((false, false, false, true), (suspension.KeptUnverified, suspension.DeviceSuspended, suspension.IsSuspended("cam-1"), suspension.IsSuspended("cam-2")));
    }

    [Fact]
    public void LoadKept_NoFile_NothingSuspended()
    {
        var (handler, suspension) = Create();
        handler.LoadKept();

        Assert.Equal((0L, false, false, false), (suspension.Version, suspension.KeptUnverified, suspension.DeviceSuspended, suspension.IsSuspended("cam-1")));
    }

    [Fact]
    public void SetLocalKill_OnThenOff_WholeDeviceSuspendedThenBackToTheFleetsState()
    {
        var (handler, suspension) = Create();
        handler.Handle(Sign(State(1, cameras: ["cam-2"])));
        var changes = 0;
        suspension.Changed += () => changes++;

        suspension.SetLocalKill(true);
        var killed = (suspension.IsSuspended("cam-1"), suspension.Report(["cam-1", "cam-2"]));
        suspension.SetLocalKill(false);

        Assert.True(killed.Item1);
        Assert.Equal((true, true, 1L), (killed.Item2!.Device, killed.Item2.LocalKill, killed.Item2.Version!.Value));
        Assert.Equal(["cam-1", "cam-2"], killed.Item2.Cameras);
        Assert.Equal((false, true), (suspension.IsSuspended("cam-1"), suspension.IsSuspended("cam-2")));
        Assert.Equal(2, changes);
    }

    public void Dispose() => _data.Delete(recursive: true);

    private (SuspensionHandler Handler, AgentSuspension Suspension) Create()
    {
        var suspension = new AgentSuspension();
        var verifier = new SuspensionVerifier(new SignedMessageVerifier([TestSigning.Fleet.SubjectPublicKeyInfo]), "pole-1");
        return (new SuspensionHandler(suspension, verifier, new SuspensionFile(_data.FullName), NullLogger<SuspensionHandler>.Instance), suspension);
    }

    private static SuspensionStateMessage State(long version, bool device = false, string[]? cameras = null) => new(
        SuspensionStateMessage.SchemaId, SuspensionStateMessage.CurrentVersion, "pole-1", version, T0,
        device ? new SuspensionEntry("device", "réquisition", T0) : null,
        [.. (cameras ?? []).Select(c => new CameraSuspensionEntry(c, "travaux", T0))]);

    private static byte[] Sign(SuspensionStateMessage message, MessageSigner? signer = null) =>
        (signer ?? TestSigning.Fleet).SignToJson(SuspensionStateMessage.SchemaId, JsonSerializer.SerializeToUtf8Bytes(message, ContractsJsonContext.Default.SuspensionStateMessage));
}
