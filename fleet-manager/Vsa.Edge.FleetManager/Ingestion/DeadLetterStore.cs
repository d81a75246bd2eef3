using System.Data.Common;
using Microsoft.Extensions.Options;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>One refused message as kept for diagnosis (<c>GET /api/ingestion/dead-letters</c>).</summary>
/// <param name="Id">Increasing with each refusal.</param>
/// <param name="ReceivedAt">When the fleet received it (fleet clock).</param>
/// <param name="Topic">The MQTT topic (at most <see cref="DeadLetterStore.MaxTopicLength"/> characters, control characters replaced).</param>
/// <param name="DeviceId">The device named by the topic, when the topic names one.</param>
/// <param name="Kind">The message kind of the topic (<c>alert</c>, <c>health</c>, <c>status</c>, <c>config_reported</c>, <c>event</c>), null for an unknown topic.</param>
/// <param name="Reason">The refusal reason (<see cref="RejectReasons.Name"/>).</param>
/// <param name="Detail">What was wrong, in words.</param>
/// <param name="PayloadBytes">The payload's full size.</param>
/// <param name="PayloadHead">Its first bytes (<see cref="IngestionOptions.DeadLetterPayloadBytes"/>), base64.</param>
public sealed record DeadLetterView(long Id, DateTimeOffset ReceivedAt, string Topic, string? DeviceId, string? Kind, string Reason, string Detail, int PayloadBytes, string PayloadHead);

/// <summary>
/// The dead-letter table: every refused message, truncated, inside the transaction that refuses it, so it is kept exactly
/// when its refusal is acknowledged. Bounded by <see cref="IngestionOptions.DeadLetterMaxRows"/> (the oldest go first) and
/// by age (<see cref="RetentionOptions.DeadLetterDays"/>, in the retention purge).
/// </summary>
public sealed class DeadLetterStore(FleetDatabase database, IOptions<IngestionOptions> options)
{
    /// <summary>Longest topic kept.</summary>
    public const int MaxTopicLength = 256;

    /// <summary>Longest detail kept.</summary>
    public const int MaxDetailLength = 1000;

    private const string Columns = "dead_letter_id, received_at, topic, device_id, kind, reason, detail, payload_bytes, payload_head";

    /// <summary>Keeps a refused message and removes the oldest beyond the bound, in the caller's transaction.</summary>
    public async Task AddAsync(DbConnection connection, DbTransaction transaction, StoredMessage refused, ReadOnlyMemory<byte> payload, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var head = payload.Span[..Math.Min(payload.Length, settings.DeadLetterPayloadBytes)];
        await using var insert = connection.Sql(transaction, """
            INSERT INTO ingestion_dead_letters (received_at, topic, device_id, kind, reason, detail, payload_bytes, payload_head)
            VALUES (@received, @topic, @device, @kind, @reason, @detail, @bytes, @head)
            RETURNING dead_letter_id;
            """)
            .With("@topic", WireJson.Printable(refused.Topic, MaxTopicLength))
            .With("@device", DeviceOf(refused.Topic))
            .With("@kind", refused.Kind is { } kind ? IngestionStatistics.KindName(kind) : null)
            .With("@reason", RejectReasons.Name(refused.Reason))
            .With("@detail", WireJson.Printable(refused.Detail, MaxDetailLength))
            .With("@bytes", payload.Length)
            .With("@head", Convert.ToBase64String(head));
        database.Dialect.AddTime(insert, "@received", receivedAt);
        var id = await insert.ScalarInt64Async(cancellationToken);

        // Identities only grow: keeping the ids above (newest - bound) keeps at most the newest rows of the bound. On PostgreSQL
        // the ingestion's writers trim at the same time: rows another writer is deleting are skipped (it deletes them), so one
        // writer never waits for another's transaction here, and a device flooding refusals cannot tie two writers together.
        await using var trim = connection.Sql(transaction, database.Dialect is PostgresDialect
                ? "DELETE FROM ingestion_dead_letters WHERE dead_letter_id IN (SELECT dead_letter_id FROM ingestion_dead_letters WHERE dead_letter_id <= @oldest FOR UPDATE SKIP LOCKED);"
                : "DELETE FROM ingestion_dead_letters WHERE dead_letter_id <= @oldest;")
            .With("@oldest", id - settings.DeadLetterMaxRows);
        await trim.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The newest refusals first, those with an id below <paramref name="before"/> when given.</summary>
    public async Task<IReadOnlyList<DeadLetterView>> ListAsync(int limit, long? before, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, $"""
            SELECT {Columns} FROM ingestion_dead_letters
            WHERE (@before IS NULL OR dead_letter_id < @before)
            ORDER BY dead_letter_id DESC
            LIMIT @limit;
            """)
            .With("@before", before)
            .With("@limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<DeadLetterView>();
        var c = reader.Columns(database.Dialect);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new DeadLetterView(
                c.Int64("dead_letter_id"),
                c.Time("received_at"),
                c.String("topic"),
                c.StringOrNull("device_id"),
                c.StringOrNull("kind"),
                c.String("reason"),
                c.String("detail"),
                c.Int32("payload_bytes"),
                c.String("payload_head")));
        }

        return list;
    }

    private static string? DeviceOf(string topic) =>
        Topics.DeviceIdOf(topic) is { Length: > 0 and <= PayloadDecoder.MaxIdLength } deviceId ? WireJson.Printable(deviceId, PayloadDecoder.MaxIdLength) : null;
}
