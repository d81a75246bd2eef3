namespace Vsa.Edge.FleetManager.Storage;

/// <summary>One forward-only schema step, run in one transaction.</summary>
/// <param name="Version">Applied in increasing order, recorded in <c>schema_version</c>.</param>
/// <param name="Description">What the step does.</param>
/// <param name="Sql">The statements common to both engines, with the dialect's type tokens (<see cref="SqlDialect.Expand"/>).</param>
/// <param name="SqliteSql">Statements run after <paramref name="Sql"/> on SQLite only, where the engines differ (triggers).</param>
/// <param name="PostgresSql">Statements run after <paramref name="Sql"/> on PostgreSQL only.</param>
public sealed record Migration(int Version, string Description, string Sql, string? SqliteSql = null, string? PostgresSql = null)
{
    /// <summary>The full script for <paramref name="dialect"/>.</summary>
    public string ScriptFor(SqlDialect dialect)
    {
        var specific = dialect.Provider == StorageProvider.Postgres ? PostgresSql : SqliteSql;
        return dialect.Expand(specific is null ? Sql : Sql + "\n" + specific);
    }
}

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
                started_at        {time} NOT NULL,
                observed_at       {time} NOT NULL,
                ended_at          {time},
                zone_id           TEXT,
                confidence        {double} NOT NULL,
                measurement_name  TEXT,
                measurement_value {double},
                measurement_unit  TEXT,
                objects           {json} NOT NULL,
                model_id          TEXT NOT NULL,
                model_version     TEXT NOT NULL,
                received_at       {time} NOT NULL,
                updated_at        {time} NOT NULL
            ){strict};
            CREATE INDEX ix_alerts_started ON alerts (started_at DESC, alert_id DESC);
            CREATE INDEX ix_alerts_device ON alerts (device_id, started_at DESC);

            CREATE TABLE alert_messages (
                message_id  TEXT PRIMARY KEY,
                alert_id    TEXT NOT NULL,
                device_id   TEXT NOT NULL,
                sequence    INTEGER NOT NULL,
                state       TEXT NOT NULL,
                received_at {time} NOT NULL,
                payload     {json} NOT NULL
            ){strict};
            CREATE INDEX ix_alert_messages_alert ON alert_messages (alert_id, sequence);

            CREATE TABLE devices (
                device_id          TEXT PRIMARY KEY,
                status             TEXT NOT NULL,
                status_at          {time},
                last_heartbeat_at  {time},
                agent_version      TEXT,
                execution_provider TEXT,
                last_health        {json},
                first_seen_at      {time} NOT NULL,
                updated_at         {time} NOT NULL
            ){strict};
            """),
        new(2, "operator decisions on alerts, heartbeat history, retention indexes", """
            ALTER TABLE alerts ADD COLUMN decision TEXT;
            ALTER TABLE alerts ADD COLUMN decision_reason TEXT;
            ALTER TABLE alerts ADD COLUMN decision_comment TEXT;
            ALTER TABLE alerts ADD COLUMN decided_by TEXT;
            ALTER TABLE alerts ADD COLUMN decided_at {time};
            CREATE INDEX ix_alerts_updated ON alerts (updated_at);
            CREATE INDEX ix_alert_messages_received ON alert_messages (received_at);

            CREATE TABLE device_health (
                device_id   TEXT NOT NULL,
                sent_at     {time} NOT NULL,
                received_at {time} NOT NULL,
                payload     {json} NOT NULL,
                PRIMARY KEY (device_id, sent_at)
            ){strict};
            CREATE INDEX ix_device_health_received ON device_health (received_at);
            """),
        new(3, "hash-chained audit log, append-only", """
            CREATE TABLE audit_log (
                sequence  {bigint} PRIMARY KEY,
                at        {time} NOT NULL,
                actor     TEXT NOT NULL,
                action    TEXT NOT NULL,
                target    TEXT NOT NULL,
                details   TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash      TEXT NOT NULL
            ){strict};
            CREATE INDEX ix_audit_log_at ON audit_log (at);
            """,
            // Details stay TEXT on both engines: the hash covers the exact stored bytes, which jsonb would re-format.
            SqliteSql: """
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
                """,
            PostgresSql: """
                CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
                CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
                FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
                """),
        new(4, "accounts and API tokens", """
            CREATE TABLE accounts (
                account_id            {identity},
                name                  TEXT NOT NULL UNIQUE,
                display_name          TEXT NOT NULL,
                role                  TEXT NOT NULL,
                password_hash         TEXT NOT NULL,
                security_stamp        TEXT NOT NULL,
                designation_reference TEXT NOT NULL,
                designation_date      {date} NOT NULL,
                training_date         {date} NOT NULL,
                disabled_at           {time},
                created_at            {time} NOT NULL,
                updated_at            {time} NOT NULL
            ){strict};

            CREATE TABLE api_tokens (
                token_id    {identity},
                account_id  {bigint} NOT NULL REFERENCES accounts (account_id),
                name        TEXT NOT NULL,
                token_hash  TEXT NOT NULL UNIQUE,
                created_at  {time} NOT NULL,
                expires_at  {time} NOT NULL,
                revoked_at  {time}
            ){strict};
            CREATE INDEX ix_api_tokens_account ON api_tokens (account_id);
            """),
        new(5, "device trust: enrolment tokens and device certificates", """
            CREATE TABLE enrolment_tokens (
                token_id       {identity},
                token_hash     TEXT NOT NULL UNIQUE,
                site           TEXT NOT NULL,
                created_by     TEXT NOT NULL,
                created_at     {time} NOT NULL,
                expires_at     {time} NOT NULL,
                used_at        {time},
                used_by_device TEXT,
                revoked_at     {time}
            ){strict};

            CREATE TABLE device_certificates (
                serial            TEXT PRIMARY KEY,
                device_id         TEXT NOT NULL,
                site              TEXT NOT NULL,
                token_id          {bigint} NOT NULL REFERENCES enrolment_tokens (token_id),
                not_before        {time} NOT NULL,
                not_after         {time} NOT NULL,
                certificate_pem   TEXT NOT NULL,
                issued_at         {time} NOT NULL,
                revoked_at        {time},
                revoked_by        TEXT,
                revocation_reason TEXT
            ){strict};
            CREATE INDEX ix_device_certificates_device ON device_certificates (device_id);
            CREATE UNIQUE INDEX ux_device_certificates_active ON device_certificates (device_id) WHERE revoked_at IS NULL;
            """),
        new(6, "prefectoral authorisations, desired configurations with their history, reported configurations", """
            CREATE TABLE authorisations (
                authorisation_id {identity},
                reference        TEXT NOT NULL UNIQUE,
                service          TEXT NOT NULL,
                events           {json} NOT NULL,
                cameras          {json} NOT NULL,
                starts_at        {time} NOT NULL,
                ends_at          {time} NOT NULL,
                document_url     TEXT,
                created_by       TEXT NOT NULL,
                created_at       {time} NOT NULL,
                updated_by       TEXT NOT NULL,
                updated_at       {time} NOT NULL
            ){strict};

            CREATE TABLE device_config (
                device_id TEXT PRIMARY KEY,
                version   {bigint} NOT NULL,
                issued_at {time} NOT NULL,
                issued_by TEXT NOT NULL,
                payload   TEXT NOT NULL
            ){strict};

            CREATE TABLE device_config_versions (
                device_id TEXT NOT NULL,
                version   {bigint} NOT NULL,
                issued_at {time} NOT NULL,
                issued_by TEXT NOT NULL,
                payload   TEXT NOT NULL,
                PRIMARY KEY (device_id, version)
            ){strict};

            CREATE TABLE device_config_reported (
                device_id       TEXT PRIMARY KEY,
                reported_at     {time} NOT NULL,
                received_at     {time} NOT NULL,
                source          TEXT NOT NULL,
                applied_version {bigint},
                status          TEXT NOT NULL,
                payload         TEXT NOT NULL
            ){strict};
            """),
        new(7, "ingestion dead letters: refused messages, truncated, bounded", """
            CREATE TABLE ingestion_dead_letters (
                dead_letter_id {identity},
                received_at    {time} NOT NULL,
                topic          TEXT NOT NULL,
                device_id      TEXT,
                kind           TEXT,
                reason         TEXT NOT NULL,
                detail         TEXT NOT NULL,
                payload_bytes  INTEGER NOT NULL,
                payload_head   TEXT NOT NULL
            ){strict};
            CREATE INDEX ix_ingestion_dead_letters_received ON ingestion_dead_letters (received_at);
            """),
        new(8, "why an alert ended (end_reason: cleared, interrupted)", """
            ALTER TABLE alerts ADD COLUMN end_reason TEXT;
            """),
        new(9, "server-side browser sessions", """
            CREATE TABLE sessions (
                session_hash   TEXT PRIMARY KEY,
                account_id     {bigint} NOT NULL REFERENCES accounts (account_id),
                ticket         TEXT NOT NULL,
                remote         TEXT,
                created_at     {time} NOT NULL,
                last_seen_at   {time} NOT NULL,
                expires_at     {time} NOT NULL,
                revoked_at     {time},
                revoked_reason TEXT
            ){strict};
            CREATE INDEX ix_sessions_account ON sessions (account_id) WHERE revoked_at IS NULL;
            CREATE INDEX ix_sessions_expires ON sessions (expires_at);
            """),
        new(10, "kill switch: suspensions, each device's signed suspension state, alerts arriving during a global suspension", """
            CREATE TABLE suspensions (
                suspension_id {identity},
                scope         TEXT NOT NULL,
                site          TEXT,
                device_id     TEXT,
                camera_id     TEXT,
                reason        TEXT NOT NULL,
                suspended_at  {time} NOT NULL,
                suspended_by  TEXT NOT NULL,
                resumed_at    {time},
                resumed_by    TEXT,
                resume_reason TEXT
            ){strict};
            CREATE INDEX ix_suspensions_active ON suspensions (suspension_id) WHERE resumed_at IS NULL;

            CREATE TABLE device_suspension_state (
                device_id TEXT PRIMARY KEY,
                version   {bigint} NOT NULL,
                issued_at {time} NOT NULL,
                payload   TEXT NOT NULL
            ){strict};

            ALTER TABLE alerts ADD COLUMN arrived_during_suspension {bigint};
            """),
        new(11, "authorisations: the authority that signed the arrêté and the purpose it states (public register, AIPD)", """
            ALTER TABLE authorisations ADD COLUMN authority TEXT;
            ALTER TABLE authorisations ADD COLUMN purpose TEXT;
            """),
        new(12, "who handles which alert: claims and hand-overs (operator console)", """
            CREATE TABLE alert_claims (
                alert_id   TEXT PRIMARY KEY,
                claimed_by TEXT NOT NULL,
                claimed_at {time} NOT NULL,
                handed_by  TEXT,
                note       TEXT
            ){strict};
            """),
        new(20, "model packages (files content-addressed in the data folder) and each device's newest model report", """
            CREATE TABLE model_packages (
                sha256            TEXT PRIMARY KEY,
                model_id          TEXT NOT NULL,
                version           TEXT NOT NULL,
                kind              TEXT NOT NULL,
                size              {bigint} NOT NULL,
                categories        TEXT NOT NULL,
                min_agent_version TEXT NOT NULL,
                key_id            TEXT NOT NULL,
                metadata_sha256   TEXT NOT NULL,
                created_at        {time} NOT NULL,
                expires_at        {time} NOT NULL,
                uploaded_at       {time} NOT NULL,
                uploaded_by       TEXT NOT NULL
            ){strict};
            CREATE UNIQUE INDEX ux_model_packages_version ON model_packages (model_id, version);

            CREATE TABLE model_reports (
                device_id   TEXT PRIMARY KEY,
                reported_at {time} NOT NULL,
                received_at {time} NOT NULL,
                payload     TEXT NOT NULL
            ){strict};
            """),
        new(15, "device certificate renewal: a renewed certificate names the one it renews; one enrolled and one renewal may be active together", """
            ALTER TABLE device_certificates ADD COLUMN renews_serial TEXT;
            DROP INDEX ux_device_certificates_active;
            CREATE UNIQUE INDEX ux_device_certificates_active ON device_certificates (device_id) WHERE revoked_at IS NULL AND renews_serial IS NULL;
            CREATE UNIQUE INDEX ux_device_certificates_renewal ON device_certificates (renews_serial) WHERE revoked_at IS NULL AND renews_serial IS NOT NULL;
            """),
        new(18, "model rollouts: stages gated by device health, per-device state, one open rollout per device", """
            CREATE TABLE rollouts (
                rollout_id       {identity},
                package_sha256   TEXT NOT NULL,
                model_kind       TEXT NOT NULL,
                target           TEXT NOT NULL,
                plan             TEXT NOT NULL,
                stages           TEXT NOT NULL,
                status           TEXT NOT NULL,
                stage            INTEGER NOT NULL,
                stage_started_at {time},
                gate_since       {time},
                reason           TEXT,
                created_at       {time} NOT NULL,
                created_by       TEXT NOT NULL,
                updated_at       {time} NOT NULL
            ){strict};
            CREATE INDEX ix_rollouts_open ON rollouts (rollout_id) WHERE status IN ('running', 'paused');

            CREATE TABLE rollout_devices (
                rollout_id       {bigint} NOT NULL,
                device_id        TEXT NOT NULL,
                stage            INTEGER NOT NULL,
                state            TEXT NOT NULL,
                reason           TEXT,
                previous_sha256  TEXT,
                previous_version TEXT,
                baseline_p95     {double},
                baseline_fps     {double},
                assigned_at      {time},
                active_at        {time},
                state_at         {time},
                status           TEXT,
                status_at        {time},
                restarts         INTEGER NOT NULL,
                waived           INTEGER NOT NULL,
                open             INTEGER NOT NULL,
                PRIMARY KEY (rollout_id, device_id)
            ){strict};
            CREATE UNIQUE INDEX ux_rollout_devices_open ON rollout_devices (device_id) WHERE open = 1;
            """),
        new(16, "configuration proposals: camera documents installers drew on the pole, sent by the device, applied or rejected by an administrator", """
            CREATE TABLE config_proposals (
                device_id       TEXT NOT NULL,
                proposal_id     TEXT NOT NULL,
                camera_id       TEXT NOT NULL,
                document        TEXT NOT NULL,
                proposed_at     {time} NOT NULL,
                received_at     {time} NOT NULL,
                status          TEXT NOT NULL,
                decided_by      TEXT,
                decided_at      {time},
                reason          TEXT,
                applied_version {bigint},
                PRIMARY KEY (device_id, proposal_id)
            ){strict};
            CREATE INDEX ix_config_proposals_pending ON config_proposals (device_id, camera_id) WHERE status = 'pending';
            """),
        new(17, "installation reports: the self-test's result (who, when, checks, figures) shown on the device board", """
            CREATE TABLE installation_reports (
                report_id   TEXT NOT NULL,
                device_id   TEXT NOT NULL,
                kind        TEXT NOT NULL,
                installer   TEXT NOT NULL,
                passed      INTEGER NOT NULL,
                tested_at   {time} NOT NULL,
                received_at {time} NOT NULL,
                payload     {json} NOT NULL,
                PRIMARY KEY (device_id, report_id)
            ){strict};
            CREATE INDEX ix_installation_reports_device ON installation_reports (device_id, received_at DESC);
            """),
        Devices.DeviceBoardColumns.Migration,
        Devices.DeviceBoardMigration.Migration,
        Alerts.AlertTextColumns.Migration,
    ];
}
