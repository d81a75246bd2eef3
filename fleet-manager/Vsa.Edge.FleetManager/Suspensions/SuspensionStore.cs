using System.Data.Common;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Suspensions;

/// <summary>
/// The suspensions in the fleet database (table <c>suspensions</c>, migration 10). A fleet holds a handful in force at a time,
/// so checks read the active ones and filter in memory. Writes run inside the caller's transaction, so the change, the
/// devices' new suspension states and the audit entry commit together.
/// </summary>
public sealed class SuspensionStore(FleetDatabase database) : ISuspensionReader
{
    private const string Columns = "suspension_id, scope, site, device_id, camera_id, reason, suspended_at, suspended_by, resumed_at, resumed_by, resume_reason";

    /// <inheritdoc />
    public async Task<IReadOnlyList<SuspensionView>> ListActiveAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ListActiveAsync(connection, null, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> IsSuspendedAsync(string deviceId, string? cameraId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(deviceId);
        await using var connection = await database.OpenAsync(cancellationToken);
        var active = await ListActiveAsync(connection, null, cancellationToken);
        if (active.Count == 0)
        {
            return false;
        }

        var site = await SiteOfAsync(connection, null, deviceId, cancellationToken);
        return active.Any(s => s.Covers(deviceId, site, cameraId));
    }

    /// <summary>The suspensions in force, oldest first, in the caller's transaction when given.</summary>
    public async Task<IReadOnlyList<SuspensionView>> ListActiveAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"SELECT {Columns} FROM suspensions WHERE resumed_at IS NULL ORDER BY suspension_id;");
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>The newest suspensions, active or resumed, newest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<SuspensionView>> ListRecentAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.Sql(null, $"SELECT {Columns} FROM suspensions ORDER BY suspension_id DESC LIMIT @limit;").With("@limit", limit);
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>One suspension, or null.</summary>
    public async Task<SuspensionView?> FindAsync(DbConnection connection, DbTransaction? transaction, long id, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"SELECT {Columns} FROM suspensions WHERE suspension_id = @id;").With("@id", id);
        var found = await ReadAllAsync(command, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>Records a suspension in the caller's transaction.</summary>
    public async Task<SuspensionView> InsertAsync(DbConnection connection, DbTransaction transaction, ValidSuspension value, string actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"""
            INSERT INTO suspensions (scope, site, device_id, camera_id, reason, suspended_at, suspended_by)
            VALUES (@scope, @site, @device, @camera, @reason, @now, @actor)
            RETURNING {Columns};
            """);
        command.With("@scope", ScopeName(value.Scope)).With("@site", value.Site).With("@device", value.DeviceId).With("@camera", value.CameraId)
            .With("@reason", value.Reason).With("@actor", actor);
        database.Dialect.AddTime(command, "@now", now);
        var stored = await ReadAllAsync(command, cancellationToken);
        return stored[0];
    }

    /// <summary>Marks an active suspension resumed in the caller's transaction; null when there is no active one with that id.</summary>
    public async Task<SuspensionView?> ResumeAsync(DbConnection connection, DbTransaction transaction, long id, string reason, string actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, $"""
            UPDATE suspensions SET resumed_at = @now, resumed_by = @actor, resume_reason = @reason
            WHERE suspension_id = @id AND resumed_at IS NULL
            RETURNING {Columns};
            """).With("@id", id).With("@actor", actor).With("@reason", reason);
        database.Dialect.AddTime(command, "@now", now);
        var stored = await ReadAllAsync(command, cancellationToken);
        return stored.Count == 0 ? null : stored[0];
    }

    /// <summary>The site of <paramref name="deviceId"/>'s active certificate, or null.</summary>
    public static async Task<string?> SiteOfAsync(DbConnection connection, DbTransaction? transaction, string deviceId, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, "SELECT site FROM device_certificates WHERE device_id = @device AND revoked_at IS NULL LIMIT 1;").With("@device", deviceId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Every device the fleet knows (heard from, enrolled or configured) with the site of its active certificate.</summary>
    public static async Task<IReadOnlyList<(string DeviceId, string? Site)>> KnownDevicesAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.Sql(transaction, """
            SELECT k.device_id, (SELECT c.site FROM device_certificates c WHERE c.device_id = k.device_id AND c.revoked_at IS NULL LIMIT 1) AS site
            FROM (SELECT device_id FROM devices
                  UNION SELECT device_id FROM device_certificates WHERE revoked_at IS NULL
                  UNION SELECT device_id FROM device_config
                  UNION SELECT device_id FROM device_suspension_state) k
            ORDER BY k.device_id;
            """);
        var devices = new List<(string, string?)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var c = reader.Columns();
        while (await reader.ReadAsync(cancellationToken))
        {
            devices.Add((c.String("device_id"), c.StringOrNull("site")));
        }

        return devices;
    }

    /// <summary>The stored wire name of a scope.</summary>
    public static string ScopeName(SuspensionScope scope) => scope switch
    {
        SuspensionScope.Camera => "camera",
        SuspensionScope.Device => "device",
        SuspensionScope.Site => "site",
        SuspensionScope.Global => "global",
        _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, null),
    };

    private static SuspensionScope ParseScope(string name) => name switch
    {
        "camera" => SuspensionScope.Camera,
        "device" => SuspensionScope.Device,
        "site" => SuspensionScope.Site,
        "global" => SuspensionScope.Global,
        _ => throw new FormatException($"'{name}' is not a suspension scope."),
    };

    private async Task<IReadOnlyList<SuspensionView>> ReadAllAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var list = new List<SuspensionView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var r = reader.Columns(database.Dialect);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new SuspensionView(
                Id: r.Int64("suspension_id"),
                Scope: ParseScope(r.String("scope")),
                Site: r.StringOrNull("site"),
                DeviceId: r.StringOrNull("device_id"),
                CameraId: r.StringOrNull("camera_id"),
                Reason: r.String("reason"),
                Since: r.Time("suspended_at"),
                By: r.String("suspended_by"),
                ResumedAt: r.TimeOrNull("resumed_at"),
                ResumedBy: r.StringOrNull("resumed_by"),
                ResumeReason: r.StringOrNull("resume_reason")));
        }

        return list;
    }
}
