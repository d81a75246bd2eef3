using System.Globalization;
using System.Text.Json.Nodes;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Trust;

/// <summary>Why a renewal (or a switch) was refused.</summary>
public enum RenewalRefusal
{
    /// <summary>Not refused.</summary>
    None,

    /// <summary>The certificate named is not one this fleet issued to this device.</summary>
    UnknownCertificate,

    /// <summary>The certificate named was revoked.</summary>
    Revoked,

    /// <summary>The certificate named has expired: the device must be enrolled again.</summary>
    Expired,

    /// <summary>The request's CSR is unusable or names another device.</summary>
    InvalidCsr,

    /// <summary>
    /// The certificate named is a renewal the device has not said it switched to: only the enrolled certificate (the one the
    /// device last switched to) may ask, so a stolen copy of an unswitched certificate cannot keep renewing beside the device.
    /// </summary>
    NotEnrolled,
}

/// <summary>
/// Device certificate renewal in the fleet database, without an enrolment token: a device proves who it is with the
/// certificate it connects with, and gets one for a new key. The new certificate names the one it renews
/// (<c>renews_serial</c>) and inherits its enrolment (token, site); both stay active until the device says it has switched,
/// then the older ones are revoked (<c>superseded</c>). A second renewal of the same certificate (an answer lost on the way)
/// revokes the first, never used. Everything audited in the same transaction.
/// </summary>
public sealed class CertificateRenewalStore(FleetDatabase database, IAuditLog audit, FleetCertificateAuthority authority, TimeProvider timeProvider)
{
    /// <summary>Audit action of a renewal.</summary>
    public const string RenewedAction = "device_certificate.renew";

    /// <summary>Audit action of a switch to the renewed certificate (the older ones revoked).</summary>
    public const string SwitchedAction = "device_certificate.switch";

    /// <summary>Audit action of a refused renewal.</summary>
    public const string RefusedAction = "device_certificate.renew_refused";

