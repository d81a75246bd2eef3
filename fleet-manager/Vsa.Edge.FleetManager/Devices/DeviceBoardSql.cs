using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Devices;

/// <summary>
/// The SQL the device board's columns and filters need, one builder for both engines: the heartbeat's figures are real
/// columns of <c>devices</c> (<see cref="DeviceBoardColumns"/>, written with each heartbeat), so the expressions are the
/// same on SQLite and PostgreSQL; what differs is isolated in <see cref="Dialect"/> (substring search, a JSON array
/// of ids, the heartbeat's time as an ordered value, truth of a computed condition). Every expression refers to the
/// board's aliases: <c>k</c> (known ids), <c>d</c> (devices), <c>c</c> (desired configuration), <c>t</c> (active certificate).
/// </summary>
internal sealed class DeviceBoardSql
{
    private readonly Dialect _dialect;

    private DeviceBoardSql(Dialect dialect) => _dialect = dialect;

    public static DeviceBoardSql Sqlite { get; } = new(new(
        Position: "instr",
        IdsSource: "SELECT value FROM json_each(@ids)",

        // Fixed-width UTC text (DbTime): ordered as the instants are.
        Heartbeat: "COALESCE(d.last_heartbeat_at, '')",
        HeartbeatNumeric: false,
        TrueSuffix: " <> 0"));

    public static DeviceBoardSql PostgreSql { get; } = new(new(
        Position: "strpos",
        IdsSource: "SELECT jsonb_array_elements_text(@ids)",
        Heartbeat: "COALESCE((EXTRACT(EPOCH FROM d.last_heartbeat_at) * 1000000)::bigint, -1)",
        HeartbeatNumeric: true,
        TrueSuffix: string.Empty));

    /// <summary>The device as a whole is suspended (by the fleet or its own kill input).</summary>
    public static string DeviceSuspended => "COALESCE(d.board_device_suspended, 0) = 1";

    /// <summary>Cameras with no frames that are not suspended.</summary>
    public static string StoppedCameras => "COALESCE(d.board_stopped, 0)";

    /// <summary>Cameras suspended by the kill switch.</summary>
    public static string SuspendedCameras => "COALESCE(d.board_suspended, 0)";

    /// <summary>"id version" of the model in use, or empty.</summary>
    public static string Model => "COALESCE(d.board_model, '')";

    /// <summary>The outbox depth, -1 when not reported.</summary>
    public static string Outbox => "COALESCE(d.board_outbox, -1)";

    /// <summary>A camera id contains <c>@q</c> (camera ids are kept in lower case, one a line).</summary>
    public string CameraMatches => Contains("d.board_cameras");

    /// <summary>The device id is in the JSON array <c>@ids</c>.</summary>
    public string IdIn => $"k.device_id IN ({_dialect.IdsSource})";

    public static DeviceBoardSql For(SqlDialect dialect) => dialect.Provider == StorageProvider.Postgres ? PostgreSql : Sqlite;

    /// <summary>Text <paramref name="expression"/> contains <c>@q</c> (already lower case), with no LIKE wildcards to escape.</summary>
    public string Contains(string expression) => $"{_dialect.Position}(lower({expression}), @q) > 0";

    /// <summary>A condition computed as a column (<paramref name="column"/>) holds: a boolean on PostgreSQL, 0 or 1 on SQLite.</summary>
    public string IsTrue(string column) => column + _dialect.TrueSuffix;

    /// <summary>The sort expression of a column and whether it is a number (else text).</summary>
    public (string Expression, bool Numeric) SortOf(string key) => key switch
    {
        "status" => ($"(CASE WHEN d.status IS NULL THEN 2 WHEN d.status = 'online' THEN 0 ELSE 1 END) * 2 + (CASE WHEN {DeviceSuspended} THEN 1 ELSE 0 END)", true),
        "heartbeat" => (_dialect.Heartbeat, _dialect.HeartbeatNumeric),
        "cameras" => ($"{StoppedCameras} * 1000 + {SuspendedCameras}", true),
        "provider" => ("COALESCE(d.execution_provider, '')", false),
        "outbox" => (Outbox, true),
        "model" => (Model, false),
        "config" => ("COALESCE(c.version, -1)", true),
        "agent" => ("COALESCE(d.agent_version, '')", false),
        _ => ("COALESCE(t.site || ' (' || k.device_id || ')', k.device_id)", false),
    };

    // What differs between the engines.
    // Position: the function giving a substring's position (1-based, 0 when absent).
    // IdsSource: a subquery listing the ids of the JSON array @ids.
    // Heartbeat, HeartbeatNumeric: the newest heartbeat's time as an ordered value (the lowest when none), and whether it is a number.
    // TrueSuffix: what makes a computed condition a truth test (SQLite has no boolean type).
    private sealed record Dialect(string Position, string IdsSource, string Heartbeat, bool HeartbeatNumeric, string TrueSuffix);
}
