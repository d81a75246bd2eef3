using System.Text;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Installations;

namespace Vsa.Edge.FleetManager.Tests.Installations;

public sealed class InstallationReportRulesTests
{
    public static InstallationReportMessage Report(string deviceId = "pole-31", bool passed = true, params InstallationCheck[] checks) =>
        new(InstallationReportMessage.SchemaId, InstallationReportMessage.CurrentVersion, deviceId, "r-" + Guid.NewGuid().ToString("N")[..12], InstallationReportKind.SelfTest,
            "Jeanne Martin", passed,
            checks.Length > 0 ? checks : [new InstallationCheck("provider.cpu", InstallationCheckStatus.Pass, "CPU: a session runs the model"), new InstallationCheck("gpu", InstallationCheckStatus.Warn, "no NVIDIA GPU", "install JetPack")],
            new Dictionary<string, double> { ["model.p95Ms"] = 41.5 }, new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));

    private static byte[] Bytes(InstallationReportMessage report) => JsonSerializer.SerializeToUtf8Bytes(report, ContractsJsonContext.Default.InstallationReportMessage);

    [Fact]
    public void Check_ValidReport_ReturnsItUnchanged()
    {
        var report = Report();

        var read = InstallationReportRules.Check("pole-31", Bytes(report), out var refusal);

        Assert.Null(refusal);
        Assert.Equal(report.ReportId, read!.ReportId);
        Assert.Equal(report.Checks, read.Checks);
        Assert.Equal(41.5, read.Figures!["model.p95Ms"]);
    }

    [Fact]
    public void Check_OtherDevicesId_RefusedNamingBoth()
    {
        Assert.Null(InstallationReportRules.Check("pole-32", Bytes(Report()), out var refusal));
        Assert.Contains("'pole-31' is not the topic's device 'pole-32'", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_PassedWithAFailedCheck_Refused()
    {
        var report = Report(passed: true, checks: new InstallationCheck("camera.a", InstallationCheckStatus.Fail, "unreachable", "check the cable"));

        Assert.Null(InstallationReportRules.Check("pole-31", Bytes(report), out var refusal));
        Assert.Contains("passed must be true exactly when no check failed", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("detail")]
    [InlineData("id")]
    [InlineData("fix")]
    public void Check_HostileCheckField_RefusedNamingTheCheck(string field)
    {
        var check = field switch
        {
            "detail" => new InstallationCheck("gpu", InstallationCheckStatus.Warn, new string('x', 301), "fix"),
            "id" => new InstallationCheck("gpu/../../x", InstallationCheckStatus.Warn, "d", "fix"),
            _ => new InstallationCheck("gpu", InstallationCheckStatus.Warn, "d", "line one\nline two"),
        };

        Assert.Null(InstallationReportRules.Check("pole-31", Bytes(Report(checks: check)), out var refusal));
        Assert.StartsWith("check '", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NotJsonOrOversized_RefusedWithoutThrowing()
    {
        Assert.Null(InstallationReportRules.Check("pole-31", Encoding.UTF8.GetBytes("{\"schema\":"), out var notJson));
        Assert.StartsWith("not an installation report", notJson, StringComparison.Ordinal);
        Assert.Null(InstallationReportRules.Check("pole-31", new byte[InstallationReportRules.MaxPayloadBytes + 1], out var tooBig));
        Assert.Contains("exceeds", tooBig, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_InstallerWithControlCharacters_Refused()
    {
        Assert.Null(InstallationReportRules.Check("pole-31", Bytes(Report() with { Installer = "Jeanne\u001b[31m" }), out var refusal));
        Assert.StartsWith("installer", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NonFiniteFigure_Refused()
    {
        var text = Encoding.UTF8.GetString(Bytes(Report())).Replace("41.5", "1e999", StringComparison.Ordinal);

        Assert.Null(InstallationReportRules.Check("pole-31", Encoding.UTF8.GetBytes(text), out var refusal));
        Assert.NotNull(refusal);
    }
}
