using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Devices;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Tests.Devices;

/// <summary>
/// A large fleet written straight into the database in one transaction, many rows per statement (a device's heartbeat
/// through the ingestion would take minutes for thousands): devices "pole-00000"… on <see cref="Sites"/> sites, with
/// a known mix the tests count on. Devices are written before their certificates, whose trigger (migration 23) adds the
/// never-connected ones to the registry and the site to every row. Shared with the console's tests (linked file).
/// </summary>
internal static class BoardSeed
{
    /// <summary>Sites, device i on site i % Sites.</summary>
    public const int Sites = 20;

    private const int RowsPerStatement = 200;

    /// <summary>The device id of index <paramref name="i"/>.</summary>
    public static string DeviceId(int i) => string.Create(CultureInfo.InvariantCulture, $"pole-{i:D5}");

    /// <summary>The site of index <paramref name="i"/>.</summary>
    public static string Site(int i) => string.Create(CultureInfo.InvariantCulture, $"Site {i % Sites:D2}");

    /// <summary>Enrolled but never connected: every 1,000th from 999.</summary>
    public static bool Never(int i) => i % 1000 == 999;

    /// <summary>Offline (last will): every 50th, never-connected ones aside.</summary>
    public static bool Offline(int i) => i % 50 == 0 && !Never(i);

    /// <summary>A camera with no frames: every 200th from 7.</summary>
    public static bool Stopped(int i) => i % 200 == 7 && !Never(i);

    /// <summary>Runs model "nanodet-coco 2" (every 10th from 3); the rest "nanodet-coco 1".</summary>
    public static bool NewModel(int i) => i % 10 == 3 && !Never(i);

    /// <summary>Certificate expiring in 10 days (every 100th from 5); the rest in 300.</summary>
    public static bool Expiring(int i) => i % 100 == 5;

    /// <summary>Counts of the seeded fleet for <paramref name="count"/> devices.</summary>
    public static (int Online, int Offline, int Never, int Stopped, int NewModel, int Expiring) Expected(int count)
    {
        var all = Enumerable.Range(0, count).ToArray();
        return (all.Count(i => !Never(i) && !Offline(i)), all.Count(Offline), all.Count(Never), all.Count(Stopped), all.Count(NewModel), all.Count(Expiring));
    }

    /// <summary>Writes <paramref name="count"/> devices as of <paramref name="now"/>.</summary>
    public static Task SeedAsync(FleetDatabase database, int count, DateTimeOffset now) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var dialect = database.Dialect;
            await using var token = connection.Sql(transaction, """
                INSERT INTO enrolment_tokens (token_hash, site, created_by, created_at, expires_at) VALUES (@hash, 'seed', 'seed', @now, @now) RETURNING token_id;
                """).With("@hash", $"seed-{Guid.NewGuid():N}");
            dialect.AddTime(token, "@now", now);
            var tokenId = await token.ScalarInt64Async(CancellationToken.None);
            for (var start = 0; start < count; start += RowsPerStatement)
            {
                var batch = Enumerable.Range(start, Math.Min(RowsPerStatement, count - start)).ToArray();
                var connected = batch.Where(i => !Never(i)).ToArray();
                if (connected.Length > 0)
                {
                    await InsertAsync(connection, transaction, $"devices (device_id, status, status_at, last_heartbeat_at, agent_version, execution_provider, last_health, first_seen_at, updated_at, {DeviceBoardColumns.Names})", connected, (command, i, p) =>
                    {
                        var sentAt = now.AddSeconds(-(i % 600));
                        var health = new HealthMessage(HealthMessage.SchemaId, HealthMessage.CurrentVersion, DeviceId(i), sentAt, 3600, "0.9.0", i % 4 == 0 ? "CUDA" : "TensorRT",
                            new ModelRef("nanodet-coco", NewModel(i) ? "2" : "1"), [new CameraHealth("cam-1", !Stopped(i), Stopped(i) ? 0 : 9.8, 0, 4.9, 7.2), new CameraHealth($"cam-{i:D5}b", true, 9.7, 0, 5.1, 7.9)],
                            new OutboxHealth(i % 7, 0, null, 100, 0, 0, 0, 0, 0));
                        command.With($"{p}a", DeviceId(i)).With($"{p}b", Offline(i) ? "offline" : "online");
                        dialect.AddTime(command, $"{p}c", Offline(i) ? sentAt.AddSeconds(1) : null);
                        dialect.AddTime(command, $"{p}d", sentAt);
                        command.With($"{p}e", health.AgentVersion).With($"{p}f", health.ExecutionProvider);
                        dialect.AddJson(command, $"{p}g", JsonSerializer.Serialize(health, ContractsJsonContext.Default.HealthMessage));
                        dialect.AddTime(command, $"{p}h", now.AddDays(-30));
                        dialect.AddTime(command, $"{p}i", now);
                        var board = DeviceBoardColumns.Of(health);
                        command.With($"{p}j", board.Model).With($"{p}k", board.Outbox).With($"{p}l", board.StoppedCameras).With($"{p}m", board.SuspendedCameras)
                            .With($"{p}n", board.DeviceSuspended ? 1 : 0).With($"{p}o", board.CameraIds).With($"{p}p", board.Heartbeat);
                        return 16;
                    });
                }

                await InsertAsync(connection, transaction, "device_certificates (serial, device_id, site, token_id, not_before, not_after, certificate_pem, issued_at)", batch, (command, i, p) =>
                {
                    command.With($"{p}a", $"seed-{DeviceId(i)}").With($"{p}b", DeviceId(i)).With($"{p}c", Site(i)).With($"{p}d", tokenId);
                    dialect.AddTime(command, $"{p}e", now.AddDays(-30));
                    dialect.AddTime(command, $"{p}f", now.AddDays(Expiring(i) ? 10 : 300));
                    command.With($"{p}g", "seed");
                    dialect.AddTime(command, $"{p}h", now.AddDays(-30));
                    return 8;
                });
            }

            return 0;
        }, CancellationToken.None);

    // One multi-row INSERT: bind(command, index, prefix) adds the row's parameters named prefix + a, b, … and says how many.
    private static async Task InsertAsync(DbConnection connection, DbTransaction transaction, string into, int[] rows, Func<DbCommand, int, string, int> bind)
    {
        await using var command = connection.Sql(transaction, string.Empty);
        var sql = new StringBuilder($"INSERT INTO {into} VALUES ");
        for (var r = 0; r < rows.Length; r++)
        {
            var prefix = string.Create(CultureInfo.InvariantCulture, $"@r{r}");
            var columns = bind(command, rows[r], prefix);
            sql.Append(r == 0 ? "(" : ", (");
            sql.AppendJoin(", ", Enumerable.Range(0, columns).Select(c => prefix + (char)('a' + c)));
            sql.Append(')');
        }

        command.CommandText = sql.Append(';').ToString();
        await command.ExecuteNonQueryAsync();
    }
}
