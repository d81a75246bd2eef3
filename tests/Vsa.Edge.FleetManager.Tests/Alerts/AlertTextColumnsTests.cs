using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Operators;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Alerts;

/// <summary>Migration 26 on PostgreSQL: an alert's payload and objects become text; what was stored as jsonb reads the same.</summary>
public sealed class AlertTextColumnsTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Migration26_Postgres_AlertStoredAsJsonbBefore_ReadsTheSameAfter_NextMessageStoredAsText()
    {
        await using var database = FleetDatabase.CreatePostgres(postgres.CreateSchema());
        var clock = new FakeTimeProvider(Samples.T0);
        var runner = new MigrationRunner(database, clock, NullLogger<MigrationRunner>.Instance);
        await runner.MigrateAsync(CancellationToken.None, [.. Migrations.All.Where(m => m.Version < 26)]);
        var start = Samples.AlertStart("pole-1");
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            // As the fleet stored an alert before the step: both documents as jsonb.
            await using var insert = connection.Sql(null, """
                INSERT INTO alerts (alert_id, device_id, camera_id, event_type, state, sequence, started_at, observed_at, zone_id, confidence,
                                    measurement_name, measurement_value, measurement_unit, objects, model_id, model_version, received_at, updated_at)
                VALUES (@alert, @device, @camera, @type, 'start', 0, @at, @at, @zone, @confidence, 'duration', 2, 's', @objects, @model, @version, @at, @at);
                INSERT INTO alert_messages (message_id, alert_id, device_id, sequence, state, received_at, payload)
                VALUES (@message, @alert, @device, 0, 'start', @at, @payload);
                """).With("@alert", start.AlertId).With("@device", start.DeviceId).With("@camera", start.CameraId)
                .With("@type", WireNames.Of(start.EventType)).With("@zone", start.ZoneId).With("@confidence", start.Confidence)
                .With("@model", start.Model.Id).With("@version", start.Model.Version).With("@message", start.MessageId);
            database.Dialect.AddTime(insert, "@at", start.StartedAt);
            database.Dialect.AddJson(insert, "@objects", JsonSerializer.Serialize(start.Objects, FleetJsonContext.Default.IReadOnlyListAlertObject));
            database.Dialect.AddJson(insert, "@payload", JsonSerializer.Serialize(start, ContractsJsonContext.Default.AlertMessage));
            await insert.ExecuteNonQueryAsync();
        }

        await runner.MigrateAsync(CancellationToken.None);

        Assert.Equal(["text", "text"], [await ColumnTypeAsync(database, "alert_messages", "payload"), await ColumnTypeAsync(database, "alerts", "objects")]);
        var alerts = new AlertStore(database, new AuditLog(database, clock));
        Assert.Equivalent(start.Objects, (await alerts.FindAsync(start.AlertId, CancellationToken.None))!.Objects, strict: true);
        var update = Samples.Next(start, AlertState.Update, 1, 3) with { Objects = [new AlertObject("person", 0.9, [0.3, 0.2, 0.05, 0.2], 7)] };
        Assert.Equal(AlertApplyOutcome.Applied, (await alerts.ApplyAsync(update, Samples.T0.AddSeconds(3), CancellationToken.None)).Outcome);

        var track = await new AlertTrackReader(database).ReadAsync(start.AlertId, CancellationToken.None);
        Assert.Equal([0, 1], track.Select(p => p.Sequence));
        Assert.Equivalent(start.Objects, track[0].Objects, strict: true);
        Assert.Equivalent(update.Objects, track[1].Objects, strict: true);
        Assert.Equivalent(update.Objects, (await alerts.FindAsync(start.AlertId, CancellationToken.None))!.Objects, strict: true);

        // Kept as the fleet wrote it, character for character (jsonb rewrote it in its own form).
        await using var read = await database.OpenAsync(CancellationToken.None);
        await using var payload = read.Sql(null, "SELECT payload FROM alert_messages WHERE message_id = @id;").With("@id", update.MessageId);
        Assert.Equal(JsonSerializer.Serialize(update, ContractsJsonContext.Default.AlertMessage), (string?)await payload.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Migrate_Postgres_StepLongerThanTheDriversCommandTimeout_Completes()
    {
        // Step 26 rewrites two tables: on a large database it outlasts any command timeout, and a step cut short would fail
        // every start. Here the driver's limit is 1 s and a step takes 2.
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(postgres.CreateSchema()) { CommandTimeout = 1 }.ConnectionString;
        await using var database = FleetDatabase.CreatePostgres(connection);
        var runner = new MigrationRunner(database, new FakeTimeProvider(Samples.T0), NullLogger<MigrationRunner>.Instance);
        var next = Migrations.All.Max(m => m.Version) + 1;

        var version = await runner.MigrateAsync(CancellationToken.None, [.. Migrations.All, new Migration(next, "slow", "SELECT pg_sleep(2);")]);

        Assert.Equal(next, version);
    }

    private static async Task<string> ColumnTypeAsync(FleetDatabase database, string table, string column)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.Sql(null, """
            SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @table AND column_name = @column;
            """).With("@table", table).With("@column", column);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
