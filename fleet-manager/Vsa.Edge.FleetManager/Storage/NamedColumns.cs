using System.Data.Common;

namespace Vsa.Edge.FleetManager.Storage;

/// <summary>
/// The columns of one reader by name, resolved once when the reader is opened. A store reads <c>"alert_id"</c> rather
/// than column 0, so a changed column list cannot shift a value into the wrong field: a name the query does not return
/// (or returns twice) fails on the first read, naming it. Each read is the reader's own typed read at that ordinal.
/// </summary>
public sealed class NamedColumns
{
    private readonly DbDataReader _reader;
    private readonly SqlDialect? _dialect;
    private readonly Dictionary<string, int> _ordinals = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Resolves the columns of <paramref name="reader"/>; <paramref name="dialect"/> reads times and dates.</summary>
    public NamedColumns(DbDataReader reader, SqlDialect? dialect = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        _reader = reader;
        _dialect = dialect;
        for (var i = 0; i < reader.FieldCount; i++)
        {
            // A name returned twice (a join without aliases) is ambiguous: marked, and refused when asked for.
            _ordinals[reader.GetName(i)] = _ordinals.ContainsKey(reader.GetName(i)) ? -1 : i;
        }
    }

    /// <summary>The ordinal of <paramref name="column"/>; throws naming it when the query does not return it exactly once.</summary>
    public int Ordinal(string column)
    {
        if (!_ordinals.TryGetValue(column, out var ordinal))
        {
            throw new InvalidOperationException($"Column '{column}' is not in the query's result ({string.Join(", ", _ordinals.Keys)}).");
        }

        return ordinal >= 0 ? ordinal : throw new InvalidOperationException($"Column '{column}' is returned more than once: give it an alias.");
    }

    /// <summary>Whether the column is null in the current row.</summary>
    public bool IsNull(string column) => _reader.IsDBNull(Ordinal(column));

    /// <summary>A text column.</summary>
    public string String(string column) => _reader.GetString(Ordinal(column));

    /// <summary>A nullable text column.</summary>
    public string? StringOrNull(string column) => _reader.GetStringOrNull(Ordinal(column));

    /// <summary>A 32-bit integer column.</summary>
    public int Int32(string column) => _reader.GetInt32(Ordinal(column));

    /// <summary>A 64-bit integer column.</summary>
    public long Int64(string column) => _reader.GetInt64(Ordinal(column));

    /// <summary>A floating-point column.</summary>
    public double Double(string column) => _reader.GetDouble(Ordinal(column));

    /// <summary>A column's value as the provider returns it (<see cref="DBNull"/> when null).</summary>
    public object Value(string column) => _reader.GetValue(Ordinal(column));

    /// <summary>A column read as <typeparamref name="T"/> by the provider.</summary>
    public T Field<T>(string column) => _reader.GetFieldValue<T>(Ordinal(column));

    /// <summary>A time column, through the dialect.</summary>
    public DateTimeOffset Time(string column) => Dialect.ReadTime(_reader, Ordinal(column));

    /// <summary>A nullable time column, through the dialect.</summary>
    public DateTimeOffset? TimeOrNull(string column)
    {
        var ordinal = Ordinal(column);
        return _reader.IsDBNull(ordinal) ? null : Dialect.ReadTime(_reader, ordinal);
    }

    /// <summary>A calendar-date column, through the dialect.</summary>
    public DateOnly Date(string column) => Dialect.ReadDate(_reader, Ordinal(column));

    private SqlDialect Dialect => _dialect ?? throw new InvalidOperationException("These columns were resolved without a dialect: times and dates cannot be read.");
}

/// <summary>Opens a reader's columns by name.</summary>
public static class NamedColumnsExtensions
{
    /// <summary>The columns of <paramref name="reader"/> by name, resolved now (once per reader, not per row).</summary>
    public static NamedColumns Columns(this DbDataReader reader, SqlDialect? dialect = null) => new(reader, dialect);
}
