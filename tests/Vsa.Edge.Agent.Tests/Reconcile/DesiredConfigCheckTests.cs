using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.Agent.Reconcile;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Agent.Tests.Reconcile;

public sealed class DesiredConfigCheckTests
{
    private const string Device = "pole-7";
    private static readonly DateTimeOffset Now = new(2026, 7, 14, 8, 0, 0, TimeSpan.Zero);
    private static readonly ModelManifest Manifest = ModelManifestLoader.Load(TestAssets.NanoDetManifest, verifyModelFile: false);
    private readonly DesiredConfigCheck _check = new(Device, () => Manifest, NullLogger.Instance);

    [Fact]
    public void Check_ValidNewVersion_Accepted()
    {
        var outcome = _check.Check(Received(Desired(3)), Reported(ConfigSource.Fleet, applied: 2));

        Assert.Equal(CheckVerdict.Accept, outcome.Verdict);
        Assert.Equal("cam-1", Assert.Single(outcome.Valid!.Cameras).CameraId);
    }

    [Fact]
    public void Check_RetainedCopyOfWhatRuns_Skipped()
    {
        var outcome = _check.Check(Received(Desired(2)), Reported(ConfigSource.Fleet, applied: 2));

        Assert.Equal(CheckVerdict.Skip, outcome.Verdict);
    }

    [Fact]
    public void Check_WhatRunsAfterARefusal_AppliedAgain()
    {
        var outcome = _check.Check(Received(Desired(2)), Reported(ConfigSource.Fleet, applied: 2, lastReceived: 3, ConfigApplyStatus.Rejected, "other", signed: true));

        Assert.Equal(CheckVerdict.AppliedAgain, outcome.Verdict);
    }

    [Fact]
    public void Check_SameRefusedBytesAgain_SkippedWithoutAnotherReport()
    {
        var outcome = _check.Check(Received(Desired(3), sha: "refused"), Reported(ConfigSource.Fleet, applied: 2, lastReceived: 3, ConfigApplyStatus.Rejected, "refused", signed: true));

        Assert.Equal(CheckVerdict.Skip, outcome.Verdict);
    }

    [Fact]
    public void Check_OlderThanApplied_RejectedNamingBothVersions()
    {
        var outcome = _check.Check(Received(Desired(1)), Reported(ConfigSource.Fleet, applied: 2));

        Assert.Equal(CheckVerdict.Reject, outcome.Verdict);
        Assert.Equal(1, outcome.Version);
        Assert.Equal(["version: 1 is older than the applied version 2"], outcome.Errors);
    }

    [Fact]
    public void Check_NotSigned_RejectedWithoutReadingItsVersion()
    {
        var unsigned = new ReceivedConfig([1, 2, 3], new OpenedDesiredConfig("abc", null, null, "not signed by a trusted key"));

        var outcome = _check.Check(unsigned, Reported(ConfigSource.Local, applied: null));

        Assert.Equal(CheckVerdict.Reject, outcome.Verdict);
        Assert.Null(outcome.Version);
        Assert.Equal(["not signed by a trusted key"], outcome.Errors);
    }

    [Fact]
    public void Check_SelfIntersectingZone_RejectedWholeNamingCameraAndField()
    {
        var bowtie = Desired(3, """{ "cameraId": "cam-1", "source": "/data/clip.avi", "zones": [{ "id": "square", "polygon": [[0.7, 0.1], [0.9, 0.4], [0.9, 0.1], [0.7, 0.4]] }], "events": [{ "type": "intrusion", "zones": ["square"] }] }""");

        var outcome = _check.Check(Received(bowtie), Reported(ConfigSource.Local, applied: null));

        Assert.Equal(CheckVerdict.Reject, outcome.Verdict);
        Assert.Contains("cameras[0] ('cam-1').zones[0].polygon: self-intersecting", outcome.Errors);
        Assert.Null(outcome.Valid);
    }

    private static DesiredConfigMessage Desired(long version, string? camera = null) =>
        new(DesiredConfigMessage.SchemaId, DesiredConfigMessage.CurrentVersion, Device, version, Now,
            [JsonDocument.Parse(camera ?? """{ "cameraId": "cam-1", "source": "/data/clip.avi", "zones": [{ "id": "square", "polygon": [[0.3, 0.4], [0.8, 0.36], [0.98, 0.58], [0.3, 0.55]] }], "events": [{ "type": "intrusion", "zones": ["square"] }] }""").RootElement.Clone()],
            [new AuthorisationWindow("A-1", "PM", ["intrusion"], ["cam-1"], Now, Now.AddDays(1))]);

    private static ReceivedConfig Received(DesiredConfigMessage message, string sha = "sha") => new([1], new OpenedDesiredConfig(sha, message, "fleet-1", null));

    private static ReportedState Reported(ConfigSource source, long? applied, long? lastReceived = null, ConfigApplyStatus status = ConfigApplyStatus.Applied, string? rejected = null, bool signed = false) =>
        new(source, applied, lastReceived ?? applied, status, rejected, signed);
}
