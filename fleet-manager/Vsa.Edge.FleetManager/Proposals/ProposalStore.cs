using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Proposals;

/// <summary>What storing a received proposal did.</summary>
public enum ProposalReceipt
{
    /// <summary>Stored as pending (a pending proposal of the same camera it replaces is removed).</summary>
    Stored,

    /// <summary>The same proposal (same id) was already stored: nothing changes (a QoS 1 redelivery, a resend after a crash).</summary>
    Duplicate,

    /// <summary>The device already has <see cref="ProposalStore.MaxPendingPerDevice"/> pending proposals.</summary>
    TooManyPending,

    /// <summary>The device sent more than <see cref="ProposalStore.MaxPerDevicePerHour"/> proposals within the hour.</summary>
    TooFrequent,
}

/// <summary>
/// The table <c>config_proposals</c> (migration 16): camera documents devices sent on behalf of their installer. A device can
/// neither fill the disk nor the audit log with them: a new proposal for a camera replaces that camera's pending one, at most
/// <see cref="MaxPendingPerDevice"/> wait per device, at most <see cref="MaxPerDevicePerHour"/> are taken per device and hour
/// (counted in memory: a restart forgets it). Each stored one is audited <c>proposal.received</c> in its transaction; each
/// decision <c>proposal.apply</c> or <c>proposal.reject</c>.
/// </summary>
public sealed partial class ProposalStore(FleetDatabase database, IAuditLog audit, TimeProvider timeProvider)
{
    /// <summary>Pending proposals one device may have.</summary>
    public const int MaxPendingPerDevice = 16;

    /// <summary>Proposals taken from one device per hour (the agent paces itself to the same figure).</summary>
    public const int MaxPerDevicePerHour = ConfigProposalMessage.MaxPerDevicePerHour;

    /// <summary>Longest rejection reason.</summary>
    public const int MaxReasonLength = 1000;

    private const string Columns = "device_id, proposal_id, camera_id, document, proposed_at, received_at, status, decided_by, decided_at, reason, applied_version";

    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _recent = new(StringComparer.Ordinal);

