using System.Data.Common;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Devices;

/// <summary>
/// What the device board filters, sorts and searches on from a heartbeat, kept in real columns of <c>devices</c> written
/// with the heartbeat (<see cref="DeviceStore.ApplyHeartbeatAsync(DbConnection, DbTransaction, HealthMessage, DateTimeOffset, bool, CancellationToken)"/>),
/// so that a page of the board never reads the JSON of every device's last heartbeat. Migration 21 adds them and fills
/// them from the heartbeats already stored.
/// </summary>
/// <param name="Model">"id version" of the model in use.</param>
/// <param name="Outbox">The outbox depth, -1 when not reported.</param>
/// <param name="StoppedCameras">Cameras with no frames that are not suspended.</param>
/// <param name="SuspendedCameras">Cameras suspended by the kill switch (all of them when the device is).</param>
/// <param name="DeviceSuspended">The device as a whole is suspended (by the fleet or its own kill input).</param>
/// <param name="CameraIds">The camera ids in lower case, one a line, for the board's search.</param>
/// <param name="Heartbeat">The heartbeat's send time in microseconds since 1970 (the board's heartbeat sort), -1 when none (migration 23).</param>
public sealed record DeviceBoardColumns(string Model, long Outbox, int StoppedCameras, int SuspendedCameras, bool DeviceSuspended, string CameraIds, long Heartbeat = -1)
{
    /// <summary>The columns' names, in the order of <see cref="Parameters"/>.</summary>
    public const string Names = "board_model, board_outbox, board_stopped, board_suspended, board_device_suspended, board_cameras, board_heartbeat";

    /// <summary>The parameters <see cref="Bind"/> adds, in the order of <see cref="Names"/>.</summary>
    public const string Parameters = "@board_model, @board_outbox, @board_stopped, @board_suspended, @board_device_suspended, @board_cameras, @board_heartbeat";

    /// <summary>"column = excluded.column" for each, for an upsert.</summary>
    public const string FromExcluded = """
        board_model = excluded.board_model, board_outbox = excluded.board_outbox, board_stopped = excluded.board_stopped,
        board_suspended = excluded.board_suspended, board_device_suspended = excluded.board_device_suspended, board_cameras = excluded.board_cameras,
        board_heartbeat = excluded.board_heartbeat
        """;

    /// <summary>The migration that adds the columns, fills them from the stored heartbeats and indexes what the board filters on.</summary>
    public static Migration Migration { get; } = new(21,
        "device board columns written with each heartbeat (model, outbox, stopped and suspended cameras, camera ids) and indexes for the board's sorts and filters",
        """
        ALTER TABLE devices ADD COLUMN board_model TEXT;
        ALTER TABLE devices ADD COLUMN board_outbox {bigint} NOT NULL DEFAULT -1;
        ALTER TABLE devices ADD COLUMN board_stopped INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE devices ADD COLUMN board_suspended INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE devices ADD COLUMN board_device_suspended INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE devices ADD COLUMN board_cameras TEXT NOT NULL DEFAULT '';
        CREATE INDEX ix_devices_board_model ON devices (board_model);
        CREATE INDEX ix_devices_last_heartbeat ON devices (last_heartbeat_at);
        CREATE INDEX ix_devices_board_stopped ON devices (board_stopped) WHERE board_stopped > 0;
        CREATE INDEX ix_device_certificates_active ON device_certificates (device_id, site, not_after) WHERE revoked_at IS NULL;
        """,
        SqliteSql: Backfill(
            cameras: "json_each(d.last_health, '$.cameras') AS cam",
            deviceSuspended: "(COALESCE(json_extract(d.last_health, '$.suspension.device'), 0) = 1 OR COALESCE(json_extract(d.last_health, '$.suspension.localKill'), 0) = 1)",
            cameraSuspendedSelf: "COALESCE(json_extract(cam.value, '$.suspended'), 0) = 1",
            listedSuspended: "EXISTS (SELECT 1 FROM json_each(d.last_health, '$.suspension.cameras') s WHERE s.value = json_extract(cam.value, '$.cameraId'))",
            offline: "json_extract(cam.value, '$.online') = 0",
            cameraIds: "group_concat(lower(json_extract(cam.value, '$.cameraId')), char(10))",
            model: "json_extract(d.last_health, '$.model.id') || ' ' || json_extract(d.last_health, '$.model.version')",
            outbox: "json_extract(d.last_health, '$.outbox.depth')",
            stored: "d.last_health IS NOT NULL AND json_valid(d.last_health)"),
        PostgresSql: Backfill(
            cameras: "jsonb_array_elements(CASE WHEN jsonb_typeof(d.last_health->'cameras') = 'array' THEN d.last_health->'cameras' ELSE '[]'::jsonb END) AS cam(value)",
            deviceSuspended: "(COALESCE((d.last_health->'suspension'->>'device')::boolean, false) OR COALESCE((d.last_health->'suspension'->>'localKill')::boolean, false))",
            cameraSuspendedSelf: "COALESCE((cam.value->>'suspended')::boolean, false)",
            listedSuspended: "COALESCE(d.last_health->'suspension'->'cameras', '[]'::jsonb) @> jsonb_build_array(cam.value->>'cameraId')",
            offline: "(cam.value->>'online')::boolean = false",
            cameraIds: "string_agg(lower(cam.value->>'cameraId'), chr(10))",
            model: "(d.last_health->'model'->>'id') || ' ' || (d.last_health->'model'->>'version')",
            outbox: "(d.last_health->'outbox'->>'depth')::bigint",
            stored: "d.last_health IS NOT NULL"));

