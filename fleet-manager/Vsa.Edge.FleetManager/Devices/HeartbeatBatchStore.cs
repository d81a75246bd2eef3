using System.Data.Common;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Devices;

/// <summary>One heartbeat of a batch, decoded, with whether it goes into the history (<c>device_health</c>).</summary>
/// <param name="Message">The heartbeat.</param>
/// <param name="ReceivedAt">When the fleet received it.</param>
/// <param name="KeepInHistory">False for a heartbeat coalesced by the ingestion's rate bound: it only updates the device.</param>
public sealed record BatchedHeartbeat(HealthMessage Message, DateTimeOffset ReceivedAt, bool KeepInHistory);

/// <summary>What one heartbeat of a batch did.</summary>
/// <param name="Changed">The device's row changed (false: the heartbeat was older than the one held).</param>
/// <param name="View">The row after the change, when asked for and changed.</param>
public readonly record struct HeartbeatApplied(bool Changed, DeviceView? View);

/// <summary>
/// The heartbeats of one ingestion batch, in arrival order, in the caller's transaction, with the same two statements and
/// rules as <see cref="DeviceStore.ApplyHeartbeatAsync(DbConnection, DbTransaction, HealthMessage, DateTimeOffset, bool, CancellationToken)"/>
/// but prepared once per batch instead of once per heartbeat; the device's row for the live page is read only when someone
/// is listening. 10,000 devices with a heartbeat every 5 to 10 s send ~1,300 a second: on a busy 2-core machine the fleet gets
/// a fraction of a core, and a statement's preparation and a row read per heartbeat put it minutes behind.
/// </summary>
public sealed class HeartbeatBatchStore(DeviceStore devices)
{
    /// <summary>Applies <paramref name="heartbeats"/> in order; one result each. <paramref name="readRows"/>: read the changed rows.</summary>
    public async Task<HeartbeatApplied[]> ApplyAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<BatchedHeartbeat> heartbeats, bool readRows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(heartbeats);
        var results = new HeartbeatApplied[heartbeats.Count];
        if (heartbeats.Count == 0)
        {
            return results;
        }

        await using var history = connection.Sql(transaction, DeviceStore.HeartbeatHistorySql);
        await using var upsert = connection.Sql(transaction, DeviceStore.HeartbeatUpsertSql);
        for (var i = 0; i < heartbeats.Count; i++)
        {
            var (health, receivedAt, keep) = heartbeats[i];
            var json = JsonSerializer.Serialize(health, ContractsJsonContext.Default.HealthMessage);
            if (keep)
            {
                await devices.BindHistory(history, health, receivedAt, json).ExecuteNonQueryAsync(cancellationToken);
            }

            bool changed;
            await using (var reader = await devices.BindUpsert(upsert, health, receivedAt, json).ExecuteReaderAsync(cancellationToken))
            {
                changed = await reader.ReadAsync(cancellationToken);
            }

            results[i] = new(changed, changed && readRows ? await devices.FindAsync(connection, transaction, health.DeviceId, cancellationToken) : null);
        }

        return results;
    }
}
