using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.Evaluation;
using Vsa.Edge.FleetManager.Register;
using Vsa.Edge.FleetManager.Suspensions;

namespace Vsa.Edge.FleetManager.Reports;

/// <summary>
/// Everything the AIPD and the evaluation report (bilan) of one authorisation say, read from the fleet's own data: nothing
/// in them is typed by hand.
/// </summary>
/// <param name="Authorisation">The arrêté.</param>
/// <param name="From">Start of the period reported on (the arrêté's start).</param>
/// <param name="To">End of the period reported on: the arrêté's end, or the generation time while it runs.</param>
/// <param name="GeneratedAt">When the document was generated (fleet clock).</param>
/// <param name="Cameras">The arrêté's cameras with their configuration, in its order.</param>
/// <param name="Evaluation">Alerts of the arrêté's cameras and events in the period, by the fleet's evaluation calculator.</param>
/// <param name="Dismissals">Dismissed alerts by reason, most frequent first.</param>
/// <param name="Suspensions">Suspensions covering any of its cameras that overlap the period.</param>
/// <param name="ConfigChanges">Configuration and authorisation changes of the period (from the audit log).</param>
/// <param name="Uptime">Each device's share of the period it was heard from.</param>
/// <param name="Security">Security measures in force.</param>
/// <param name="Retention">Retention periods.</param>
/// <param name="AlertFields">The fields of the alert message, from the contract.</param>
/// <param name="Controller">The controller (the city), as the register names it.</param>
/// <param name="Rights">How a person exercises their rights (the DPO contact).</param>
public sealed record ReportData(
    AuthorisationView Authorisation,
    DateTimeOffset From,
    DateTimeOffset To,
    DateTimeOffset GeneratedAt,
    IReadOnlyList<ReportCamera> Cameras,
    EvaluationReport Evaluation,
    IReadOnlyList<DismissalCount> Dismissals,
    IReadOnlyList<ReportSuspension> Suspensions,
    IReadOnlyList<ConfigChange> ConfigChanges,
    IReadOnlyList<DeviceUptime> Uptime,
    SecurityMeasures Security,
    PublicRetention Retention,
    IReadOnlyList<AlertField> AlertFields,
    string Controller,
    PublicRights Rights);

/// <summary>A camera of the arrêté.</summary>
/// <param name="DeviceId">Its device.</param>
/// <param name="CameraId">Its id.</param>
/// <param name="PublicName">Its public name, or the register's placeholder.</param>
/// <param name="Place">Its public place, or "lieu non renseigné".</param>
/// <param name="Known">Its configuration document as the fleet knows it, or null when never configured nor reported.</param>
public sealed record ReportCamera(string DeviceId, string CameraId, string PublicName, string Place, KnownCamera? Known);

/// <summary>How many dismissed alerts gave one reason.</summary>
/// <param name="Reason">The operator's reason.</param>
/// <param name="Count">How many.</param>
public sealed record DismissalCount(string Reason, int Count);

/// <summary>A suspension as the bilan lists it.</summary>
/// <param name="Suspension">The suspension.</param>
/// <param name="DurationInPeriod">How long it lasted within the period (up to the end of the period while still active).</param>
public sealed record ReportSuspension(SuspensionView Suspension, TimeSpan DurationInPeriod);

/// <summary>A configuration change from the audit log.</summary>
/// <param name="At">When.</param>
/// <param name="Actor">Who.</param>
/// <param name="Action">The audit action (<c>config.change</c>, <c>authorisation.change</c>).</param>
/// <param name="Target">What (<c>device:pole-12</c>, <c>authorisation:2026-DPG-0412</c>).</param>
/// <param name="Summary">What changed, in a line.</param>
public sealed record ConfigChange(DateTimeOffset At, string Actor, string Action, string Target, string Summary);

/// <summary>A device's availability.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="From">Start of the span measured (the period, cut to the kept health history).</param>
/// <param name="To">End of the span measured.</param>
/// <param name="Heartbeats">Heartbeats kept in the span.</param>
/// <param name="Up">Time covered by heartbeats (two heartbeats less than <see cref="ReportCollector.UptimeGap"/> apart cover the time between).</param>
/// <param name="Ratio">Up / span; null when the span is empty.</param>
public sealed record DeviceUptime(string DeviceId, DateTimeOffset From, DateTimeOffset To, int Heartbeats, TimeSpan Up, double? Ratio);

/// <summary>The security measures in force, as configured.</summary>
/// <param name="BrokerMode">Embedded or External.</param>
/// <param name="MutualTls">Devices must present a fleet certificate (no plain endpoint).</param>
/// <param name="BenchDevicesMayPublish">The test-bench exception is on (it must be off in production).</param>
/// <param name="SignedDesiredState">Configurations and suspensions sent to devices are signed with the fleet's desired-state key.</param>
/// <param name="AuditIntact">The audit chain verified intact at generation.</param>
/// <param name="AuditEntries">Entries verified.</param>
/// <param name="AuditProblem">What is wrong with the chain, when it is not intact.</param>
/// <param name="Roles">The roles accounts can have.</param>
/// <param name="ActiveSuspensions">Suspensions in force at generation.</param>
public sealed record SecurityMeasures(
    string BrokerMode,
    bool MutualTls,
    bool BenchDevicesMayPublish,
    bool SignedDesiredState,
    bool AuditIntact,
    long AuditEntries,
    string? AuditProblem,
    IReadOnlyList<string> Roles,
    int ActiveSuspensions);

/// <summary>A field of the alert message.</summary>
/// <param name="Name">JSON name, with its parent (<c>objects[].box</c>).</param>
/// <param name="Type">Its .NET type, short.</param>
public sealed record AlertField(string Name, string Type);
