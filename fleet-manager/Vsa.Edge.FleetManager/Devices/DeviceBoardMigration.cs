using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Devices;

/// <summary>
/// Migration 23: <c>devices</c> becomes the board's registry, one row per device the fleet knows, so that a page of the
/// board reads one table through its indexes instead of joining and sorting every device. A device enrolled or configured
/// that never spoke has a row with a NULL status (triggers on <c>device_certificates</c> and <c>device_config</c> keep this
/// true; a never-connected device whose last active certificate is revoked and that has no configuration leaves again).
/// The board's columns are NOT NULL with defaults (SQLite: the table is rebuilt in the migration's transaction, the
/// only way SQLite changes a column's nullability; PostgreSQL: ALTER COLUMN), with the active certificate's site and expiry
/// (<c>board_site</c>, <c>board_expires</c>) and the heartbeat's time as a number (<c>board_heartbeat</c>). The columns
/// derived from a heartbeat are derived again from every stored heartbeat with SQL that gives what
/// <see cref="DeviceBoardColumns.Of"/> gives (migration 21's SQL left a model without a version empty where the ingestion
/// wrote "id "). Also the index the dead-letter summary groups by (kind, device).
/// </summary>
public static class DeviceBoardMigration
{
    /// <summary>The board's status order: online, then offline, then never connected; a suspended device after the others of its state.</summary>
    public const string StatusRank = "(CASE WHEN {0}status IS NULL THEN 2 WHEN {0}status = 'online' THEN 0 ELSE 1 END) * 2 + {0}board_device_suspended";

    /// <summary>The board's cameras order: stopped cameras first, then suspended ones.</summary>
    public const string CamerasRank = "{0}board_stopped * 1000 + {0}board_suspended";

    /// <summary>The step (built when asked: the expressions below are initialised after this line).</summary>
    public static Migration Migration => new(23,
        "device board: devices is the registry of every known device (enrolled or configured ones too), board columns NOT NULL with their indexes, site and certificate expiry on the row, dead letters indexed by kind and device",
        "-- engine-specific: see SqliteSql and PostgresSql (the table is rebuilt on SQLite before the common part)",
        SqliteSql: SqliteRebuild + Common(Sqlite) + SqliteTriggers,
        PostgresSql: PostgresAlter + Common(Postgres) + PostgresTriggers);

    /// <summary>Derives the heartbeat columns of every row from its stored heartbeat (the statement migration 23 runs, for the agreement test).</summary>
    public static string Rederive(SqlDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        return dialect.Expand(Derive(dialect.Provider == StorageProvider.Postgres ? Postgres : Sqlite));
    }

    private static string Rank(string expression, string alias) => expression.Replace("{0}", alias, StringComparison.Ordinal);

    private const string RegistryColumns = "device_id, status, first_seen_at, updated_at";

    private const string SqliteRebuild = """
        CREATE TABLE devices_v23 (
            device_id              TEXT PRIMARY KEY,
            status                 TEXT,
            status_at              {time},
            last_heartbeat_at      {time},
            agent_version          TEXT,
            execution_provider     TEXT,
            last_health            {json},
            first_seen_at          {time} NOT NULL,
            updated_at             {time} NOT NULL,
            board_model            TEXT NOT NULL DEFAULT '',
            board_outbox           {bigint} NOT NULL DEFAULT -1,
            board_stopped          INTEGER NOT NULL DEFAULT 0,
            board_suspended        INTEGER NOT NULL DEFAULT 0,
            board_device_suspended INTEGER NOT NULL DEFAULT 0,
            board_cameras          TEXT NOT NULL DEFAULT '',
            board_heartbeat        {bigint} NOT NULL DEFAULT -1,
            board_site             TEXT NOT NULL DEFAULT '',
            board_expires          {time}
        ){strict};
        INSERT INTO devices_v23 (device_id, status, status_at, last_heartbeat_at, agent_version, execution_provider, last_health, first_seen_at, updated_at,
                                 board_model, board_outbox, board_stopped, board_suspended, board_device_suspended, board_cameras)
        SELECT device_id, status, status_at, last_heartbeat_at, agent_version, execution_provider, last_health, first_seen_at, updated_at,
               COALESCE(board_model, ''), board_outbox, board_stopped, board_suspended, board_device_suspended, board_cameras
        FROM devices;
        DROP TABLE devices;
        ALTER TABLE devices_v23 RENAME TO devices;
        CREATE INDEX ix_devices_last_heartbeat ON devices (last_heartbeat_at);
        UPDATE devices SET board_heartbeat = CAST(strftime('%s', substr(last_heartbeat_at, 1, 19)) AS INTEGER) * 1000000 + CAST(substr(last_heartbeat_at, 21, 6) AS INTEGER)
        WHERE last_heartbeat_at IS NOT NULL;

        """;

