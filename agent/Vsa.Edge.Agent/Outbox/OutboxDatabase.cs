using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Outbox;

/// <summary>
/// The outbox's SQLite file: schema, pragmas and prepared statements. Not thread-safe: <see cref="SqliteAlertOutbox"/>
/// serialises every call. One connection for the agent's lifetime (no pooling): the statements stay prepared.
/// </summary>
internal sealed class OutboxDatabase : IDisposable
{
    internal const string CounterDelivered = "delivered";
    internal const string CounterDroppedFull = "dropped_full";
    internal const string CounterDroppedExpired = "dropped_expired";
    internal const string CounterRejected = "rejected";

    // AUTOINCREMENT: a sequence number is never reused, even after the outbox emptied, so a publisher holding an entry
    // can never remove a newer alert by mistake.
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id TEXT NOT NULL UNIQUE,
            alert_id TEXT NOT NULL,
            stored_at INTEGER NOT NULL,
            payload BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS rejected (
            seq INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL,
            alert_id TEXT NOT NULL,
            stored_at INTEGER NOT NULL,
            rejected_at INTEGER NOT NULL,
            reason TEXT NOT NULL,
            payload BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS open_alerts (alert_id TEXT PRIMARY KEY, payload BLOB NOT NULL);
        """;

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _delete;
    private readonly SqliteCommand _deleteUpTo;
    private readonly SqliteCommand _addCounter;
    private readonly SqliteCommand _head;
    private readonly SqliteCommand _reject;
    private readonly SqliteCommand _open;
    private readonly SqliteCommand _close;

    public OutboxDatabase(string path, OutboxDurability durability)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            _connection.Open();

            // WAL: a commit appends to the log instead of rewriting pages, and a crash mid-commit leaves the last
            // committed state readable. The synchronous level decides whether each commit is fsynced (see OutboxOptions).
            Execute("PRAGMA journal_mode=WAL;");
            Execute(durability == OutboxDurability.Full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
            Execute(Schema);

            // Touch every page of the outbox table once, so a damaged file fails here (and is set aside) rather than later.
            Execute("SELECT count(*), sum(length(payload)) FROM outbox;");
        }
        catch
        {
            _connection.Dispose();
            throw;
        }

        _insert = Prepare("INSERT OR IGNORE INTO outbox (message_id, alert_id, stored_at, payload) VALUES ($m, $a, $t, $p);", "$m", "$a", "$t", "$p");
        _delete = Prepare("DELETE FROM outbox WHERE seq = $s;", "$s");
        _deleteUpTo = Prepare("DELETE FROM outbox WHERE seq <= $s;", "$s");
        _addCounter = Prepare("INSERT INTO counters (name, value) VALUES ($n, $v) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value;", "$n", "$v");
        _head = Prepare("SELECT seq, message_id, alert_id, stored_at, payload FROM outbox ORDER BY seq LIMIT $n;", "$n");
        _open = Prepare("INSERT OR REPLACE INTO open_alerts (alert_id, payload) VALUES ($a, $p);", "$a", "$p");
        _close = Prepare("DELETE FROM open_alerts WHERE alert_id = $a;", "$a");
        _reject = Prepare(
            "INSERT OR REPLACE INTO rejected (seq, message_id, alert_id, stored_at, rejected_at, reason, payload) VALUES ($s, $m, $a, $t, $r, $why, $p);",
            "$s", "$m", "$a", "$t", "$r", "$why", "$p");
    }

    public SqliteTransaction Begin() => _connection.BeginTransaction();

    /// <summary>
    /// Keeps the latest message of each open alert (start or update) and forgets an alert at its end, in the transaction
    /// that stores the message: after a crash the table holds exactly the alerts nobody ended.
    /// </summary>
    public void TrackOpen(SqliteTransaction tx, AlertMessage alert, byte[] payload)
    {
        var command = alert.State == AlertState.End ? _close : _open;
        command.Transaction = tx;
        command.Parameters[0].Value = alert.AlertId;
        if (command == _open)
        {
            command.Parameters[1].Value = payload;
        }

        command.ExecuteNonQuery();
    }

    /// <summary>The latest message of every alert still open (left by an agent that stopped without ending them).</summary>
    public List<byte[]> OpenAlerts()
    {
        using var select = _connection.CreateCommand();
        select.CommandText = "SELECT payload FROM open_alerts ORDER BY alert_id;";
        using var reader = select.ExecuteReader();
        var payloads = new List<byte[]>();
        while (reader.Read())
        {
            payloads.Add((byte[])reader.GetValue(0));
        }

        return payloads;
    }

    /// <summary>Inserts one alert; false when its message id is already waiting (a second append of the same message).</summary>
    public bool Insert(SqliteTransaction tx, string messageId, string alertId, long storedAtMs, byte[] payload)
    {
        _insert.Transaction = tx;
        _insert.Parameters[0].Value = messageId;
        _insert.Parameters[1].Value = alertId;
        _insert.Parameters[2].Value = storedAtMs;
        _insert.Parameters[3].Value = payload;
        return _insert.ExecuteNonQuery() == 1;
    }

    public bool Delete(SqliteTransaction tx, long sequence)
    {
        _delete.Transaction = tx;
        _delete.Parameters[0].Value = sequence;
        return _delete.ExecuteNonQuery() == 1;
    }

    public void DeleteUpTo(SqliteTransaction tx, long sequence)
    {
        _deleteUpTo.Transaction = tx;
        _deleteUpTo.Parameters[0].Value = sequence;
        _deleteUpTo.ExecuteNonQuery();
    }

    public void AddCounter(SqliteTransaction tx, string name, long delta)
    {
        if (delta == 0)
        {
            return;
        }

        _addCounter.Transaction = tx;
        _addCounter.Parameters[0].Value = name;
        _addCounter.Parameters[1].Value = delta;
        _addCounter.ExecuteNonQuery();
    }

    /// <summary>The oldest <paramref name="max"/> entries.</summary>
    public List<OutboxEntry> Head(SqliteTransaction? tx, int max)
    {
        _head.Transaction = tx;
        _head.Parameters[0].Value = max;
        var entries = new List<OutboxEntry>(Math.Min(max, 256));
        using var reader = _head.ExecuteReader();
        while (reader.Read())
        {
            entries.Add(new OutboxEntry(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                (byte[])reader.GetValue(4)));
        }

        return entries;
    }

    /// <summary>
    /// Which oldest rows to drop: every expired one (stored before <paramref name="expiredBeforeMs"/>), then more until
    /// <paramref name="excessCount"/> rows and <paramref name="excessBytes"/> bytes are freed. Deletes nothing.
    /// </summary>
    public (int Expired, int Full, long Freed, long LastSequence) PlanDrops(SqliteTransaction tx, long expiredBeforeMs, long excessCount, long excessBytes)
    {
        int expired = 0, full = 0;
        long freed = 0, lastSequence = -1;
        foreach (var (sequence, bytes, storedAtMs) in OldestRows(tx))
        {
            var isExpired = storedAtMs < expiredBeforeMs;
            if (!isExpired && expired + full >= excessCount && freed >= excessBytes)
            {
                break;
            }

            if (isExpired)
            {
                expired++;
            }
            else
            {
                full++;
            }

            freed += bytes;
            lastSequence = sequence;
        }

        return (expired, full, freed, lastSequence);
    }

    /// <summary>Walks the oldest rows (sequence, payload length) without loading payloads, for the bounds.</summary>
    private IEnumerable<(long Sequence, long Bytes, long StoredAtMs)> OldestRows(SqliteTransaction tx)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT seq, length(payload), stored_at FROM outbox ORDER BY seq;";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }
    }

    public void MoveToRejected(SqliteTransaction tx, OutboxEntry entry, long rejectedAtMs, string reason, int keep)
    {
        _reject.Transaction = tx;
        _reject.Parameters[0].Value = entry.Sequence;
        _reject.Parameters[1].Value = entry.MessageId;
        _reject.Parameters[2].Value = entry.AlertId;
        _reject.Parameters[3].Value = entry.StoredAt.ToUnixTimeMilliseconds();
        _reject.Parameters[4].Value = rejectedAtMs;
        _reject.Parameters[5].Value = reason;
        _reject.Parameters[6].Value = entry.Payload;
        _reject.ExecuteNonQuery();
        using var trim = _connection.CreateCommand();
        trim.Transaction = tx;
        trim.CommandText = "DELETE FROM rejected WHERE seq NOT IN (SELECT seq FROM rejected ORDER BY seq DESC LIMIT $keep);";
        trim.Parameters.AddWithValue("$keep", keep);
        trim.ExecuteNonQuery();
    }

    public (int Count, long Bytes, long OldestMs) Totals()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT count(*), coalesce(sum(length(payload)), 0), coalesce(min(stored_at), 0) FROM outbox;";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    public Dictionary<string, long> Counters()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT name, value FROM counters;";
        using var reader = command.ExecuteReader();
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read())
        {
            counters[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counters;
    }

    /// <summary>Opens the outbox file; one SQLite cannot read is renamed aside and a new one created.</summary>
    public static OutboxDatabase OpenOrSetAside(string location, OutboxDurability durability, TimeProvider time, ILogger logger)
    {
        try
        {
            return new OutboxDatabase(location, durability);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 11 or 26)
        {
            // SQLITE_CORRUPT / SQLITE_NOTADB: keep the damaged file for a post-mortem, start afresh.
            var aside = $"{location}.corrupt-{time.GetUtcNow():yyyyMMddHHmmss}";
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                if (File.Exists(location + suffix))
                {
                    File.Move(location + suffix, aside + suffix, overwrite: true);
                }
            }

            OutboxLog.SetAside(logger, ex, location, aside);
            return new OutboxDatabase(location, durability);
        }
    }

    public void Dispose()
    {
        foreach (var command in new[] { _insert, _delete, _deleteUpTo, _addCounter, _head, _reject, _open, _close })
        {
            command.Dispose();
        }

        _connection.Dispose();
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }
}
