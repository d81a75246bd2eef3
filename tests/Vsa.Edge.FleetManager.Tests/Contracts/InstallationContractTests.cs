using System.Text.Json;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Tests.Contracts;

public sealed class InstallationContractTests
{
    [Fact]
    public void InstallationReport_RoundTrip_KeepsEveryFieldWithCamelCaseWireNames()
    {
        var report = new InstallationReportMessage(InstallationReportMessage.SchemaId, 1, "pole-7", "0a1b2c", InstallationReportKind.SelfTest, "Jeanne Martin", false,
            [new InstallationCheck("camera.parvis", InstallationCheckStatus.Fail, "unreachable", "check the cable")], new Dictionary<string, double> { ["model.p95Ms"] = 12.5 },
            new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));

        var json = JsonSerializer.Serialize(report, ContractsJsonContext.Default.InstallationReportMessage);
        var back = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.InstallationReportMessage)!;

        Assert.Contains("\"kind\":\"selfTest\"", json, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"fail\"", json, StringComparison.Ordinal);
        Assert.Equal(report with { Checks = back.Checks, Figures = back.Figures }, back);
        Assert.Equal(report.Checks, back.Checks);
        Assert.Equal(12.5, back.Figures!["model.p95Ms"]);
    }

    [Fact]
    public void InstallationAcknowledged_RoundTrip_RefusalOmittedWhenStored()
    {
        var ack = new InstallationAcknowledgedMessage(InstallationAcknowledgedMessage.SchemaId, 1, "pole-7", "0a1b2c", null, DateTimeOffset.UnixEpoch);

        var json = JsonSerializer.Serialize(ack, ContractsJsonContext.Default.InstallationAcknowledgedMessage);

        Assert.DoesNotContain("refusal", json, StringComparison.Ordinal);
        Assert.Equal(ack, JsonSerializer.Deserialize(json, ContractsJsonContext.Default.InstallationAcknowledgedMessage));
        Assert.Contains("installation/acknowledged", Topics.FleetToDeviceLeaves);
        Assert.Equal("vsa/v1/pole-7/installation/report", Topics.InstallationReport("pole-7"));
    }
}