    /// <summary>The board's columns of <paramref name="health"/>.</summary>
    public static DeviceBoardColumns Of(HealthMessage health)
    {
        ArgumentNullException.ThrowIfNull(health);
        var suspension = health.Suspension;
        var deviceSuspended = suspension is not null && (suspension.Device || suspension.LocalKill);
        var cameras = health.Cameras ?? [];
        bool Suspended(CameraHealth c) =>
            c.Suspended == true || deviceSuspended || (suspension?.Cameras?.Contains(c.CameraId, StringComparer.Ordinal) ?? false);
        return new(
            ModelOf(health.Model),
            health.Outbox?.Depth ?? -1,
            cameras.Count(c => !c.Online && !Suspended(c)),
            cameras.Count(Suspended),
            deviceSuspended,
            string.Join('\n', cameras.Select(c => c.CameraId.ToLowerInvariant())),
            MicrosecondsOf(health.SentAt));
    }

    /// <summary>
    /// "id version", "id" when the version is missing, empty when the id is (as migration 23's SQL derives it from a stored
    /// heartbeat: <see cref="DeviceBoardMigration"/>).
    /// </summary>
    public static string ModelOf(ModelRef? model) => model?.Id is not { } id ? string.Empty : model.Version is { } version ? $"{id} {version}" : id;

    /// <summary>Microseconds since 1970 of <paramref name="at"/> (truncated), the board's heartbeat sort value.</summary>
    public static long MicrosecondsOf(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    /// <summary>Adds the parameters named in <see cref="Parameters"/>.</summary>
    public DbCommand Bind(DbCommand command) =>
        command.With("@board_model", Model).With("@board_outbox", Outbox).With("@board_stopped", StoppedCameras).With("@board_suspended", SuspendedCameras)
            .With("@board_device_suspended", DeviceSuspended ? 1 : 0).With("@board_cameras", CameraIds).With("@board_heartbeat", Heartbeat);

    // The same columns computed by each engine from the heartbeats stored before the migration (the JSON expressions the
    // board's queries used until then), over the alias d; a stored heartbeat that is not JSON (SQLite keeps text) is left
    // to the next heartbeat rather than failing the migration and with it the fleet's start.
    private static string Backfill(string cameras, string deviceSuspended, string cameraSuspendedSelf, string listedSuspended, string offline, string cameraIds, string model, string outbox, string stored)
    {
        var cameraSuspended = $"({cameraSuspendedSelf} OR {deviceSuspended} OR {listedSuspended})";
        return $"""
            UPDATE devices AS d SET
                board_model = COALESCE({model}, ''),
                board_outbox = COALESCE({outbox}, -1),
                board_stopped = (SELECT COUNT(*) FROM {cameras} WHERE {offline} AND NOT {cameraSuspended}),
                board_suspended = (SELECT COUNT(*) FROM {cameras} WHERE {cameraSuspended}),
                board_device_suspended = CASE WHEN {deviceSuspended} THEN 1 ELSE 0 END,
                board_cameras = COALESCE((SELECT {cameraIds} FROM {cameras}), '')
            WHERE {stored};
            """;
    }
}
