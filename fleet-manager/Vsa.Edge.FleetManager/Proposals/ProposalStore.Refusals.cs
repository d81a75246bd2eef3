using System.Data.Common;
using System.Text.Json.Nodes;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Proposals;

/// <summary>
/// What one device has waiting and what the fleet refused from it (<c>GET /api/proposals/devices</c>): the review list takes
/// devices in turns, so this is where an administrator sees what lies beyond it.
/// </summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Pending">Its pending proposals (at most <see cref="ProposalStore.MaxPendingPerDevice"/>).</param>
/// <param name="Listed">How many of them the review list (<c>GET /api/proposals</c>) shows now.</param>
/// <param name="Refused">Its proposals refused and still kept in the dead letters (<c>GET /api/ingestion/dead-letters</c>), for any reason.</param>
/// <param name="LastRefusedAt">When the newest of them was refused.</param>
/// <param name="LastRefusal">Why, in words.</param>
public sealed record ProposalDeviceSummary(string DeviceId, int Pending, int Listed, int Refused, DateTimeOffset? LastRefusedAt, string? LastRefusal);

/// <summary>Refusals of the proposal store: audited once per device and hour, summarised per device.</summary>
public sealed partial class ProposalStore
{
    /// <summary>Most devices in <see cref="SummariseAsync"/>, those with the most pending and refused first.</summary>
    public const int SummaryLimit = 1000;

    private readonly Lock _refusalLock = new();
    private readonly Dictionary<string, DateTimeOffset> _refusalAudited = new(StringComparer.Ordinal);

    // Audited in a transaction not yet committed: the hour starts only once the entry is in the log (RefusalCommitted), so a
    // rolled-back batch does not leave the device's refusals unaudited for an hour. With its transaction: a second refusal of
    // the device in the same transaction is not audited again, one in another (after a rollback) is.
    private readonly Dictionary<string, (DateTimeOffset At, DbTransaction Transaction)> _refusalPending = new(StringComparer.Ordinal);

    /// <summary>
    /// The transaction of a refusal of <paramref name="deviceId"/> committed (the ingestion calls it when it announces the
    /// refusal): if that refusal was audited, the device's next hour of refusals goes unaudited from now on.
    /// </summary>
    public void RefusalCommitted(string deviceId)
    {
        lock (_refusalLock)
        {
            if (_refusalPending.Remove(deviceId, out var pending))
            {
                _refusalAudited[deviceId] = pending.At;
            }
        }
    }

    /// <summary>Why a proposal of <paramref name="deviceId"/> was refused, in words (the dead letter's detail, the audit's).</summary>
    public static string RefusalText(ProposalReceipt receipt, string deviceId) => receipt == ProposalReceipt.TooManyPending
        ? $"device '{deviceId}' already has {MaxPendingPerDevice} pending proposals for other cameras: an administrator must decide on them first"
        : $"device '{deviceId}' sent more than {MaxPerDevicePerHour} proposals within the hour";

    /// <summary>
    /// Per device with pending proposals or refused ones kept, the counts and the newest refusal's reason; the review list of
    /// <paramref name="listLimit"/> tells how many of each device's pending ones it shows.
    /// </summary>
    public async Task<IReadOnlyList<ProposalDeviceSummary>> SummariseAsync(int listLimit, CancellationToken cancellationToken)
    {
        var listed = (await ListPendingAsync(listLimit, cancellationToken)).CountBy(r => r.DeviceId, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);
        var pending = new Dictionary<string, int>(StringComparer.Ordinal);
        var refused = new Dictionary<string, (int Count, DateTimeOffset At, string Detail)>(StringComparer.Ordinal);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using (var count = connection.Sql(null, "SELECT device_id, COUNT(*) AS pending FROM config_proposals WHERE status = 'pending' GROUP BY device_id;"))
        {
            await using var reader = await count.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                pending[reader.GetString(0)] = (int)reader.GetInt64(1);
            }
        }

        await using (var letters = connection.Sql(null, """
            SELECT d.device_id, g.refused, d.received_at, d.detail FROM ingestion_dead_letters d
            JOIN (SELECT device_id, COUNT(*) AS refused, MAX(dead_letter_id) AS newest FROM ingestion_dead_letters
                  WHERE kind = 'config_proposal' AND device_id IS NOT NULL GROUP BY device_id) g ON d.dead_letter_id = g.newest;
            """))
        {
            await using var reader = await letters.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                refused[reader.GetString(0)] = ((int)reader.GetInt64(1), database.Dialect.ReadTime(reader, 2), reader.GetString(3));
            }
        }

        return [.. pending.Keys.Union(refused.Keys, StringComparer.Ordinal)
            .Select(d => new ProposalDeviceSummary(
                d,
                pending.GetValueOrDefault(d),
                listed.GetValueOrDefault(d),
                refused.TryGetValue(d, out var r) ? r.Count : 0,
                refused.TryGetValue(d, out r) ? r.At : null,
                refused.TryGetValue(d, out r) ? r.Detail : null))
            .OrderByDescending(s => s.Pending + s.Refused).ThenBy(s => s.DeviceId, StringComparer.Ordinal)
            .Take(SummaryLimit)];
    }

    /// <summary>
    /// A refusal: audited <see cref="ProposalAuditActions.Refused"/> in the ingestion's transaction the first time in each hour
    /// for the device (the dead letters keep every one), so a device refused all day adds 24 entries, not thousands. The hour
    /// counts from the commit (<see cref="RefusalCommitted"/>), never from an entry a rollback took back.
    /// </summary>
    private async Task<ProposalReceipt> RefuseAsync(DbConnection connection, DbTransaction transaction, ConfigProposalMessage message, ProposalReceipt receipt, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        bool audited;
        lock (_refusalLock)
        {
            audited = (!_refusalAudited.TryGetValue(message.DeviceId, out var last) || now - last >= TimeSpan.FromHours(1))
                && !(_refusalPending.TryGetValue(message.DeviceId, out var pending) && ReferenceEquals(pending.Transaction, transaction));
            if (audited)
            {
                _refusalPending[message.DeviceId] = (now, transaction);
            }
        }

        if (audited)
        {
            var details = new JsonObject
            {
                ["proposalId"] = message.ProposalId,
                ["reason"] = receipt == ProposalReceipt.TooManyPending ? "too_many_pending" : "too_frequent",
                ["detail"] = RefusalText(receipt, message.DeviceId),
            };
            await audit.AppendAsync(connection, transaction, new AuditEvent($"device:{message.DeviceId}", ProposalAuditActions.Refused, $"device:{message.DeviceId}", details), cancellationToken);
        }

        return receipt;
    }
}
