using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Devices;

/// <summary>
/// The SQL the device board's columns and filters need, one builder for both engines: every device the fleet knows has a
/// row of <c>devices</c> (<see cref="DeviceBoardMigration"/>) whose board columns are NOT NULL (<see cref="DeviceBoardColumns"/>,
/// written with each heartbeat; site and certificate expiry written by triggers), so the sorts and filters name bare
/// columns, or the exact expressions migration 23 indexes, and the engine walks an index instead of sorting every device.
/// What differs between the engines is isolated in <see cref="Dialect"/> (substring search, a JSON array of ids). Every
/// expression refers to the board's aliases: <c>d</c> (devices), <c>c</c> (desired configuration), <c>r</c> (reported configuration).
/// </summary>
internal sealed class DeviceBoardSql
{
    private readonly Dialect _dialect;

    private DeviceBoardSql(Dialect dialect) => _dialect = dialect;

    public static DeviceBoardSql Sqlite { get; } = new(new(Position: "instr", IdsSource: "SELECT value FROM json_each(@ids)"));

    public static DeviceBoardSql PostgreSql { get; } = new(new(Position: "strpos", IdsSource: "SELECT jsonb_array_elements_text(@ids)"));

    /// <summary>The device id is in the JSON array <c>@ids</c>.</summary>
    public string IdIn => $"d.device_id IN ({_dialect.IdsSource})";

    /// <summary>The search: <c>@q</c> (lower case) in the device id, its site or a camera id (kept in lower case, one a line).</summary>
    public string Search => $"({Contains("d.device_id")} OR {Contains("d.board_site")} OR {_dialect.Position}(d.board_cameras, @q) > 0)";

    public static DeviceBoardSql For(SqlDialect dialect) => dialect.Provider == StorageProvider.Postgres ? PostgreSql : Sqlite;

    /// <summary>Whether the filter of a state reads the configuration tables (<c>c</c>, <c>r</c>): the counts join them only then.</summary>
    public static bool NeedsConfig(string? state) => state == "drift";

    /// <summary>The filter of a state, empty for every state.</summary>
    public string State(string? state) => state switch
    {
        "online" => "d.status = 'online'",
        "offline" => "d.status <> 'online'",
        "never" => "d.status IS NULL",
        "stopped" => "d.board_stopped > 0",
        "suspended" => "(d.board_device_suspended = 1 OR d.board_suspended > 0)",
        "drift" => "c.version IS NOT NULL AND (r.status IS NULL OR r.status = 'rejected' OR r.applied_version IS NULL OR r.applied_version <> c.version)",
        "attention" => IdIn,
        _ => string.Empty,
    };

    /// <summary>
    /// The sort expression of a column and whether it is a number (else text). "device" sorts by site then id (devices with
    /// no active certificate first); the status and cameras expressions are the ones migration 23 indexes, word for word.
    /// </summary>
    public static (string Expression, bool Numeric) SortOf(string key) => key switch
    {
        "status" => (DeviceBoardMigration.StatusRank.Replace("{0}", "d.", StringComparison.Ordinal), true),
        "heartbeat" => ("d.board_heartbeat", true),
        "cameras" => (DeviceBoardMigration.CamerasRank.Replace("{0}", "d.", StringComparison.Ordinal), true),
        "provider" => ("COALESCE(d.execution_provider, '')", false),
        "outbox" => ("d.board_outbox", true),
        "model" => ("d.board_model", false),
        "config" => ("COALESCE(c.version, -1)", true),
        "agent" => ("COALESCE(d.agent_version, '')", false),
        _ => ("d.board_site", false),
    };

    /// <summary>Text <paramref name="expression"/> contains <c>@q</c> (already lower case), with no LIKE wildcards to escape.</summary>
    private string Contains(string expression) => $"{_dialect.Position}(lower({expression}), @q) > 0";

    // What differs between the engines.
    // Position: the function giving a substring's position (1-based, 0 when absent).
    // IdsSource: a subquery listing the ids of the JSON array @ids.
    private sealed record Dialect(string Position, string IdsSource);
}