    private const string PostgresAlter = """
        ALTER TABLE devices ALTER COLUMN status DROP NOT NULL;
        UPDATE devices SET board_model = '' WHERE board_model IS NULL;
        ALTER TABLE devices ALTER COLUMN board_model SET DEFAULT '', ALTER COLUMN board_model SET NOT NULL;
        ALTER TABLE devices ADD COLUMN board_heartbeat bigint NOT NULL DEFAULT -1, ADD COLUMN board_site TEXT NOT NULL DEFAULT '', ADD COLUMN board_expires timestamptz;
        DROP INDEX ix_devices_board_model;
        DROP INDEX ix_devices_board_stopped;
        UPDATE devices SET board_heartbeat = (EXTRACT(EPOCH FROM last_heartbeat_at) * 1000000)::bigint WHERE last_heartbeat_at IS NOT NULL;

        """;

    // Registry rows for the devices enrolled or configured that never spoke, the certificate's site and expiry, the heartbeat
    // columns derived again, the indexes of the board's sorts (keyset: the sort value, then the id) and filters.
    private static string Common(Expressions e) => $"""
        INSERT INTO devices ({RegistryColumns})
        SELECT device_id, NULL, MIN(issued_at), MIN(issued_at) FROM device_certificates WHERE revoked_at IS NULL GROUP BY device_id
        ON CONFLICT (device_id) DO NOTHING;
        INSERT INTO devices ({RegistryColumns})
        SELECT device_id, NULL, issued_at, issued_at FROM device_config WHERE 1 = 1
        ON CONFLICT (device_id) DO NOTHING;
        UPDATE devices SET
            board_site = COALESCE((SELECT MIN(t.site) FROM device_certificates t WHERE t.device_id = devices.device_id AND t.revoked_at IS NULL), ''),
            board_expires = (SELECT MAX(t.not_after) FROM device_certificates t WHERE t.device_id = devices.device_id AND t.revoked_at IS NULL);
        {Derive(e)}
        CREATE INDEX ix_devices_status ON devices (status);
        CREATE INDEX ix_devices_board_site ON devices (board_site, device_id);
        CREATE INDEX ix_devices_board_heartbeat ON devices (board_heartbeat, device_id);
        CREATE INDEX ix_devices_board_model ON devices (board_model, device_id);
        CREATE INDEX ix_devices_board_outbox ON devices (board_outbox, device_id);
        CREATE INDEX ix_devices_board_status ON devices (({Rank(StatusRank, string.Empty)}), device_id);
        CREATE INDEX ix_devices_board_cameras ON devices (({Rank(CamerasRank, string.Empty)}), device_id);
        CREATE INDEX ix_devices_board_stopped ON devices (board_stopped) WHERE board_stopped > 0;
        CREATE INDEX ix_devices_board_expires ON devices (board_expires) WHERE board_expires IS NOT NULL;
        CREATE INDEX ix_ingestion_dead_letters_kind_device ON ingestion_dead_letters (kind, device_id);

        """;

    // What a certificate's insertion or update (revocation) does to its device's registry row.
    private const string CertificateBody = """
        UPDATE devices SET
            board_site = COALESCE((SELECT MIN(t.site) FROM device_certificates t WHERE t.device_id = NEW.device_id AND t.revoked_at IS NULL), ''),
            board_expires = (SELECT MAX(t.not_after) FROM device_certificates t WHERE t.device_id = NEW.device_id AND t.revoked_at IS NULL)
        WHERE device_id = NEW.device_id;
        DELETE FROM devices WHERE device_id = NEW.device_id AND status IS NULL
            AND NOT EXISTS (SELECT 1 FROM device_certificates t WHERE t.device_id = NEW.device_id AND t.revoked_at IS NULL)
            AND NOT EXISTS (SELECT 1 FROM device_config c WHERE c.device_id = NEW.device_id);
        """;

    private const string SqliteTriggers = $"""
        CREATE TRIGGER devices_known_certificate_insert AFTER INSERT ON device_certificates
        BEGIN
            INSERT INTO devices ({RegistryColumns}) SELECT NEW.device_id, NULL, NEW.issued_at, NEW.issued_at WHERE NEW.revoked_at IS NULL
            ON CONFLICT (device_id) DO NOTHING;
            {CertificateBody}
        END;
        CREATE TRIGGER devices_known_certificate_update AFTER UPDATE ON device_certificates
        BEGIN
            {CertificateBody}
        END;
        CREATE TRIGGER devices_known_config AFTER INSERT ON device_config
        BEGIN
            INSERT INTO devices ({RegistryColumns}) VALUES (NEW.device_id, NULL, NEW.issued_at, NEW.issued_at) ON CONFLICT (device_id) DO NOTHING;
        END;
        """;

