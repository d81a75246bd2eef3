using System.Data;
using System.Data.Common;
using System.Globalization;

namespace Vsa.Edge.FleetManager.Storage;

/// <summary>
/// Typed parameters for plain ADO.NET. Every parameter carries a DbType, so that PostgreSQL can type a null (<c>@since IS NULL</c>)
/// and SQLite stores what the STRICT schema expects.
/// </summary>
public static class DbCommands
{
    /// <summary>A command on <paramref name="connection"/>, in <paramref name="transaction"/> when given.</summary>
    public static DbCommand Sql(this DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    /// <summary>Adds a text parameter.</summary>
    public static DbCommand With(this DbCommand command, string name, string? value) => Add(command, name, value, DbType.String);

    /// <summary>Adds a 32-bit integer parameter.</summary>
    public static DbCommand With(this DbCommand command, string name, int? value) => Add(command, name, value, DbType.Int32);

    /// <summary>Adds a 64-bit integer parameter.</summary>
    public static DbCommand With(this DbCommand command, string name, long? value) => Add(command, name, value, DbType.Int64);

    /// <summary>Adds a floating-point parameter.</summary>
    public static DbCommand With(this DbCommand command, string name, double? value) => Add(command, name, value, DbType.Double);

    /// <summary>Runs the command and reads the first column of the first row as a 64-bit integer (0 when null).</summary>
    public static async Task<long> ScalarInt64Async(this DbCommand command, CancellationToken cancellationToken) =>
        await command.ExecuteScalarAsync(cancellationToken) is { } value and not DBNull ? Convert.ToInt64(value, CultureInfo.InvariantCulture) : 0;

    /// <summary>Reads a nullable text column.</summary>
    public static string? GetStringOrNull(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DbCommand Add(DbCommand command, string name, object? value, DbType type)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }
}