    /// <summary>
    /// Signs a certificate for <paramref name="csr"/>'s key if <paramref name="currentSerial"/> is the enrolled (not an unswitched
    /// renewal), active certificate of <paramref name="deviceId"/>; every earlier unswitched renewal of the device is revoked first.
    /// </summary>
    public Task<(RenewalRefusal Refusal, IssuedCertificate? Issued)> RenewAsync(string deviceId, string currentSerial, DeviceCsr csr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(csr);
        return database.InTransactionAsync<(RenewalRefusal, IssuedCertificate?)>(async (connection, transaction) =>
        {
            var dialect = database.Dialect;
            var now = timeProvider.GetUtcNow();
            var refusal = RenewalRefusal.None;
            long tokenId = 0;
            string site = string.Empty;
            await using (var find = connection.Sql(transaction, "SELECT token_id, site, not_after, revoked_at, renews_serial FROM device_certificates WHERE serial = @serial AND device_id = @device;")
                .With("@serial", currentSerial).With("@device", deviceId))
            await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
            {
                var c = reader.Columns(dialect);
                refusal = !await reader.ReadAsync(cancellationToken) ? RenewalRefusal.UnknownCertificate
                    : !c.IsNull("revoked_at") ? RenewalRefusal.Revoked
                    : c.Time("not_after") <= now ? RenewalRefusal.Expired
                    : !c.IsNull("renews_serial") ? RenewalRefusal.NotEnrolled
                    : csr.DeviceId != deviceId ? RenewalRefusal.InvalidCsr
                    : RenewalRefusal.None;
                if (refusal == RenewalRefusal.None)
                {
                    tokenId = c.Int64("token_id");
                    site = c.String("site");
                }
            }

            if (refusal != RenewalRefusal.None)
            {
                await audit.AppendAsync(connection, transaction, new AuditEvent($"device:{deviceId}", RefusedAction, $"device:{deviceId}", new JsonObject
                {
                    ["serial"] = currentSerial,
                    ["refusal"] = refusal.ToString(),
                }), cancellationToken);
                return (refusal, null);
            }

            // Any earlier renewal of this device that it never switched to (an answer lost, or a request it did not make): superseded
            // before a new one is issued, so at most one renewed certificate of a device is ever active beside the enrolled one.
            await using (var supersede = connection.Sql(transaction, "UPDATE device_certificates SET revoked_at = @now, revoked_by = 'system:renewal', revocation_reason = 'superseded' WHERE device_id = @device AND renews_serial IS NOT NULL AND revoked_at IS NULL;")
                .With("@device", deviceId))
            {
                dialect.AddTime(supersede, "@now", now);
                await supersede.ExecuteNonQueryAsync(cancellationToken);
            }

            using var certificate = authority.IssueDevice(csr, site);
            var issued = new IssuedCertificate(deviceId, site, certificate.SerialNumber, new DateTimeOffset(certificate.NotAfter.ToUniversalTime()), certificate.ExportCertificatePem());
            await using (var insert = connection.Sql(transaction, """
                INSERT INTO device_certificates (serial, device_id, site, token_id, not_before, not_after, certificate_pem, issued_at, renews_serial)
                VALUES (@serial, @device, @site, @token, @from, @to, @pem, @now, @renews);
                """))
            {
                insert.With("@serial", issued.Serial).With("@device", deviceId).With("@site", site).With("@token", tokenId).With("@pem", issued.CertificatePem).With("@renews", currentSerial);
                dialect.AddTime(insert, "@from", new DateTimeOffset(certificate.NotBefore.ToUniversalTime()));
                dialect.AddTime(insert, "@to", issued.NotAfter);
                dialect.AddTime(insert, "@now", now);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            await audit.AppendAsync(connection, transaction, new AuditEvent($"device:{deviceId}", RenewedAction, $"device:{deviceId}", new JsonObject
            {
                ["serial"] = issued.Serial,
                ["renews"] = currentSerial,
                ["notAfter"] = issued.NotAfter.ToString("O", CultureInfo.InvariantCulture),
                ["keyAlgorithm"] = csr.IsRsa ? "RSA" : "ECDSA",
            }), cancellationToken);
            return (RenewalRefusal.None, issued);
        }, cancellationToken);
    }

    /// <summary>
    /// The device connects with <paramref name="newSerial"/>: every other active certificate of it is revoked. Returns the
    /// serials revoked (empty when there were none), or a refusal when <paramref name="newSerial"/> is not active.
    /// </summary>
    public Task<(RenewalRefusal Refusal, IReadOnlyList<string> Revoked)> SwitchedAsync(string deviceId, string newSerial, CancellationToken cancellationToken) =>
        database.InTransactionAsync<(RenewalRefusal, IReadOnlyList<string>)>(async (connection, transaction) =>
        {
            var dialect = database.Dialect;
            var now = SqlDialect.Normalise(timeProvider.GetUtcNow());
            await using (var active = connection.Sql(transaction, "SELECT not_after, revoked_at FROM device_certificates WHERE serial = @serial AND device_id = @device;")
                .With("@serial", newSerial).With("@device", deviceId))
            await using (var reader = await active.ExecuteReaderAsync(cancellationToken))
            {
                var c = reader.Columns(dialect);
                var refusal = !await reader.ReadAsync(cancellationToken) ? RenewalRefusal.UnknownCertificate
                    : !c.IsNull("revoked_at") ? RenewalRefusal.Revoked
                    : c.Time("not_after") <= now ? RenewalRefusal.Expired
                    : RenewalRefusal.None;
                if (refusal != RenewalRefusal.None)
                {
                    return (refusal, []);
                }
            }

            var older = new List<string>();
            await using (var select = connection.Sql(transaction, "SELECT serial FROM device_certificates WHERE device_id = @device AND serial <> @serial AND revoked_at IS NULL ORDER BY serial;")
                .With("@device", deviceId).With("@serial", newSerial))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
                var c = reader.Columns();
                while (await reader.ReadAsync(cancellationToken))
                {
                    older.Add(c.String("serial"));
                }
            }

            if (older.Count == 0)
            {
                return (RenewalRefusal.None, []);
            }

            await using (var revoke = connection.Sql(transaction, "UPDATE device_certificates SET revoked_at = @now, revoked_by = 'system:renewal', revocation_reason = 'superseded' WHERE device_id = @device AND serial <> @serial AND revoked_at IS NULL;")
                .With("@device", deviceId).With("@serial", newSerial))
            {
                dialect.AddTime(revoke, "@now", now);
                await revoke.ExecuteNonQueryAsync(cancellationToken);
            }

            // The one in use becomes the device's enrolled certificate (the unique index allows one; the renewal index frees its slot).
            await using (var promote = connection.Sql(transaction, "UPDATE device_certificates SET renews_serial = NULL WHERE serial = @serial;").With("@serial", newSerial))
            {
                await promote.ExecuteNonQueryAsync(cancellationToken);
            }

            await audit.AppendAsync(connection, transaction, new AuditEvent($"device:{deviceId}", SwitchedAction, $"device:{deviceId}", new JsonObject
            {
                ["serial"] = newSerial,
                ["revoked"] = new JsonArray([.. older.Select(s => (JsonNode)s)]),
            }), cancellationToken);
            return (RenewalRefusal.None, older);
        }, cancellationToken);
}