    /// <summary>Stores a checked proposal in the ingestion's transaction and audits it.</summary>
    public async Task<ProposalReceipt> ReceiveAsync(DbConnection connection, DbTransaction transaction, ConfigProposalMessage message, string cameraId, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (await FindAsync(connection, transaction, message.DeviceId, message.ProposalId, cancellationToken) is not null)
        {
            return ProposalReceipt.Duplicate;
        }

        if (!TakeSlot(message.DeviceId))
        {
            return await RefuseAsync(connection, transaction, message, ProposalReceipt.TooFrequent, cancellationToken);
        }

        // Counted without the camera's own pending proposal, which this one replaces.
        await using (var count = connection.Sql(transaction, "SELECT COUNT(*) FROM config_proposals WHERE device_id = @device AND status = 'pending' AND camera_id <> @camera;").With("@device", message.DeviceId).With("@camera", cameraId))
        {
            if (await count.ScalarInt64Async(cancellationToken) >= MaxPendingPerDevice)
            {
                return await RefuseAsync(connection, transaction, message, ProposalReceipt.TooManyPending, cancellationToken);
            }
        }

        // Replaced, never deleted: the row keeps its id, so a device cannot later send other content under an id an
        // administrator already reviewed (the id is the primary key; a second message with it is a duplicate).
        await using (var replace = connection.Sql(transaction, "UPDATE config_proposals SET status = 'superseded' WHERE device_id = @device AND camera_id = @camera AND status = 'pending';")
            .With("@device", message.DeviceId).With("@camera", cameraId))
        {
            await replace.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var insert = connection.Sql(transaction, """
            INSERT INTO config_proposals (device_id, proposal_id, camera_id, document, proposed_at, received_at, status)
            VALUES (@device, @id, @camera, @document, @proposed, @received, 'pending');
            """)
            .With("@device", message.DeviceId).With("@id", message.ProposalId).With("@camera", cameraId).With("@document", message.Camera.GetRawText()))
        {
            database.Dialect.AddTime(insert, "@proposed", message.At);
            database.Dialect.AddTime(insert, "@received", receivedAt);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        var details = new JsonObject { ["proposalId"] = message.ProposalId, ["cameraId"] = cameraId, ["proposedAt"] = message.At.ToString("O", System.Globalization.CultureInfo.InvariantCulture) };
        await audit.AppendAsync(connection, transaction, new AuditEvent($"device:{message.DeviceId}", ProposalAuditActions.Received, $"device:{message.DeviceId}", details), cancellationToken);
        return ProposalReceipt.Stored;
    }

    /// <summary>The proposals of a device, newest first (at most <paramref name="limit"/>).</summary>
    public async Task<IReadOnlyList<ProposalRecord>> ListAsync(string deviceId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, $"SELECT {Columns} FROM config_proposals WHERE device_id = @device ORDER BY received_at DESC, proposal_id LIMIT @limit;")
            .With("@device", deviceId).With("@limit", limit);
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>
    /// The pending proposals of every device, newest first (at most <paramref name="limit"/>): the console's review list. Taken
    /// in turns, not by age: every device's newest before any device's second, and so on, so that devices sending many cannot
    /// push another's out of the list (<see cref="SummariseAsync"/> counts what each device has beyond it).
    /// </summary>
    public async Task<IReadOnlyList<ProposalRecord>> ListPendingAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, $"""
            SELECT {Columns} FROM (
                SELECT {Columns}, ROW_NUMBER() OVER (PARTITION BY device_id ORDER BY received_at DESC, proposal_id) AS turn
                FROM config_proposals WHERE status = 'pending') AS ranked
            ORDER BY turn, received_at DESC, device_id, proposal_id
            LIMIT @limit;
            """)
            .With("@limit", limit);
        var taken = await ReadAllAsync(command, cancellationToken);
        return [.. taken.OrderByDescending(r => r.ReceivedAt).ThenBy(r => r.DeviceId, StringComparer.Ordinal).ThenBy(r => r.ProposalId, StringComparer.Ordinal)];
    }

    /// <summary>One proposal, or null.</summary>
    public async Task<ProposalRecord?> FindAsync(string deviceId, string proposalId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await FindAsync(connection, null, deviceId, proposalId, cancellationToken);
    }

    /// <summary>
    /// Records the decision (<paramref name="status"/>) on a pending proposal, audited by <paramref name="actor"/>; false when it
    /// was no longer pending (another administrator decided meanwhile, or a newer proposal replaced it).
    /// </summary>
    public Task<bool> DecideAsync(string deviceId, string proposalId, string status, string actor, string? reason, long? appliedVersion, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await using var update = connection.Sql(transaction, """
                UPDATE config_proposals SET status = @status, decided_by = @actor, decided_at = @at, reason = @reason, applied_version = @version
                WHERE device_id = @device AND proposal_id = @id AND status = 'pending';
                """)
                .With("@status", status).With("@actor", actor).With("@reason", reason).With("@version", appliedVersion)
                .With("@device", deviceId).With("@id", proposalId);
            var at = timeProvider.GetUtcNow();
            database.Dialect.AddTime(update, "@at", at);
            if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }

            var details = new JsonObject { ["proposalId"] = proposalId };
            if (reason is not null)
            {
                details["reason"] = reason;
            }

            if (appliedVersion is { } version)
            {
                details["version"] = version;
            }

            var action = status == ProposalStatus.Applied ? ProposalAuditActions.Applied : ProposalAuditActions.Rejected;
            await audit.AppendAsync(connection, transaction, new AuditEvent(actor, action, $"device:{deviceId}", details), cancellationToken);
            return true;
        }, cancellationToken);

    private bool TakeSlot(string deviceId)
    {
        var now = timeProvider.GetUtcNow();
        var times = _recent.GetOrAdd(deviceId, _ => new Queue<DateTimeOffset>());
        lock (times)
        {
            while (times.Count > 0 && now - times.Peek() >= TimeSpan.FromHours(1))
            {
                times.Dequeue();
            }

            if (times.Count >= MaxPerDevicePerHour)
            {
                return false;
            }

            times.Enqueue(now);
            return true;
        }
    }

    private async Task<ProposalRecord?> FindAsync(DbConnection connection, DbTransaction? transaction, string deviceId, string proposalId, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"SELECT {Columns} FROM config_proposals WHERE device_id = @device AND proposal_id = @id;")
            .With("@device", deviceId).With("@id", proposalId);
        return await ReadAllAsync(command, cancellationToken) is [var first, ..] ? first : null;
    }

    private async Task<IReadOnlyList<ProposalRecord>> ReadAllAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var list = new List<ProposalRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var dialect = database.Dialect;
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new ProposalRecord(
                reader.GetString(reader.GetOrdinal("device_id")),
                reader.GetString(reader.GetOrdinal("proposal_id")),
                reader.GetString(reader.GetOrdinal("camera_id")),
                reader.GetString(reader.GetOrdinal("document")),
                dialect.ReadTime(reader, reader.GetOrdinal("proposed_at")),
                dialect.ReadTime(reader, reader.GetOrdinal("received_at")),
                reader.GetString(reader.GetOrdinal("status")),
                reader.GetStringOrNull(reader.GetOrdinal("decided_by")),
                reader.IsDBNull(reader.GetOrdinal("decided_at")) ? null : dialect.ReadTime(reader, reader.GetOrdinal("decided_at")),
                reader.GetStringOrNull(reader.GetOrdinal("reason")),
                reader.IsDBNull(reader.GetOrdinal("applied_version")) ? null : reader.GetInt64(reader.GetOrdinal("applied_version"))));
        }

        return list;
    }
}

