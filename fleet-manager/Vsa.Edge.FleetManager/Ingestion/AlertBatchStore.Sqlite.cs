using System.Buffers;
using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Ingestion;

/// <summary>
/// The SQLite statements of the bulk path, run through SQLite's own interface (SQLitePCLRaw, which Microsoft.Data.Sqlite is
/// built on) with parameters bound by position. A profile of the ingestion writer during a burst (dotnet-trace, thread time)
/// showed it busy all the time, 19 % of it in <c>sqlite3_bind_parameter_index</c>: Microsoft.Data.Sqlite looks each named
/// parameter up by name (its text converted to UTF-8 first) on every execution, 26 parameters per alert; with its parameter
/// objects and value binders, a third of the writer's time went to binding. Same statements, same values and types as the
/// named path (<see cref="SqliteDialect"/>: times as text to the microsecond, JSON as text), prepared once per batch and
/// finalised before the connection goes back to the pool. A message is logged when the insert changed a row (no
/// <c>RETURNING</c> to read back).
/// </summary>
public sealed partial class AlertBatchStore
{
    private const string LogSqliteSql = """
        INSERT INTO alert_messages (message_id, alert_id, device_id, sequence, state, received_at, payload)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        ON CONFLICT (message_id) DO NOTHING;
        """;

    private const string MoveSqliteSql = """
        INSERT INTO alerts (alert_id, device_id, camera_id, event_type, state, sequence, started_at, observed_at, ended_at, zone_id,
                            confidence, measurement_name, measurement_value, measurement_unit, objects, model_id, model_version,
                            received_at, updated_at, end_reason)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18, ?19)
        """ + MoveConflictSql;

