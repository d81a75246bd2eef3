using System.Data;
using System.Data.Common;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace Vsa.Edge.FleetManager.Storage;

/// <summary>
/// The few places where SQLite and PostgreSQL differ. Everything else (queries, upserts with <c>ON CONFLICT … DO UPDATE</c>,
/// <c>@name</c> parameters) is one SQL text run through plain ADO.NET. Schema text uses tokens the dialect expands:
/// <c>{time}</c>, <c>{date}</c>, <c>{double}</c>, <c>{json}</c>, <c>{bigint}</c>, <c>{identity}</c> and <c>{strict}</c>.
/// </summary>
public abstract class SqlDialect
{
    /// <summary>The engine.</summary>
    public abstract StorageProvider Provider { get; }

    /// <summary>
    /// Statement that makes the current transaction the only writer of <paramref name="table"/> until it ends (empty when the
    /// engine already serialises writers), used where rows are numbered in order (the audit chain).
    /// </summary>
    public abstract string LockTableSql(string table);

    /// <summary>Expands the type tokens of a schema script.</summary>
    public string Expand(string sql)
    {
        foreach (var (token, value) in Tokens)
        {
            sql = sql.Replace(token, value, StringComparison.Ordinal);
        }

        return sql;
    }

    /// <summary>Adds a timestamp parameter (null allowed).</summary>
    public abstract void AddTime(DbCommand command, string name, DateTimeOffset? value);

    /// <summary>Reads a timestamp column.</summary>
    public abstract DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

    /// <summary>Adds a calendar-date parameter (null allowed).</summary>
    public abstract void AddDate(DbCommand command, string name, DateOnly? value);

    /// <summary>Reads a calendar-date column.</summary>
    public abstract DateOnly ReadDate(DbDataReader reader, int ordinal);

    /// <summary>Adds a JSON document parameter (null allowed).</summary>
    public abstract void AddJson(DbCommand command, string name, string? json);

    /// <summary>Token → type pairs of this engine.</summary>
    protected abstract IReadOnlyList<(string Token, string Value)> Tokens { get; }

    /// <summary>Timestamps are kept to the microsecond, PostgreSQL's precision, so that what is hashed is what is read back.</summary>
    public static DateTimeOffset Normalise(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);

    /// <summary>Creates a parameter with a name and a DbType.</summary>
    protected static DbParameter Add(DbCommand command, string name, object? value, DbType type)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }
}

/// <summary>SQLite: STRICT tables, timestamps as fixed-width UTC text (<see cref="DbTime"/>), JSON as text.</summary>
public sealed class SqliteDialect : SqlDialect
{
    /// <summary>The shared instance.</summary>
    public static readonly SqliteDialect Instance = new();

    /// <inheritdoc />
    public override StorageProvider Provider => StorageProvider.Sqlite;

    /// <inheritdoc />
    protected override IReadOnlyList<(string Token, string Value)> Tokens { get; } =
    [
        ("{time}", "TEXT"), ("{date}", "TEXT"), ("{double}", "REAL"), ("{json}", "TEXT"), ("{bigint}", "INTEGER"),
        ("{identity}", "INTEGER PRIMARY KEY AUTOINCREMENT"), ("{strict}", " STRICT"),
    ];

    /// <inheritdoc />
    /// <remarks>Transactions start with BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default), which already takes the write lock.</remarks>
    public override string LockTableSql(string table) => string.Empty;

    /// <inheritdoc />
    public override void AddTime(DbCommand command, string name, DateTimeOffset? value) =>
        Add(command, name, value is { } v ? DbTime.Write(Normalise(v)) : null, DbType.String);

    /// <inheritdoc />
    public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => DbTime.Read(reader.GetString(ordinal));

    /// <inheritdoc />
    public override void AddDate(DbCommand command, string name, DateOnly? value) =>
        Add(command, name, value?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), DbType.String);

    /// <inheritdoc />
    public override DateOnly ReadDate(DbDataReader reader, int ordinal) =>
        DateOnly.ParseExact(reader.GetString(ordinal), "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override void AddJson(DbCommand command, string name, string? json) => Add(command, name, json, DbType.String);
}

/// <summary>PostgreSQL: <c>timestamptz</c>, <c>date</c>, <c>jsonb</c>, identity columns, explicit table locks.</summary>
public sealed class PostgresDialect : SqlDialect
{
    /// <summary>The shared instance.</summary>
    public static readonly PostgresDialect Instance = new();

    /// <inheritdoc />
    public override StorageProvider Provider => StorageProvider.Postgres;

    /// <inheritdoc />
    protected override IReadOnlyList<(string Token, string Value)> Tokens { get; } =
    [
        ("{time}", "timestamptz"), ("{date}", "date"), ("{double}", "double precision"), ("{json}", "jsonb"), ("{bigint}", "bigint"),
        ("{identity}", "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"), ("{strict}", string.Empty),
    ];

    /// <inheritdoc />
    /// <remarks>SHARE ROW EXCLUSIVE conflicts with itself, so two appenders queue, while readers go on reading.</remarks>
    public override string LockTableSql(string table) => $"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE;";

    /// <inheritdoc />
    public override void AddTime(DbCommand command, string name, DateTimeOffset? value) =>
        Add(command, name, value is { } v ? Normalise(v) : null, DbType.DateTimeOffset);

    /// <inheritdoc />
    public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    /// <inheritdoc />
    public override void AddDate(DbCommand command, string name, DateOnly? value) => Add(command, name, value, DbType.Date);

    /// <inheritdoc />
    public override DateOnly ReadDate(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateOnly>(ordinal);

    /// <inheritdoc />
    public override void AddJson(DbCommand command, string name, string? json) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Jsonb) { Value = (object?)json ?? DBNull.Value });
}
