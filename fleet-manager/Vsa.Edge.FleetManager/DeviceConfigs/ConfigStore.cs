using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.DeviceConfigs;

/// <summary>The current desired configuration of a device, with the exact payload published for it.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Version">Its version.</param>
/// <param name="IssuedAt">When it was accepted.</param>
/// <param name="IssuedBy">Who caused it.</param>
/// <param name="Payload">The <see cref="DesiredConfigMessage"/> as published (kept as text, so every republication is byte-identical).</param>
public sealed record DesiredConfigRecord(string DeviceId, long Version, DateTimeOffset IssuedAt, string IssuedBy, string Payload)
{
    /// <summary>The payload as a message.</summary>
    public DesiredConfigMessage Message() =>
        JsonSerializer.Deserialize(Payload, ContractsJsonContext.Default.DesiredConfigMessage) ?? throw new InvalidDataException($"Stored desired configuration of {DeviceId} is null.");
}

/// <summary>The newest configuration report of a device.</summary>
/// <param name="Message">The report.</param>
/// <param name="ReceivedAt">When the fleet received it.</param>
public sealed record ReportedConfigRecord(ReportedConfigMessage Message, DateTimeOffset ReceivedAt);

/// <summary>What became of a desired configuration.</summary>
public enum SetDesiredOutcome
{
    /// <summary>Stored as a new version.</summary>
    Stored,

    /// <summary>Another version was accepted since the one the change was made from.</summary>
    Conflict,

    /// <summary>An enabled event is not covered by an authorisation.</summary>
    Unauthorised,
}

/// <summary>The result of <see cref="ConfigStore.SetDesiredAsync"/>.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Desired">The stored version when <see cref="SetDesiredOutcome.Stored"/>.</param>
/// <param name="CurrentVersion">The version held before the change (0: none).</param>
/// <param name="Errors">The unauthorised events, keyed by field, when <see cref="SetDesiredOutcome.Unauthorised"/>.</param>
public sealed record SetDesiredResult(SetDesiredOutcome Outcome, DesiredConfigRecord? Desired, long CurrentVersion, Dictionary<string, string[]>? Errors = null);