    private async Task ApplySqliteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<(AlertMessage Message, DateTimeOffset ReceivedAt)> messages, AlertApplyResult[] results, CancellationToken cancellationToken)
    {
        var db = ((SqliteConnection)connection).Handle ?? throw new InvalidOperationException("the SQLite connection is not open");
        using var log = Prepare(db, LogSqliteSql);
        using var move = Prepare(db, MoveSqliteSql);
        using var json = new Utf8Json();
        for (var i = 0; i < messages.Count; i++)
        {
            var (message, receivedAt) = messages[i];
            if (!Log(db, log, json, message, receivedAt))
            {
                results[i] = new(AlertApplyOutcome.Duplicate, null);
                continue;
            }

            results[i] = Move(db, move, json, message, receivedAt) is { } view ? new(AlertApplyOutcome.Applied, view)
                : await alerts.ResolveNotAppliedAsync(connection, transaction, message, cancellationToken);
        }
    }

    private static sqlite3_stmt Prepare(sqlite3 db, string sql)
    {
        var rc = raw.sqlite3_prepare_v2(db, sql, out var statement);
        SqliteException.ThrowExceptionForRC(rc, db);
        return statement;
    }

    /// <summary>Logs the message; false when its id was already logged (a redelivery).</summary>
    private static bool Log(sqlite3 db, sqlite3_stmt statement, Utf8Json json, AlertMessage message, DateTimeOffset receivedAt)
    {
        Reset(db, statement);
        Text(db, statement, 1, message.MessageId);
        Text(db, statement, 2, message.AlertId);
        Text(db, statement, 3, message.DeviceId);
        Check(db, raw.sqlite3_bind_int64(statement, 4, message.Sequence));
        Text(db, statement, 5, WireNames.Of(message.State));
        Text(db, statement, 6, DbTime.Write(SqlDialect.Normalise(receivedAt)));
        Check(db, raw.sqlite3_bind_text(statement, 7, json.Write(message, ContractsJsonContext.Default.AlertMessage)));
        Step(db, statement, expectRow: false);
        return raw.sqlite3_changes(db) == 1;
    }

    /// <summary>Moves the alert; its view when it moved, null when the statement's conditions kept it (resolved one by one).</summary>
    private static AlertView? Move(sqlite3 db, sqlite3_stmt statement, Utf8Json json, AlertMessage message, DateTimeOffset receivedAt)
    {
        Reset(db, statement);
        Text(db, statement, 1, message.AlertId);
        Text(db, statement, 2, message.DeviceId);
        Text(db, statement, 3, message.CameraId);
        Text(db, statement, 4, WireNames.Of(message.EventType));
        Text(db, statement, 5, WireNames.Of(message.State));
        Check(db, raw.sqlite3_bind_int64(statement, 6, message.Sequence));
        Text(db, statement, 7, DbTime.Write(SqlDialect.Normalise(message.StartedAt)));
        Text(db, statement, 8, DbTime.Write(SqlDialect.Normalise(message.ObservedAt)));
        Text(db, statement, 9, message.EndedAt is { } ended ? DbTime.Write(SqlDialect.Normalise(ended)) : null);
        Text(db, statement, 10, message.ZoneId);
        Check(db, raw.sqlite3_bind_double(statement, 11, message.Confidence));
        Text(db, statement, 12, message.Measurement?.Name);
        Check(db, message.Measurement is { } measurement ? raw.sqlite3_bind_double(statement, 13, measurement.Value) : raw.sqlite3_bind_null(statement, 13));
        Text(db, statement, 14, message.Measurement?.Unit);
        Check(db, raw.sqlite3_bind_text(statement, 15, json.Write(message.Objects, FleetJsonContext.Default.IReadOnlyListAlertObject)));
        Text(db, statement, 16, message.Model.Id);
        Text(db, statement, 17, message.Model.Version);
        Text(db, statement, 18, DbTime.Write(SqlDialect.Normalise(receivedAt)));
        Text(db, statement, 19, message.State == AlertState.End ? WireNames.Of(message.EndReason ?? AlertEndReason.Cleared) : null);
        if (!Step(db, statement, expectRow: true))
        {
            return null;
        }

        // The columns of MovedColumns, in their order.
        var decision = ColumnText(statement, 3) is { } kind ? new AlertDecisionView(
            string.Equals(kind, "confirmed", StringComparison.Ordinal) ? AlertDecisionKind.Confirmed : AlertDecisionKind.Dismissed,
            ColumnText(statement, 4), ColumnText(statement, 5), ColumnText(statement, 6)!, DbTime.Read(ColumnText(statement, 7)!)) : null;
        var view = ViewOf(message, receivedAt, ColumnText(statement, 1), DbTime.Read(ColumnText(statement, 2)!), decision);
        Step(db, statement, expectRow: false);
        return view;
    }

    private static void Reset(sqlite3 db, sqlite3_stmt statement)
    {
        Check(db, raw.sqlite3_reset(statement));
        Check(db, raw.sqlite3_clear_bindings(statement));
    }

    private static void Text(sqlite3 db, sqlite3_stmt statement, int index, string? value) =>
        Check(db, value is null ? raw.sqlite3_bind_null(statement, index) : raw.sqlite3_bind_text(statement, index, value));

    /// <summary>Runs the statement one step: true when it gave a row; throws <see cref="SqliteException"/> on an error.</summary>
    private static bool Step(sqlite3 db, sqlite3_stmt statement, bool expectRow)
    {
        var rc = raw.sqlite3_step(statement);
        if (rc == raw.SQLITE_ROW)
        {
            return expectRow ? true : throw new InvalidOperationException("an INSERT without RETURNING gave a row");
        }

        if (rc != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }

        return false;
    }

    private static void Check(sqlite3 db, int rc) => SqliteException.ThrowExceptionForRC(rc, db);

    private static string? ColumnText(sqlite3_stmt statement, int index) =>
        raw.sqlite3_column_type(statement, index) == raw.SQLITE_NULL ? null : raw.sqlite3_column_text(statement, index).utf8_to_string();

    /// <summary>
    /// The JSON documents of a batch written as UTF-8 into one buffer, reused from one to the next and bound as they are (SQLite
    /// copies them): binding the payload as a string cost its conversion from UTF-16 on every alert (11 % of a busy writer in
    /// <c>sqlite3_bind_text</c>), after a string allocated for it. Same writer settings as the string overload (neither context
    /// sets an encoder or indents), so the same text.
    /// </summary>
    private sealed class Utf8Json : IDisposable
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(2048);
        private readonly Utf8JsonWriter _writer;

        public Utf8Json() => _writer = new Utf8JsonWriter(_buffer);

        /// <summary>The document for <paramref name="value"/>, valid until the next call.</summary>
        public ReadOnlySpan<byte> Write<T>(T value, JsonTypeInfo<T> type)
        {
            _buffer.ResetWrittenCount();
            _writer.Reset(_buffer);
            JsonSerializer.Serialize(_writer, value, type);
            _writer.Flush();
            return _buffer.WrittenSpan;
        }

        public void Dispose() => _writer.Dispose();
    }
}
