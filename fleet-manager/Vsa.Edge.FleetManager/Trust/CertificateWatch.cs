using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Trust;

/// <summary>Where a device certificate stands.</summary>
public enum CertificateState
{
    /// <summary>Far from its end.</summary>
    Ok,

    /// <summary>Within <see cref="TrustOptions.ExpiryWarning"/> of its end.</summary>
    ExpiringSoon,

    /// <summary>Past the point (<see cref="TrustOptions.RenewalMissedAfter"/> of its lifetime) by which its device should have renewed it.</summary>
    RenewalMissed,
}

/// <summary>A device's certificate in the report.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Serial">Its newest active certificate.</param>
/// <param name="NotAfter">Its expiry.</param>
/// <param name="State">Where it stands.</param>
/// <param name="RenewalPending">A renewed certificate was issued and the device has not switched to it yet.</param>
public sealed record DeviceCertificateStatus(string DeviceId, string Serial, DateTimeOffset NotAfter, CertificateState State, bool RenewalPending);

/// <summary>Body of <c>GET /api/trust/certificates</c>: the device certificates that need attention, and the fleet's own.</summary>
/// <param name="At">When it was computed.</param>
/// <param name="CaNotAfter">When the fleet CA expires (every device certificate ends by then).</param>
/// <param name="ServiceNotAfter">When the fleet's service certificate (its MQTT identity) expires.</param>
/// <param name="ActiveDevices">Devices with an active certificate.</param>
/// <param name="Attention">Those expiring soon or that missed their renewal, soonest end first.</param>
public sealed record CertificateReport(DateTimeOffset At, DateTimeOffset CaNotAfter, DateTimeOffset ServiceNotAfter, int ActiveDevices, IReadOnlyList<DeviceCertificateStatus> Attention)
{
    /// <summary>Devices within the warning window.</summary>
    public int ExpiringSoon => Attention.Count(c => c.State == CertificateState.ExpiringSoon);

    /// <summary>Devices that missed their renewal.</summary>
    public int RenewalMissed => Attention.Count(c => c.State == CertificateState.RenewalMissed);
}

/// <summary>
/// Watches certificate lifetimes: each device's newest active certificate (expiring soon, renewal missed), the fleet CA and
/// the fleet's service certificate. The report feeds <c>GET /api/trust/certificates</c>, the metrics and the log (a warning
/// for each device that enters a warning state, and for the CA or service certificate within the warning window).
/// </summary>
public sealed partial class CertificateWatch(FleetDatabase database, FleetCertificateAuthority authority, IOptions<TrustOptions> options, TimeProvider timeProvider, ILogger<CertificateWatch> logger)
{
    private readonly Dictionary<string, CertificateState> _warned = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Reads the active certificates and classifies them.</summary>
    public async Task<CertificateReport> ReportAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = timeProvider.GetUtcNow();
        var newest = new Dictionary<string, (string Serial, DateTimeOffset NotBefore, DateTimeOffset NotAfter, int Active)>(StringComparer.Ordinal);
        await using (var connection = await database.OpenAsync(cancellationToken))
        await using (var command = connection.Sql(null, "SELECT device_id, serial, not_before, not_after FROM device_certificates WHERE revoked_at IS NULL AND not_after > @now;"))
        {
            database.Dialect.AddTime(command, "@now", now);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var c = reader.Columns(database.Dialect);
            while (await reader.ReadAsync(cancellationToken))
            {
                var device = c.String("device_id");
                (string Serial, DateTimeOffset NotBefore, DateTimeOffset NotAfter, int Active) row = (c.String("serial"), c.Time("not_before"), c.Time("not_after"), 1);
                newest[device] = newest.TryGetValue(device, out var held)
                    ? (held.NotAfter >= row.NotAfter ? held : row) with { Active = held.Active + 1 }
                    : row;
            }
        }

        var attention = new List<DeviceCertificateStatus>();
        foreach (var (device, cert) in newest)
        {
            var missedAt = cert.NotBefore + ((cert.NotAfter - cert.NotBefore) * settings.RenewalMissedAfter);
            var state = now >= missedAt ? CertificateState.RenewalMissed
                : cert.NotAfter - now <= settings.ExpiryWarning ? CertificateState.ExpiringSoon
                : CertificateState.Ok;
            if (state != CertificateState.Ok)
            {
                attention.Add(new DeviceCertificateStatus(device, cert.Serial, cert.NotAfter, state, cert.Active > 1));
            }
        }

        attention.Sort((a, b) => a.NotAfter.CompareTo(b.NotAfter));
        return new CertificateReport(now, new DateTimeOffset(authority.Certificate.NotAfter.ToUniversalTime()), new DateTimeOffset(authority.ServiceCertificate.NotAfter.ToUniversalTime()), newest.Count, attention);
    }

    /// <summary>Logs what entered a warning state since the last call (each device once per state), and the fleet's own certificates.</summary>
    public void Warn(CertificateReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var settings = options.Value;
        lock (_gate)
        {
            var current = report.Attention.ToDictionary(c => c.DeviceId, StringComparer.Ordinal);
            foreach (var device in _warned.Keys.Where(d => !current.ContainsKey(d)).ToList())
            {
                _warned.Remove(device);
            }

            foreach (var status in report.Attention)
            {
                if (_warned.TryGetValue(status.DeviceId, out var was) && was == status.State)
                {
                    continue;
                }

                _warned[status.DeviceId] = status.State;
                if (status.State == CertificateState.RenewalMissed)
                {
                    LogRenewalMissed(logger, status.DeviceId, status.Serial, status.NotAfter);
                }
                else
                {
                    LogExpiringSoon(logger, status.DeviceId, status.Serial, status.NotAfter);
                }
            }
        }

        if (report.CaNotAfter - report.At <= settings.CaExpiryWarning)
        {
            LogFleetCertificate(logger, "fleet CA", report.CaNotAfter, "every device must be enrolled again under a new CA before then (docs/trust.md)");
        }

        if (report.ServiceNotAfter - report.At <= settings.ExpiryWarning / 4)
        {
            LogFleetCertificate(logger, "service certificate", report.ServiceNotAfter, "restart the fleet manager to issue a new one");
        }
    }

    [LoggerMessage(EventId = 11710, Level = LogLevel.Warning, Message = "Device {DeviceId}: certificate {Serial} expires at {NotAfter:O} and was not renewed yet")]
    private static partial void LogExpiringSoon(ILogger logger, string deviceId, string serial, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 11711, Level = LogLevel.Warning, Message = "Device {DeviceId} missed its certificate renewal: {Serial} expires at {NotAfter:O}; check the device is online and its clock right, or enrol it again")]
    private static partial void LogRenewalMissed(ILogger logger, string deviceId, string serial, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 11712, Level = LogLevel.Warning, Message = "The {Which} expires at {NotAfter:O}: {Action}")]
    private static partial void LogFleetCertificate(ILogger logger, string which, DateTimeOffset notAfter, string action);
}
