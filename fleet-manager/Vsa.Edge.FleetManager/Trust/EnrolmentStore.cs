using System.Data.Common;
using System.Globalization;
using System.Text.Json.Nodes;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Trust;

/// <summary>
/// Enrolment tokens and device certificates in the fleet database (tables <c>enrolment_tokens</c>, <c>device_certificates</c>).
/// A token is 32 random bytes (<c>vsa_enrol_</c> + base64url) stored as its SHA-256, used at most once, before it expires.
/// Every creation, withdrawal, enrolment and revocation is recorded in the audit log in the same transaction.
/// </summary>
public sealed class EnrolmentStore(FleetDatabase database, IAuditLog audit, FleetCertificateAuthority authority, TimeProvider timeProvider)
{
    /// <summary>Prefix of every enrolment token, so that a leaked one is recognisable.</summary>
    public const string Prefix = "vsa_enrol_";

    private const string TokenColumns = "token_id, site, created_by, created_at, expires_at, used_at, used_by_device, revoked_at";

    /// <summary>Creates a token for <paramref name="site"/>; the secret is in the result and nowhere else.</summary>
    public Task<CreatedEnrolmentToken> CreateTokenAsync(string actor, string site, TimeSpan validFor, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var secret = SecretTokens.New(Prefix);
            var now = timeProvider.GetUtcNow();
            var expires = SqlDialect.Normalise(now + validFor);
            var dialect = database.Dialect;
            await using (var insert = connection.Sql(transaction, "INSERT INTO enrolment_tokens (token_hash, site, created_by, created_at, expires_at) VALUES (@hash, @site, @actor, @now, @expires);"))
            {
                insert.With("@hash", HashOf(secret)).With("@site", site).With("@actor", actor);
                dialect.AddTime(insert, "@now", now);
                dialect.AddTime(insert, "@expires", expires);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var select = connection.Sql(transaction, "SELECT token_id FROM enrolment_tokens WHERE token_hash = @hash;").With("@hash", HashOf(secret));
            var id = await select.ScalarInt64Async(cancellationToken);
            await audit.AppendAsync(connection, transaction, new AuditEvent(actor, TrustAuditActions.TokenCreated, TokenTarget(id), new JsonObject
            {
                ["site"] = site,
                ["expiresAt"] = expires.ToString("O", CultureInfo.InvariantCulture),
            }), cancellationToken);
            return new CreatedEnrolmentToken(id, site, secret, expires);
        }, cancellationToken);