    private const string PostgresTriggers = $"""
        CREATE FUNCTION devices_known_by_certificate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.revoked_at IS NULL THEN
                INSERT INTO devices ({RegistryColumns}) VALUES (NEW.device_id, NULL, NEW.issued_at, NEW.issued_at) ON CONFLICT (device_id) DO NOTHING;
            END IF;
            {CertificateBody}
            RETURN NULL;
        END $$;
        CREATE TRIGGER devices_known_certificate AFTER INSERT OR UPDATE ON device_certificates
        FOR EACH ROW EXECUTE FUNCTION devices_known_by_certificate();
        CREATE FUNCTION devices_known_by_config() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO devices ({RegistryColumns}) VALUES (NEW.device_id, NULL, NEW.issued_at, NEW.issued_at) ON CONFLICT (device_id) DO NOTHING;
            RETURN NULL;
        END $$;
        CREATE TRIGGER devices_known_config AFTER INSERT ON device_config
        FOR EACH ROW EXECUTE FUNCTION devices_known_by_config();
        """;

    // The heartbeat's columns from the stored JSON, as DeviceBoardColumns.Of gives them (the model: "id version", "id" without
    // a version, empty without an id); a stored heartbeat that is not JSON (SQLite keeps text) keeps the defaults.
    private static string Derive(Expressions e)
    {
        var cameraSuspended = $"({e.CameraSuspendedSelf} OR {e.DeviceSuspended} OR {e.ListedSuspended})";
        return $"""
            UPDATE devices AS d SET
                board_model = COALESCE({e.ModelId} || COALESCE(' ' || {e.ModelVersion}, ''), ''),
                board_outbox = COALESCE({e.Outbox}, -1),
                board_stopped = (SELECT COUNT(*) FROM {e.Cameras} WHERE {e.Offline} AND NOT {cameraSuspended}),
                board_suspended = (SELECT COUNT(*) FROM {e.Cameras} WHERE {cameraSuspended}),
                board_device_suspended = CASE WHEN {e.DeviceSuspended} THEN 1 ELSE 0 END,
                board_cameras = COALESCE((SELECT {e.CameraIds} FROM {e.Cameras}), '')
            WHERE {e.Stored};
            """;
    }

    private static readonly Expressions Sqlite = new(
        Cameras: "json_each(d.last_health, '$.cameras') AS cam",
        DeviceSuspended: "(COALESCE(json_extract(d.last_health, '$.suspension.device'), 0) = 1 OR COALESCE(json_extract(d.last_health, '$.suspension.localKill'), 0) = 1)",
        CameraSuspendedSelf: "COALESCE(json_extract(cam.value, '$.suspended'), 0) = 1",
        ListedSuspended: "EXISTS (SELECT 1 FROM json_each(d.last_health, '$.suspension.cameras') s WHERE s.value = json_extract(cam.value, '$.cameraId'))",
        Offline: "json_extract(cam.value, '$.online') = 0",
        CameraIds: "group_concat(lower(json_extract(cam.value, '$.cameraId')), char(10))",
        ModelId: "json_extract(d.last_health, '$.model.id')",
        ModelVersion: "json_extract(d.last_health, '$.model.version')",
        Outbox: "json_extract(d.last_health, '$.outbox.depth')",
        Stored: "d.last_health IS NOT NULL AND json_valid(d.last_health)");

    private static readonly Expressions Postgres = new(
        Cameras: "jsonb_array_elements(CASE WHEN jsonb_typeof(d.last_health->'cameras') = 'array' THEN d.last_health->'cameras' ELSE '[]'::jsonb END) WITH ORDINALITY AS cam(value, n)",
        DeviceSuspended: "(COALESCE((d.last_health->'suspension'->>'device')::boolean, false) OR COALESCE((d.last_health->'suspension'->>'localKill')::boolean, false))",
        CameraSuspendedSelf: "COALESCE((cam.value->>'suspended')::boolean, false)",
        ListedSuspended: "COALESCE(d.last_health->'suspension'->'cameras', '[]'::jsonb) @> jsonb_build_array(cam.value->>'cameraId')",
        Offline: "(cam.value->>'online')::boolean = false",
        CameraIds: "string_agg(lower(cam.value->>'cameraId'), chr(10) ORDER BY cam.n)",
        ModelId: "(d.last_health->'model'->>'id')",
        ModelVersion: "(d.last_health->'model'->>'version')",
        Outbox: "(d.last_health->'outbox'->>'depth')::bigint",
        Stored: "d.last_health IS NOT NULL");

    // Each engine's JSON expressions over the alias d (the device) and cam (one camera of its heartbeat).
    private sealed record Expressions(string Cameras, string DeviceSuspended, string CameraSuspendedSelf, string ListedSuspended, string Offline,
        string CameraIds, string ModelId, string ModelVersion, string Outbox, string Stored);
}
