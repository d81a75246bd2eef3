using System.Text.Json.Serialization;

namespace Vsa.Edge.Contracts;

/// <summary>The outcome of one installation check (preflight or self-test).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InstallationCheckStatus>))]
public enum InstallationCheckStatus
{
    /// <summary>Works as needed.</summary>
    [JsonStringEnumMemberName("pass")]
    Pass,

    /// <summary>Works in a reduced way, or could not be checked (offline, nothing configured): the pole may still go live.</summary>
    [JsonStringEnumMemberName("warn")]
    Warn,

    /// <summary>Does not work: fix it before leaving the pole.</summary>
    [JsonStringEnumMemberName("fail")]
    Fail,
}

/// <summary>What an installation report is.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InstallationReportKind>))]
public enum InstallationReportKind
{
    /// <summary>The self-test's round trip: a test message with no checks, shown on the device board, never an alert.</summary>
    [JsonStringEnumMemberName("probe")]
    Probe,

    /// <summary>The self-test's result: who installed the device, when, each check and the figures measured.</summary>
    [JsonStringEnumMemberName("selfTest")]
    SelfTest,
}

/// <summary>One check of an installation report.</summary>
/// <param name="Id">Stable id ("board", "provider.cpu", "camera.vtest"): at most 64 characters.</param>
/// <param name="Status">Pass, warn or fail.</param>
/// <param name="Detail">What was found, one line (at most 300 characters).</param>
/// <param name="Fix">How to fix it, one line (at most 300 characters); null on a pass.</param>
public sealed record InstallationCheck(string Id, InstallationCheckStatus Status, string Detail, string? Fix = null);

/// <summary>
/// An installation report, published (QoS 1, not retained) by the device on its own <see cref="Topics.InstallationReport"/>
/// by <c>vsa-agent provision selftest</c>, or later by the running agent when the uplink was down during the self-test. It
/// carries metadata only (no image, no camera address). The fleet stores it by <paramref name="ReportId"/> (a report sent
/// twice is stored once), shows it on the device board, never in the operators' alert queue, and answers with a signed
/// <see cref="InstallationAcknowledgedMessage"/>.
/// </summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="SchemaVersion">Always <see cref="CurrentVersion"/>.</param>
/// <param name="DeviceId">The device (the topic's).</param>
/// <param name="ReportId">Random id (at most 64 characters) the acknowledgement repeats.</param>
/// <param name="Kind">A round-trip probe or the self-test's result.</param>
/// <param name="Installer">Who installed the device (at most 100 characters).</param>
/// <param name="Passed">True when no check failed.</param>
/// <param name="Checks">The checks (at most <see cref="MaxChecks"/>); empty for a probe.</param>
/// <param name="Figures">Measured figures by name ("model.p95Ms", "fleet.roundTripMs", "camera.vtest.fps"), at most <see cref="MaxChecks"/>.</param>
/// <param name="At">When the self-test ran.</param>
public sealed record InstallationReportMessage(
    string Schema,
    int SchemaVersion,
    string DeviceId,
    string ReportId,
    InstallationReportKind Kind,
    string Installer,
    bool Passed,
    IReadOnlyList<InstallationCheck> Checks,
    IReadOnlyDictionary<string, double>? Figures,
    DateTimeOffset At)
{
    /// <summary>Schema identifier.</summary>
    public const string SchemaId = "vsa.installation.report";

    /// <summary>Current schema version.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Most checks (and most figures) a report may carry.</summary>
    public const int MaxChecks = 64;
}

/// <summary>
/// The fleet's answer to an installation report on <see cref="Topics.InstallationAcknowledged"/> (QoS 1, not retained), inside a
/// signed envelope (<see cref="Signing.SignedMessage"/>, schema <see cref="SchemaId"/>): stored, or why not.
/// </summary>
/// <param name="Schema">Always <see cref="SchemaId"/>.</param>
/// <param name="SchemaVersion">Always <see cref="CurrentVersion"/>.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="ReportId">The report answered.</param>
/// <param name="Refusal">Why the report was refused (names what is wrong), null when stored.</param>
/// <param name="At">When the fleet answered.</param>
public sealed record InstallationAcknowledgedMessage(string Schema, int SchemaVersion, string DeviceId, string ReportId, string? Refusal, DateTimeOffset At)
{
    /// <summary>Schema identifier.</summary>
    public const string SchemaId = "vsa.installation.acknowledged";

    /// <summary>Current schema version.</summary>
    public const int CurrentVersion = 1;
}
