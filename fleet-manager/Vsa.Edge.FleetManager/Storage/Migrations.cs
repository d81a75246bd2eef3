namespace Vsa.Edge.FleetManager.Storage;

/// <summary>One forward-only schema step.</summary>
/// <param name="Version">Applied in increasing order, recorded in <c>schema_version</c>.</param>
/// <param name="Description">What the step does.</param>
/// <param name="Sql">The statements, run in one transaction.</param>
public sealed record Migration(int Version, string Description, string Sql);

/// <summary>The schema history. Append new steps; never edit a released one.</summary>
public static class Migrations
{
    /// <summary>All steps, oldest first.</summary>
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "alerts, alert messages, devices", """
            CREATE TABLE alerts (
                alert_id          TEXT PRIMARY KEY,
                device_id         TEXT NOT NULL,
                camera_id         TEXT NOT NULL,
                event_type        TEXT NOT NULL,
                state             TEXT NOT NULL,
                sequence          INTEGER NOT NULL,
                started_at        TEXT NOT NULL,
                observed_at       TEXT NOT NULL,
                ended_at          TEXT,
                zone_id           TEXT,
                confidence        REAL NOT NULL,
                measurement_name  TEXT,
                measurement_value REAL,
                measurement_unit  TEXT,
                objects           TEXT NOT NULL,
                model_id          TEXT NOT NULL,
                model_version     TEXT NOT NULL,
                received_at       TEXT NOT NULL,
                updated_at        TEXT NOT NULL
            ) STRICT;
            CREATE INDEX ix_alerts_started ON alerts (started_at DESC, alert_id DESC);
            CREATE INDEX ix_alerts_device ON alerts (device_id, started_at DESC);

            CREATE TABLE alert_messages (
                message_id  TEXT PRIMARY KEY,
                alert_id    TEXT NOT NULL,
                device_id   TEXT NOT NULL,
                sequence    INTEGER NOT NULL,
                state       TEXT NOT NULL,
                received_at TEXT NOT NULL,
                payload     TEXT NOT NULL
            ) STRICT;
            CREATE INDEX ix_alert_messages_alert ON alert_messages (alert_id, sequence);

            CREATE TABLE devices (
                device_id          TEXT PRIMARY KEY,
                status             TEXT NOT NULL,
                status_at          TEXT,
                last_heartbeat_at  TEXT,
                agent_version      TEXT,
                execution_provider TEXT,
                last_health        TEXT,
                first_seen_at      TEXT NOT NULL,
                updated_at         TEXT NOT NULL
            ) STRICT;
            """),
    ];
}
