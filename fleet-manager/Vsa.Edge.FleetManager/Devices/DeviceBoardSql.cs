using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Devices;

/// <summary>
/// The SQL the device board's columns and filters need from each engine: the heartbeat is JSON text on SQLite
/// (<c>json_extract</c>, <c>json_each</c>) and <c>jsonb</c> on PostgreSQL (<c>-&gt;</c>, <c>jsonb_array_elements</c>).
/// Every expression refers to the board's aliases: <c>k</c> (known ids), <c>d</c> (devices), <c>c</c> (desired
/// configuration), <c>t</c> (active certificate).
/// </summary>
internal sealed class DeviceBoardSql
{
    private DeviceBoardSql(bool postgres)
    {
        Postgres = postgres;
        if (postgres)
        {
            var cameras = "jsonb_array_elements(CASE WHEN jsonb_typeof(d.last_health->'cameras') = 'array' THEN d.last_health->'cameras' ELSE '[]'::jsonb END) AS cam(value)";
            DeviceSuspended = "(COALESCE((d.last_health->'suspension'->>'device')::boolean, false) OR COALESCE((d.last_health->'suspension'->>'localKill')::boolean, false))";
            var cameraSuspended = $"(COALESCE((cam.value->>'suspended')::boolean, false) OR {DeviceSuspended} OR COALESCE(d.last_health->'suspension'->'cameras', '[]'::jsonb) @> jsonb_build_array(cam.value->>'cameraId'))";
            StoppedCameras = $"(SELECT COUNT(*) FROM {cameras} WHERE (cam.value->>'online')::boolean = false AND NOT {cameraSuspended})";
            SuspendedCameras = $"(SELECT COUNT(*) FROM {cameras} WHERE {cameraSuspended})";
            CameraMatches = $"EXISTS (SELECT 1 FROM {cameras} WHERE strpos(lower(cam.value->>'cameraId'), @q) > 0)";
            Model = "COALESCE((d.last_health->'model'->>'id') || ' ' || (d.last_health->'model'->>'version'), '')";
            Outbox = "COALESCE((d.last_health->'outbox'->>'depth')::bigint, -1)";
            Heartbeat = "COALESCE((EXTRACT(EPOCH FROM d.last_heartbeat_at) * 1000000)::bigint, -1)";
            HeartbeatNumeric = true;
            IdIn = "k.device_id IN (SELECT jsonb_array_elements_text(@ids))";
        }
        else
        {
            var cameras = "json_each(d.last_health, '$.cameras') AS cam";
            DeviceSuspended = "(COALESCE(json_extract(d.last_health, '$.suspension.device'), 0) = 1 OR COALESCE(json_extract(d.last_health, '$.suspension.localKill'), 0) = 1)";
            var cameraSuspended = $"(COALESCE(json_extract(cam.value, '$.suspended'), 0) = 1 OR {DeviceSuspended} OR EXISTS (SELECT 1 FROM json_each(d.last_health, '$.suspension.cameras') s WHERE s.value = json_extract(cam.value, '$.cameraId')))";
            StoppedCameras = $"(SELECT COUNT(*) FROM {cameras} WHERE json_extract(cam.value, '$.online') = 0 AND NOT {cameraSuspended})";
            SuspendedCameras = $"(SELECT COUNT(*) FROM {cameras} WHERE {cameraSuspended})";
            CameraMatches = $"EXISTS (SELECT 1 FROM {cameras} WHERE instr(lower(json_extract(cam.value, '$.cameraId')), @q) > 0)";
            Model = "COALESCE(json_extract(d.last_health, '$.model.id') || ' ' || json_extract(d.last_health, '$.model.version'), '')";
            Outbox = "COALESCE(json_extract(d.last_health, '$.outbox.depth'), -1)";

            // Fixed-width UTC text (DbTime): ordered as the instants are.
            Heartbeat = "COALESCE(d.last_heartbeat_at, '')";
            HeartbeatNumeric = false;
            IdIn = "k.device_id IN (SELECT value FROM json_each(@ids))";
        }
    }

    public static DeviceBoardSql Sqlite { get; } = new(postgres: false);

    public static DeviceBoardSql PostgreSql { get; } = new(postgres: true);

    public bool Postgres { get; }

    /// <summary>The device as a whole is suspended (by the fleet or its own kill input).</summary>
    public string DeviceSuspended { get; }

    /// <summary>Cameras with no frames that are not suspended.</summary>
    public string StoppedCameras { get; }

    /// <summary>Cameras suspended by the kill switch.</summary>
    public string SuspendedCameras { get; }

    /// <summary>A camera id contains <c>@q</c>.</summary>
    public string CameraMatches { get; }

    /// <summary>"id version" of the model in use, or empty.</summary>
    public string Model { get; }

    /// <summary>The outbox depth, -1 when not reported.</summary>
    public string Outbox { get; }

    /// <summary>The newest heartbeat's time, ordered (the lowest when none).</summary>
    public string Heartbeat { get; }

    /// <summary>Whether <see cref="Heartbeat"/> is a number (PostgreSQL) or text (SQLite).</summary>
    public bool HeartbeatNumeric { get; }

    /// <summary>The device id is in the JSON array <c>@ids</c>.</summary>
    public string IdIn { get; }

    public static DeviceBoardSql For(SqlDialect dialect) => dialect.Provider == StorageProvider.Postgres ? PostgreSql : Sqlite;

    /// <summary>Text <paramref name="expression"/> contains <c>@q</c> (already lower case), with no LIKE wildcards to escape.</summary>
    public string Contains(string expression) => Postgres ? $"strpos(lower({expression}), @q) > 0" : $"instr(lower({expression}), @q) > 0";

    /// <summary>The sort expression of a column and whether it is a number (else text).</summary>
    public (string Expression, bool Numeric) SortOf(string key) => key switch
    {
        "status" => ($"(CASE WHEN d.status IS NULL THEN 2 WHEN d.status = 'online' THEN 0 ELSE 1 END) * 2 + (CASE WHEN {DeviceSuspended} THEN 1 ELSE 0 END)", true),
        "heartbeat" => (Heartbeat, HeartbeatNumeric),
        "cameras" => ($"{StoppedCameras} * 1000 + {SuspendedCameras}", true),
        "provider" => ("COALESCE(d.execution_provider, '')", false),
        "outbox" => (Outbox, true),
        "model" => (Model, false),
        "config" => ("COALESCE(c.version, -1)", true),
        "agent" => ("COALESCE(d.agent_version, '')", false),
        _ => ("COALESCE(t.site || ' (' || k.device_id || ')', k.device_id)", false),
    };
}