/// <summary>Audit actions of the proposals feature.</summary>
public static class ProposalAuditActions
{
    /// <summary>A device sent a proposal and the fleet stored it (actor <c>device:{id}</c>).</summary>
    public const string Received = "proposal.received";

    /// <summary>An administrator made a proposal the device's next desired version (a <c>config.change</c> entry goes with it).</summary>
    public const string Applied = "proposal.apply";

    /// <summary>An administrator rejected a proposal, with the reason.</summary>
    public const string Rejected = "proposal.reject";

    /// <summary>The fleet refused a device's proposal (too many pending, too many in the hour): the first refusal of each device and hour, with the reason (actor <c>device:{id}</c>).</summary>
    public const string Refused = "proposal.refused";
}

/// <summary>Reads a stored document back.</summary>
internal static class ProposalDocuments
{
    public static JsonElement Parse(string document)
    {
        using var parsed = JsonDocument.Parse(document);
        return parsed.RootElement.Clone();
    }

    /// <summary>
    /// The proposed document with the source the fleet already has for that camera when the proposed one is that same
    /// address with its password masked (a pole never sends a camera's password); otherwise as proposed.
    /// </summary>
    public static JsonElement KeepSecret(JsonElement proposed, JsonElement? current)
    {
        if (current is not { } known || Source(known) is not { } secret || Source(proposed) is not { } masked
            || secret == masked || Vsa.Edge.Configuration.SourceSecrets.Mask(secret) != masked)
        {
            return proposed;
        }

        var node = System.Text.Json.Nodes.JsonNode.Parse(proposed.GetRawText())!.AsObject();
        node["source"] = secret;
        return JsonSerializer.SerializeToElement(node);
    }

    private static string? Source(JsonElement camera) =>
        camera.ValueKind == JsonValueKind.Object && camera.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.String ? source.GetString() : null;
}
