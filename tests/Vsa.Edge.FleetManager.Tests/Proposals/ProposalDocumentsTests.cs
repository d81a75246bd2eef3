using System.Text.Json;
using Vsa.Edge.FleetManager.Proposals;

namespace Vsa.Edge.FleetManager.Tests.Proposals;

/// <summary>A pole sends a proposal with the camera's password masked; applying it keeps the password the fleet already has.</summary>
public sealed class ProposalDocumentsTests
{
    private static JsonElement Camera(string source) => JsonSerializer.SerializeToElement(new { cameraId = "cam-1", source });

    [Fact]
    public void KeepSecret_SameAddressPasswordMasked_TheFleetsSourceKept()
    {
        var kept = ProposalDocuments.KeepSecret(Camera("rtsp://viewer:***@10.0.0.5/stream1"), Camera("rtsp://viewer:s3cret@10.0.0.5/stream1"));

        Assert.Equal("rtsp://viewer:s3cret@10.0.0.5/stream1", kept.GetProperty("source").GetString());
    }

    [Theory]
    [InlineData("rtsp://viewer:***@10.0.0.9/stream1")] // another camera: the installer's address, no password carried over
    [InlineData("rtsp://10.0.0.5/stream1")]
    public void KeepSecret_AnotherAddress_AsProposed(string proposed)
    {
        var kept = ProposalDocuments.KeepSecret(Camera(proposed), Camera("rtsp://viewer:s3cret@10.0.0.5/stream1"));

        Assert.Equal(proposed, kept.GetProperty("source").GetString());
    }

    [Fact]
    public void KeepSecret_NewCamera_AsProposed()
    {
        var kept = ProposalDocuments.KeepSecret(Camera("rtsp://viewer:***@10.0.0.5/stream1"), null);

        Assert.Equal("rtsp://viewer:***@10.0.0.5/stream1", kept.GetProperty("source").GetString());
    }

    [Fact]
    public void Describe_LinkAndAddressChanged_NamedOldToNewPasswordsMasked()
    {
        var current = JsonSerializer.SerializeToElement(new { cameraId = "cam-1", source = "rtsp://viewer:s3cret@10.0.0.5/stream1", vmsLinkTemplate = "https://vms.ville.fr/{cameraId}" });
        var proposed = JsonSerializer.SerializeToElement(new { cameraId = "cam-1", source = "rtsp://viewer:***@10.66.0.1/stream1", vmsLinkTemplate = "https://attaquant.example/{cameraId}" });

        var lines = ProposalDiff.Describe(current, proposed);

        Assert.Contains("vmsLinkTemplate: « https://vms.ville.fr/{cameraId} » → « https://attaquant.example/{cameraId} »", lines);
        Assert.Contains("source changed: « rtsp://viewer:***@10.0.0.5/stream1 » → « rtsp://viewer:***@10.66.0.1/stream1 »", lines);
        Assert.DoesNotContain(lines, l => l.Contains("s3cret", StringComparison.Ordinal));
    }

    [Fact]
    public void Describe_SameAddressPasswordMasked_NoSourceChange()
    {
        var current = JsonSerializer.SerializeToElement(new { cameraId = "cam-1", source = "rtsp://viewer:s3cret@10.0.0.5/stream1" });
        var proposed = JsonSerializer.SerializeToElement(new { cameraId = "cam-1", source = "rtsp://viewer:***@10.0.0.5/stream1" });

        Assert.Equal(["no change to the current layout"], ProposalDiff.Describe(current, proposed));
    }
}
