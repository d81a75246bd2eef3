namespace Vsa.Edge.Contracts;

/// <summary>MQTT topic layout, version 1. Every device publishes only under its own <c>vsa/v1/{deviceId}/</c> subtree.</summary>
public static class Topics
{
    /// <summary>Root of all version-1 topics.</summary>
    public const string Root = "vsa/v1";

    /// <summary>Alerts of one device (QoS 1, not retained).</summary>
    public static string Alerts(string deviceId) => $"{Root}/{deviceId}/alerts";

    /// <summary>Heartbeats of one device (QoS 0 or 1, not retained).</summary>
    public static string Health(string deviceId) => $"{Root}/{deviceId}/health";

    /// <summary>Retained online/offline status of one device; the last will sets it to offline.</summary>
    public static string Status(string deviceId) => $"{Root}/{deviceId}/status";

    /// <summary>Device events of one device (<see cref="DeviceEvent"/>: camera offline/online, tamper, maintenance; QoS 1, not retained).</summary>
    public static string Events(string deviceId) => $"{Root}/{deviceId}/events";

    /// <summary>Desired configuration of one device (<see cref="DesiredConfigMessage"/>; published by the fleet, retained, QoS 1).</summary>
    public static string ConfigDesired(string deviceId) => $"{Root}/{deviceId}/config/desired";

    /// <summary>Reported configuration of one device (<see cref="ReportedConfigMessage"/>; published by the device, retained, QoS 1).</summary>
    public static string ConfigReported(string deviceId) => $"{Root}/{deviceId}/config/reported";

    /// <summary>
    /// Suspension state of one device (<see cref="SuspensionStateMessage"/>, the kill switch; published by the fleet, signed,
    /// retained, QoS 1). On its own topic so the device handles it even while a configuration is being applied.
    /// </summary>
    public static string Suspension(string deviceId) => $"{Root}/{deviceId}/suspension";
    /// <summary>A device's certificate renewal requests (<see cref="CertificateRequestMessage"/>; published by the device, QoS 1).</summary>
    public static string CertificateRequest(string deviceId) => $"{Root}/{deviceId}/certificate/request";

    /// <summary>The fleet's answers to them (<see cref="CertificateIssuedMessage"/>, signed; published by the fleet, QoS 1).</summary>
    public static string CertificateIssued(string deviceId) => $"{Root}/{deviceId}/certificate/issued";

    /// <summary>The models a device runs and its update progress (<see cref="ModelReportedMessage"/>; published by the device, retained, QoS 1).</summary>
    public static string ModelReported(string deviceId) => $"{Root}/{deviceId}/model/reported";

    /// <summary>Camera documents an installer drew on the pole (<see cref="ConfigProposalMessage"/>; published by the device, QoS 1, not retained).</summary>
    public static string ConfigProposal(string deviceId) => $"{Root}/{deviceId}/config/proposal";

    /// <summary>Filter matching the configuration proposals of every device.</summary>
    public const string AllConfigProposals = Root + "/+/config/proposal";

    /// <summary>Filter matching the model reports of every device.</summary>
    public const string AllModelReported = Root + "/+/model/reported";

    /// <summary>Where a device publishes its installation reports (device→fleet).</summary>
    public static string InstallationReport(string deviceId) => $"{Root}/{deviceId}/installation/report";

    /// <summary>Where the fleet acknowledges a device's installation report, signed (fleet→device).</summary>
    public static string InstallationAcknowledged(string deviceId) => $"{Root}/{deviceId}/installation/acknowledged";

    /// <summary>Filter matching the installation reports of every device.</summary>
    public const string AllInstallationReports = Root + "/+/installation/report";

    /// <summary>Filter matching the certificate requests of every device.</summary>
    public const string AllCertificateRequests = Root + "/+/certificate/request";

    /// <summary>Filter matching the reported configuration of every device.</summary>
    public const string AllConfigReported = Root + "/+/config/reported";

    /// <summary>Filter matching the alerts of every device.</summary>
    public const string AllAlerts = Root + "/+/alerts";

    /// <summary>Filter matching the heartbeats of every device.</summary>
    public const string AllHealth = Root + "/+/health";

    /// <summary>Filter matching the status of every device.</summary>
    public const string AllStatus = Root + "/+/status";

    /// <summary>Filter matching the device events of every device.</summary>
    public const string AllEvents = Root + "/+/events";

    /// <summary>
    /// The topic levels under <c>vsa/v1/{deviceId}/</c> that carry the fleet's commands to a device: today the desired
    /// configuration, the suspension state (kill switch) and renewed certificates; model updates join this list. Only the fleet's own identity may publish
    /// (and retain) on them; a device only reads its own.
    /// </summary>
    public static IReadOnlyList<string> FleetToDeviceLeaves { get; } = ["config/desired", "suspension", "certificate/issued", "installation/acknowledged"];

    /// <summary>Whether <paramref name="topic"/> is a fleet→device topic (<see cref="FleetToDeviceLeaves"/>) of any device.</summary>
    public static bool IsFleetToDevice(string topic) =>
        DeviceIdOf(topic) is { } deviceId && FleetToDeviceLeaves.Contains(topic[(Root.Length + deviceId.Length + 2)..], StringComparer.Ordinal);

    /// <summary>Extracts the device id from a topic under <see cref="Root"/>, or null when the topic is not one of ours.</summary>
    public static string? DeviceIdOf(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (!topic.StartsWith(Root + "/", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = topic.AsSpan(Root.Length + 1);
        var slash = rest.IndexOf('/');
        return slash <= 0 ? null : rest[..slash].ToString();
    }
}
