using System.Text.Json;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.FleetManager.Installations;

/// <summary>
/// What the fleet accepts as an installation report: hostile input like every message from a device, so each field is
/// bounded and a refusal names what is wrong. Pure: the service applies it before anything is stored.
/// </summary>
public static class InstallationReportRules
{
    /// <summary>Largest payload read (bytes): 64 checks of 600 characters fit well below it.</summary>
    public const int MaxPayloadBytes = 96 * 1024;

    /// <summary>Longest id (report, check, figure name).</summary>
    public const int MaxIdLength = 64;

    /// <summary>Longest installer name.</summary>
    public const int MaxInstallerLength = 100;

    /// <summary>Longest detail or fix line.</summary>
    public const int MaxLineLength = 300;

    /// <summary>
    /// Parses and checks <paramref name="payload"/> received on <paramref name="deviceId"/>'s report topic; null with
    /// <paramref name="refusal"/> saying why when it is not acceptable.
    /// </summary>
    public static InstallationReportMessage? Check(string deviceId, ReadOnlySpan<byte> payload, out string? refusal)
    {
        if (payload.Length > MaxPayloadBytes)
        {
            refusal = $"payload of {payload.Length} bytes exceeds {MaxPayloadBytes}";
            return null;
        }

        InstallationReportMessage? report;
        try
        {
            report = JsonSerializer.Deserialize(payload, ContractsJsonContext.Default.InstallationReportMessage);
        }
        catch (JsonException ex)
        {
            refusal = $"not an installation report: {ex.Message}";
            return null;
        }

        refusal = report is null ? "not an installation report: null" : Validate(deviceId, report);
        return refusal is null ? report : null;
    }

    /// <summary>The first thing wrong with <paramref name="report"/>, or null.</summary>
    public static string? Validate(string deviceId, InstallationReportMessage report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Schema != InstallationReportMessage.SchemaId || report.SchemaVersion != InstallationReportMessage.CurrentVersion)
        {
            return $"schema must be {InstallationReportMessage.SchemaId} version {InstallationReportMessage.CurrentVersion}, not {report.Schema} version {report.SchemaVersion}";
        }

        if (report.DeviceId != deviceId)
        {
            return $"deviceId '{Clip(report.DeviceId)}' is not the topic's device '{deviceId}'";
        }

        if (!IsId(report.ReportId))
        {
            return $"reportId must be 1 to {MaxIdLength} letters, digits, '-', '_' or '.'";
        }

        if (!Enum.IsDefined(report.Kind))
        {
            return "kind must be probe or selfTest";
        }

        if (string.IsNullOrWhiteSpace(report.Installer) || report.Installer.Length > MaxInstallerLength || report.Installer.Any(char.IsControl))
        {
            return $"installer must be a name of 1 to {MaxInstallerLength} characters without control characters";
        }

        if (report.Checks is null || report.Checks.Count > InstallationReportMessage.MaxChecks)
        {
            return $"checks must be a list of at most {InstallationReportMessage.MaxChecks}";
        }

        foreach (var check in report.Checks)
        {
            if (check is null || !IsId(check.Id) || !Enum.IsDefined(check.Status) || !IsLine(check.Detail) || (check.Fix is not null && !IsLine(check.Fix)))
            {
                return $"check '{Clip(check?.Id)}': id (at most {MaxIdLength} of letters, digits, '-', '_', '.'), status, detail and fix (one line of at most {MaxLineLength} characters) are required";
            }
        }

        if (report.Passed != report.Checks.All(c => c.Status != InstallationCheckStatus.Fail))
        {
            return "passed must be true exactly when no check failed";
        }

        if (report.Figures is { } figures && (figures.Count > InstallationReportMessage.MaxChecks || figures.Any(f => !IsId(f.Key) || !double.IsFinite(f.Value))))
        {
            return $"figures: at most {InstallationReportMessage.MaxChecks}, each named like an id with a finite value";
        }

        return null;
    }

    private static bool IsId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static bool IsLine(string? text) => text is not null && text.Length <= MaxLineLength && !text.Any(char.IsControl);

    private static string Clip(string? text) => text is null ? string.Empty : text.Length <= MaxIdLength ? text : text[..MaxIdLength] + "…";
}