/// <summary>
/// Desired configurations (current in <c>device_config</c>, every version in <c>device_config_versions</c>) and reported
/// ones (<c>device_config_reported</c>, newest by the device's <c>at</c>). Each new version is written with its audit entry
/// in one transaction, by compare-and-set on the version, so two concurrent changes cannot both become version N+1. The
/// audit entry names the desired-state key that signs it (<paramref name="signing"/>) and the SHA-256 of the signed payload.
/// A report of a refused desired message is audited once per refused message (<see cref="ConfigAuditActions.Refused"/>), within
/// the bound per device and interval of <see cref="ConfigRefusalGate"/> (<paramref name="ingestion"/>; defaults without it).
/// </summary>
public sealed class ConfigStore(
    FleetDatabase database, AuthorisationStore authorisations, IAuditLog audit, Trust.DesiredStateSigningKey? signing = null, IOptions<IngestionOptions>? ingestion = null)
{
    private readonly ConfigRefusalGate _refusals = new(
        (ingestion?.Value ?? new IngestionOptions()).ConfigRefusalAuditInterval, (ingestion?.Value ?? new IngestionOptions()).ConfigRefusalAuditEntries);

    private const string DesiredColumns = "device_id, version, issued_at, issued_by, payload";

    /// <summary>The current desired configuration of a device, or null.</summary>
    public async Task<DesiredConfigRecord?> FindDesiredAsync(string deviceId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindDesiredAsync(connection, null, deviceId, cancellationToken);
    }

    /// <summary>Every device's current desired configuration (what the publisher republishes after a reconnect).</summary>
    public async Task<IReadOnlyList<DesiredConfigRecord>> ListDesiredAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, $"SELECT {DesiredColumns} FROM device_config ORDER BY device_id;");
        var list = new List<DesiredConfigRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var columns = reader.Columns(database.Dialect);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(ReadDesired(columns));
        }

        return list;
    }

    /// <summary>The newest configuration report of a device, or null.</summary>
    public async Task<ReportedConfigRecord?> FindReportedAsync(string deviceId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, "SELECT payload, received_at FROM device_config_reported WHERE device_id = @device_id;").With("@device_id", deviceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var c = reader.Columns(database.Dialect);
        return await reader.ReadAsync(cancellationToken)
            ? new ReportedConfigRecord(JsonSerializer.Deserialize(c.String("payload"), ContractsJsonContext.Default.ReportedConfigMessage)!, c.Time("received_at"))
            : null;
    }

    /// <summary>
    /// Stores validated cameras as the device's next desired version, unless <paramref name="expectedVersion"/> is stale or an
    /// enabled event is not covered by an authorisation from <paramref name="now"/> on. Audited with <paramref name="actor"/>.
    /// </summary>
    public Task<SetDesiredResult> SetDesiredAsync(string deviceId, IReadOnlyList<ValidatedCamera> cameras, long? expectedVersion, string actor, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var current = await FindDesiredAsync(connection, transaction, deviceId, cancellationToken);
            var currentVersion = current?.Version ?? 0;
            if (expectedVersion is { } expected && expected != currentVersion)
            {
                return new SetDesiredResult(SetDesiredOutcome.Conflict, null, currentVersion);
            }

            var all = await authorisations.ListAsync(connection, transaction, cancellationToken);
            var unauthorised = DesiredConfigRules.FindUnauthorised(deviceId, cameras, all, now);
            if (unauthorised.Count > 0)
            {
                return new SetDesiredResult(SetDesiredOutcome.Unauthorised, null, currentVersion, unauthorised);
            }

            // The models (and their signing keys) stay as they were: a camera edit never drops a model update.
            var held = current?.Message();
            var stored = await IssueAsync(connection, transaction, deviceId, currentVersion, [.. cameras.Select(c => c.Document)], all, actor, now, null, cancellationToken, held?.Models, held?.ModelSigningKeys);
            return stored is null
                ? new SetDesiredResult(SetDesiredOutcome.Conflict, null, currentVersion)
                : new SetDesiredResult(SetDesiredOutcome.Stored, stored, currentVersion);
        }, cancellationToken);

    /// <summary>
    /// After an authorisation change: issues a new version, same cameras, new windows, for each of <paramref name="deviceIds"/>
    /// that has a desired configuration whose windows changed. Runs in the caller's transaction; returns what it issued.
    /// </summary>
    public async Task<IReadOnlyList<DesiredConfigRecord>> ReissueAsync(DbConnection connection, DbTransaction transaction, IEnumerable<string> deviceIds, string actor, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var all = await authorisations.ListAsync(connection, transaction, cancellationToken);
        var issued = new List<DesiredConfigRecord>();
        foreach (var deviceId in deviceIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (await FindDesiredAsync(connection, transaction, deviceId, cancellationToken) is not { } current)
            {
                continue;
            }

            var message = current.Message();
            var windows = WindowsFor(deviceId, all, now);
            if (Serialize(windows) == Serialize(message.Authorisations))
            {
                continue;
            }

            var next = await IssueAsync(connection, transaction, deviceId, current.Version, message.Cameras, all, actor, now, reason, cancellationToken, message.Models, message.ModelSigningKeys)
                ?? throw new InvalidOperationException($"The desired configuration of {deviceId} changed during the transaction.");
            issued.Add(next);
        }

        return issued;
    }

    /// <summary>
    /// Records a report unless an equal or newer one (by the device's <c>at</c>) is held; true when stored. A stored report
    /// that refuses a desired message not refused in the report it replaces is audited (one entry per refused message, however
    /// often the device repeats it), at most <see cref="IngestionOptions.ConfigRefusalAuditEntries"/> per device and
    /// <see cref="IngestionOptions.ConfigRefusalAuditInterval"/>, the others counted into a later entry.
    /// </summary>
    public async Task<bool> ApplyReportedAsync(DbConnection connection, DbTransaction transaction, ReportedConfigMessage report, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        string? previousRefusal = null;
        if (report.Status == ConfigApplyStatus.Rejected)
        {
            await using var previous = connection.Sql(transaction, "SELECT payload FROM device_config_reported WHERE device_id = @device_id;").With("@device_id", report.DeviceId);
            if (await previous.ExecuteScalarAsync(cancellationToken) is string text)
            {
                var held = JsonSerializer.Deserialize(text, ContractsJsonContext.Default.ReportedConfigMessage);
                previousRefusal = held?.Status == ConfigApplyStatus.Rejected ? RefusalKey(held) : null;
            }
        }

        await using var command = connection.Sql(transaction, """
            INSERT INTO device_config_reported (device_id, reported_at, received_at, source, applied_version, status, payload)
            VALUES (@device_id, @at, @received, @source, @applied, @status, @payload)
            ON CONFLICT (device_id) DO UPDATE SET
                reported_at = excluded.reported_at, received_at = excluded.received_at, source = excluded.source,
                applied_version = excluded.applied_version, status = excluded.status, payload = excluded.payload
            WHERE excluded.reported_at > device_config_reported.reported_at;
            """);
        command.With("@device_id", report.DeviceId).With("@applied", report.AppliedVersion)
            .With("@source", report.Source == ConfigSource.Fleet ? "fleet" : "local")
            .With("@status", report.Status == ConfigApplyStatus.Rejected ? "rejected" : "applied")
            .With("@payload", JsonSerializer.Serialize(report, ContractsJsonContext.Default.ReportedConfigMessage));
        database.Dialect.AddTime(command, "@at", report.At);
        database.Dialect.AddTime(command, "@received", receivedAt);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            return false;
        }

        var details = report.Status == ConfigApplyStatus.Rejected && RefusalKey(report) != previousRefusal
            ? _refusals.Refused(report, receivedAt)
            : _refusals.Settle(report.DeviceId, receivedAt);
        if (details is not null)
        {
            await audit.AppendAsync(connection, transaction, new AuditEvent($"device:{report.DeviceId}", ConfigAuditActions.Refused, $"device:{report.DeviceId}", details), cancellationToken);
        }

        return true;
    }

    // What identifies one refusal: the refused bytes' hash when the device gives it, else the version and the errors.
    private static string RefusalKey(ReportedConfigMessage report) =>
        report.RejectedSha256 ?? $"{report.LastReceivedVersion}|{string.Join("\n", report.Errors ?? [])}";

    /// <summary>The windows a device receives: the authorisations naming its cameras that have not ended at <paramref name="at"/>.</summary>
    public static IReadOnlyList<AuthorisationWindow> WindowsFor(string deviceId, IReadOnlyList<AuthorisationView> all, DateTimeOffset at) =>
        [.. all.Where(a => a.EndsAt > at && a.NamesDevice(deviceId)).OrderBy(a => a.StartsAt).ThenBy(a => a.Reference, StringComparer.Ordinal).Select(a => a.WindowFor(deviceId))];

    /// <summary>
    /// Issues the next version of a device's desired configuration with the same cameras, <paramref name="model"/> in place of
    /// the model of its kind (the others kept) and <paramref name="modelSigningKeys"/>, in the caller's transaction; null when
    /// the device has no desired configuration (its cameras are not managed by the fleet). Audited like every version.
    /// </summary>
    public async Task<DesiredConfigRecord?> SetModelAsync(
        DbConnection connection, DbTransaction transaction, string deviceId, DesiredModel model, IReadOnlyList<string>? modelSigningKeys,
        string actor, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (await FindDesiredAsync(connection, transaction, deviceId, cancellationToken) is not { } current)
        {
            return null;
        }

        var message = current.Message();
        var models = (message.Models ?? []).Where(m => m.Kind != model.Kind).Append(model).OrderBy(m => m.Kind, StringComparer.Ordinal).ToList();
        var all = await authorisations.ListAsync(connection, transaction, cancellationToken);
        return await IssueAsync(connection, transaction, deviceId, current.Version, message.Cameras, all, actor, now, reason, cancellationToken, models, modelSigningKeys);
    }

    private async Task<DesiredConfigRecord?> IssueAsync(
        DbConnection connection, DbTransaction transaction, string deviceId, long previous, IReadOnlyList<JsonElement> cameras,
        IReadOnlyList<AuthorisationView> all, string actor, DateTimeOffset now, string? reason, CancellationToken cancellationToken,
        IReadOnlyList<DesiredModel>? models = null, IReadOnlyList<string>? modelSigningKeys = null)
    {
        var issuedAt = SqlDialect.Normalise(now);
        var windows = WindowsFor(deviceId, all, issuedAt);
        var message = new DesiredConfigMessage(DesiredConfigMessage.SchemaId, DesiredConfigMessage.CurrentVersion, deviceId, previous + 1, issuedAt, cameras, windows,
            models is { Count: > 0 } ? models : null, models is { Count: > 0 } ? modelSigningKeys : null);
        var record = new DesiredConfigRecord(deviceId, previous + 1, issuedAt, actor, JsonSerializer.Serialize(message, ContractsJsonContext.Default.DesiredConfigMessage));

        // Compare-and-set: on PostgreSQL a concurrent writer blocks on the row, then finds the version moved and updates nothing.
        await using (var upsert = connection.Sql(transaction, $"""
            INSERT INTO device_config ({DesiredColumns}) VALUES (@device_id, @version, @at, @by, @payload)
            ON CONFLICT (device_id) DO UPDATE SET version = excluded.version, issued_at = excluded.issued_at,
                issued_by = excluded.issued_by, payload = excluded.payload
            WHERE device_config.version = @previous;
            """))
        {
            Bind(upsert, record).With("@previous", previous);
            if (await upsert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return null;
            }
        }

        await using (var history = connection.Sql(transaction, $"INSERT INTO device_config_versions ({DesiredColumns}) VALUES (@device_id, @version, @at, @by, @payload);"))
        {
            await Bind(history, record).ExecuteNonQueryAsync(cancellationToken);
        }

        await audit.AppendAsync(connection, transaction, new AuditEvent(actor, AuditActions.ConfigurationChanged, $"device:{deviceId}", Details(record, message, previous, reason, signing?.KeyId)), cancellationToken);
        return record;
    }

    // What changed, without the camera sources (they may hold credentials); the hash pins the exact payload published.
    private static JsonObject Details(DesiredConfigRecord record, DesiredConfigMessage message, long previous, string? reason, string? signingKeyId)
    {
        var cameras = new JsonArray();
        foreach (var camera in message.Cameras)
        {
            cameras.Add(new JsonObject
            {
                ["cameraId"] = Text(camera, "cameraId"),
                ["enabledEvents"] = new JsonArray([.. EnabledEvents(camera).Select(e => (JsonNode?)JsonValue.Create(e))]),
                ["zones"] = Count(camera, "zones"),
                ["lines"] = Count(camera, "lines"),
                ["privacyMasks"] = Count(camera, "privacyMasks"),
                ["calibrated"] = camera.TryGetProperty("calibration", out var c) && c.ValueKind == JsonValueKind.Object,
            });
        }

        var details = new JsonObject
        {
            ["version"] = record.Version,
            ["previousVersion"] = previous,
            ["cameras"] = cameras,
            ["authorisations"] = new JsonArray([.. message.Authorisations.Select(w => (JsonNode?)JsonValue.Create(w.Reference))]),
            // The payload's exact bytes are what the envelope signs: this is the hash of the signed payload.
            ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(record.Payload))),
        };
        if (message.Models is { Count: > 0 } models)
        {
            details["models"] = new JsonArray([.. models.Select(m => (JsonNode?)new JsonObject { ["kind"] = m.Kind, ["id"] = m.Id, ["version"] = m.Version, ["sha256"] = m.Sha256 })]);
        }

        if (signingKeyId is not null)
        {
            details["signingKeyId"] = signingKeyId;
        }

        if (reason is not null)
        {
            details["reason"] = reason;
        }

        return details;
    }

    /// <summary>The enabled event types of a camera document.</summary>
    internal static IEnumerable<string> EnabledEvents(JsonElement camera)
    {
        if (!camera.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var e in events.EnumerateArray())
        {
            var enabled = !e.TryGetProperty("enabled", out var flag) || flag.ValueKind != JsonValueKind.False;
            if (enabled && Text(e, "type") is { } type)
            {
                yield return type;
            }
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int Count(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.GetArrayLength() : 0;

    private static string Serialize(IReadOnlyList<AuthorisationWindow> windows) =>
        JsonSerializer.Serialize(windows, FleetJsonContext.Default.IReadOnlyListAuthorisationWindow);

    private DbCommand Bind(DbCommand command, DesiredConfigRecord record)
    {
        command.With("@device_id", record.DeviceId).With("@version", record.Version).With("@by", record.IssuedBy).With("@payload", record.Payload);
        database.Dialect.AddTime(command, "@at", record.IssuedAt);
        return command;
    }

    private async Task<DesiredConfigRecord?> FindDesiredAsync(DbConnection connection, DbTransaction? transaction, string deviceId, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"SELECT {DesiredColumns} FROM device_config WHERE device_id = @device_id;").With("@device_id", deviceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadDesired(reader.Columns(database.Dialect)) : null;
    }

    private static DesiredConfigRecord ReadDesired(NamedColumns r) =>
        new(r.String("device_id"), r.Int64("version"), r.Time("issued_at"), r.String("issued_by"), r.String("payload"));
}

/// <summary>Audit actions of the configuration feature.</summary>
public static class ConfigAuditActions
{
    /// <summary>A device refused a desired message (unsigned, forged, another device's, invalid or older): recorded once per refused message.</summary>
    public const string Refused = "config.refuse";
}