    /// <summary>All tokens, newest first, without their secrets.</summary>
    public async Task<IReadOnlyList<EnrolmentTokenView>> ListTokensAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, $"SELECT {TokenColumns} FROM enrolment_tokens ORDER BY token_id DESC;");
        var dialect = database.Dialect;
        var tokens = new List<EnrolmentTokenView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var c = reader.Columns(dialect);
        while (await reader.ReadAsync(cancellationToken))
        {
            tokens.Add(new EnrolmentTokenView(
                c.Int64("token_id"), c.String("site"), c.String("created_by"), c.Time("created_at"), c.Time("expires_at"),
                c.TimeOrNull("used_at"), c.StringOrNull("used_by_device"), c.TimeOrNull("revoked_at")));
        }

        return tokens;
    }

    /// <summary>Withdraws an unused token. Null when there is no such token; false when it was already used or withdrawn.</summary>
    public Task<bool?> RevokeTokenAsync(string actor, long tokenId, CancellationToken cancellationToken) =>
        database.InTransactionAsync<bool?>(async (connection, transaction) =>
        {
            await using (var exists = connection.Sql(transaction, "SELECT COUNT(*) FROM enrolment_tokens WHERE token_id = @id;").With("@id", tokenId))
            {
                if (await exists.ScalarInt64Async(cancellationToken) == 0)
                {
                    return null;
                }
            }

            await using (var update = connection.Sql(transaction, "UPDATE enrolment_tokens SET revoked_at = @now WHERE token_id = @id AND used_at IS NULL AND revoked_at IS NULL;"))
            {
                update.With("@id", tokenId);
                database.Dialect.AddTime(update, "@now", timeProvider.GetUtcNow());
                if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    return false;
                }
            }

            await audit.AppendAsync(connection, transaction, new AuditEvent(actor, TrustAuditActions.TokenRevoked, TokenTarget(tokenId)), cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Enrols the device of <paramref name="csr"/> with <paramref name="secret"/>: checks the token, refuses an id that already
    /// has an active certificate, signs the certificate, marks the token used and records all of it, in one transaction.
    /// </summary>
    public Task<(EnrolmentRefusal Refusal, IssuedCertificate? Issued)> EnrolAsync(string secret, DeviceCsr csr, IReadOnlyCollection<string> reservedIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(csr);
        ArgumentNullException.ThrowIfNull(reservedIds);
        if (reservedIds.Contains(csr.DeviceId, StringComparer.Ordinal))
        {
            return Task.FromResult<(EnrolmentRefusal, IssuedCertificate?)>((EnrolmentRefusal.ReservedId, null));
        }

        return database.InTransactionAsync<(EnrolmentRefusal, IssuedCertificate?)>(async (connection, transaction) =>
        {
            var dialect = database.Dialect;
            var now = timeProvider.GetUtcNow();
            long tokenId;
            string site;
            string tokenCreatedBy;
            await using (var find = connection.Sql(transaction, $"SELECT {TokenColumns} FROM enrolment_tokens WHERE token_hash = @hash;").With("@hash", HashOf(secret)))
            await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
            {
                if (!await reader.ReadAsync(cancellationToken))
                {
                    return (EnrolmentRefusal.UnknownToken, null);
                }

                var c = reader.Columns(dialect);
                var refusal = !c.IsNull("used_at") ? EnrolmentRefusal.TokenUsed
                    : !c.IsNull("revoked_at") ? EnrolmentRefusal.TokenRevoked
                    : c.Time("expires_at") <= now ? EnrolmentRefusal.TokenExpired
                    : EnrolmentRefusal.None;
                if (refusal != EnrolmentRefusal.None)
                {
                    return (refusal, null);
                }

                tokenId = c.Int64("token_id");
                site = c.String("site");
                tokenCreatedBy = c.String("created_by");
            }

            await using (var active = connection.Sql(transaction, "SELECT COUNT(*) FROM device_certificates WHERE device_id = @device AND revoked_at IS NULL AND not_after > @now;"))
            {
                active.With("@device", csr.DeviceId);
                dialect.AddTime(active, "@now", now);
                if (await active.ScalarInt64Async(cancellationToken) > 0)
                {
                    return (EnrolmentRefusal.AlreadyEnrolled, null);
                }
            }

            // Guarded: on PostgreSQL a concurrent enrolment with the same token waits for this row, then updates nothing.
            await using (var use = connection.Sql(transaction, "UPDATE enrolment_tokens SET used_at = @now, used_by_device = @device WHERE token_id = @id AND used_at IS NULL AND revoked_at IS NULL;"))
            {
                use.With("@id", tokenId).With("@device", csr.DeviceId);
                dialect.AddTime(use, "@now", now);
                if (await use.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    return (EnrolmentRefusal.TokenUsed, null);
                }
            }

            // An expired certificate no longer counts as an enrolment; it is closed so that the id can be enrolled again.
            await using (var expire = connection.Sql(transaction, "UPDATE device_certificates SET revoked_at = @now, revoked_by = 'system:enrolment', revocation_reason = 'expired' WHERE device_id = @device AND revoked_at IS NULL AND not_after <= @now;"))
            {
                expire.With("@device", csr.DeviceId);
                dialect.AddTime(expire, "@now", now);
                await expire.ExecuteNonQueryAsync(cancellationToken);
            }

            using var certificate = authority.IssueDevice(csr, site);
            var issued = new IssuedCertificate(csr.DeviceId, site, certificate.SerialNumber, new DateTimeOffset(certificate.NotAfter.ToUniversalTime()), certificate.ExportCertificatePem());
            await using (var insert = connection.Sql(transaction, """
                INSERT INTO device_certificates (serial, device_id, site, token_id, not_before, not_after, certificate_pem, issued_at)
                VALUES (@serial, @device, @site, @token, @from, @to, @pem, @now);
                """))
            {
                insert.With("@serial", issued.Serial).With("@device", issued.DeviceId).With("@site", site).With("@token", tokenId).With("@pem", issued.CertificatePem);
                dialect.AddTime(insert, "@from", new DateTimeOffset(certificate.NotBefore.ToUniversalTime()));
                dialect.AddTime(insert, "@to", issued.NotAfter);
                dialect.AddTime(insert, "@now", now);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            // The device authenticates with the token: it is recorded as the actor, under its new id.
            await audit.AppendAsync(connection, transaction, new AuditEvent($"device:{csr.DeviceId}", AuditActions.DeviceEnrolled, DeviceTarget(csr.DeviceId), new JsonObject
            {
                ["site"] = site,
                ["serial"] = issued.Serial,
                ["notAfter"] = issued.NotAfter.ToString("O", CultureInfo.InvariantCulture),
                ["token"] = TokenTarget(tokenId),
                ["tokenCreatedBy"] = tokenCreatedBy,
                ["keyAlgorithm"] = csr.IsRsa ? "RSA" : "ECDSA",
            }), cancellationToken);
            return (EnrolmentRefusal.None, issued);
        }, cancellationToken);
    }

    /// <summary>Revokes every active certificate of <paramref name="deviceId"/>; null when it has none.</summary>
    public Task<RevocationResult?> RevokeDeviceAsync(string actor, string deviceId, string? reason, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var dialect = database.Dialect;
            var now = SqlDialect.Normalise(timeProvider.GetUtcNow());
            var serials = new List<string>();
            await using (var select = connection.Sql(transaction, "SELECT serial FROM device_certificates WHERE device_id = @device AND revoked_at IS NULL ORDER BY serial;").With("@device", deviceId))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
                var c = reader.Columns();
                while (await reader.ReadAsync(cancellationToken))
                {
                    serials.Add(c.String("serial"));
                }
            }

            if (serials.Count == 0)
            {
                return null;
            }

            await using (var update = connection.Sql(transaction, "UPDATE device_certificates SET revoked_at = @now, revoked_by = @actor, revocation_reason = @reason WHERE device_id = @device AND revoked_at IS NULL;"))
            {
                update.With("@device", deviceId).With("@actor", actor).With("@reason", reason);
                dialect.AddTime(update, "@now", now);
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            await audit.AppendAsync(connection, transaction, new AuditEvent(actor, AuditActions.DeviceRevoked, DeviceTarget(deviceId), new JsonObject
            {
                ["serials"] = new JsonArray([.. serials.Select(s => (JsonNode)s)]),
                ["reason"] = reason,
            }), cancellationToken);
            return new RevocationResult(deviceId, serials, now);
        }, cancellationToken);

    /// <summary>Whether <paramref name="serial"/> is an active (issued, unrevoked, unexpired) certificate of <paramref name="deviceId"/>.</summary>
    public async Task<bool> IsActiveAsync(string deviceId, string serial, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, "SELECT COUNT(*) FROM device_certificates WHERE serial = @serial AND device_id = @device AND revoked_at IS NULL AND not_after > @now;")
            .With("@serial", serial).With("@device", deviceId);
        database.Dialect.AddTime(command, "@now", timeProvider.GetUtcNow());
        return await command.ScalarInt64Async(cancellationToken) > 0;
    }

    /// <summary>Every revoked certificate, for the CRL.</summary>
    public async Task<IReadOnlyList<RevokedCertificate>> RevokedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await RevokedAsync(connection, null, cancellationToken);
    }

    private async Task<IReadOnlyList<RevokedCertificate>> RevokedAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, "SELECT serial, revoked_at FROM device_certificates WHERE revoked_at IS NOT NULL ORDER BY serial;");
        var revoked = new List<RevokedCertificate>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var c = reader.Columns(database.Dialect);
        while (await reader.ReadAsync(cancellationToken))
        {
            revoked.Add(new RevokedCertificate(c.String("serial"), c.Time("revoked_at")));
        }

        return revoked;
    }

    private static string TokenTarget(long id) => string.Create(CultureInfo.InvariantCulture, $"enrolment-token:{id}");

    private static string DeviceTarget(string deviceId) => $"device:{deviceId}";

    private static string HashOf(string secret) => SecretTokens.HashOf(secret);
}

/// <summary>A device certificate just issued.</summary>
/// <param name="DeviceId">Its CN.</param>
/// <param name="Site">Its OU.</param>
/// <param name="Serial">Serial number, upper-case hex (as <see cref="System.Security.Cryptography.X509Certificates.X509Certificate2.SerialNumber"/>).</param>
/// <param name="NotAfter">Expiry.</param>
/// <param name="CertificatePem">The certificate in PEM.</param>
public sealed record IssuedCertificate(string DeviceId, string Site, string Serial, DateTimeOffset NotAfter, string CertificatePem);

/// <summary>Audit action names of device trust (besides <see cref="AuditActions.DeviceEnrolled"/> and <see cref="AuditActions.DeviceRevoked"/>).</summary>
public static class TrustAuditActions
{
    /// <summary>An enrolment token was created (its secret is never recorded).</summary>
    public const string TokenCreated = "enrolment_token.create";

    /// <summary>An unused enrolment token was withdrawn.</summary>
    public const string TokenRevoked = "enrolment_token.revoke";
}
