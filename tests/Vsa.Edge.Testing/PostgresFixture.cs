using Npgsql;

namespace Vsa.Edge.Testing;

/// <summary>
/// A PostgreSQL database per test class (<c>IClassFixture&lt;PostgresFixture&gt;</c>), on one <see cref="PostgresServer"/>
/// shared by the classes that run at the same time: the server starts with the first fixture and stops when the last one is
/// disposed. <see cref="CreateSchema"/> gives each test its own empty schema in the class's database, so tests of one class
/// do not see each other's rows. Needs Debian's <c>postgresql</c> package.
/// </summary>
public sealed class PostgresFixture : IDisposable
{
    private static readonly Lock Gate = new();
    private static PostgresServer? _server;
    private static int _users;

    private readonly PostgresServer _own;

    /// <summary>Starts (or joins) the server and creates this class's database.</summary>
    public PostgresFixture()
    {
        lock (Gate)
        {
            _server ??= PostgresServer.Start();
            _users++;
            _own = _server;
        }

        DatabaseName = $"t_{Guid.NewGuid():N}";
        try
        {
            ConnectionString = _own.CreateDatabase(DatabaseName);
        }
        catch
        {
            Release();
            throw;
        }
    }

    /// <summary>The class's database.</summary>
    public string DatabaseName { get; }

    /// <summary>A connection string to the class's database.</summary>
    public string ConnectionString { get; }

    /// <summary>Creates an empty schema and returns a connection string whose search path is that schema.</summary>
    public string CreateSchema()
    {
        var schema = $"s_{Guid.NewGuid():N}";
        using (var connection = new NpgsqlConnection(ConnectionString))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE SCHEMA {schema};", connection);
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = schema }.ToString();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        using (var connection = new NpgsqlConnection(_own.ConnectionString()))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE);", connection);
            command.ExecuteNonQuery();
        }

        Release();
    }

    private void Release()
    {
        lock (Gate)
        {
            if (--_users == 0)
            {
                _server?.Dispose();
                _server = null;
            }
        }
    }
}
