using System.Text.Json.Serialization;

namespace Vsa.Edge.FleetManager.Accounts;

/// <summary>What an account may do (décret 2023-828 art. 15: access only for individually designated agents).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Role>))]
public enum Role
{
    /// <summary>A designated CSU agent: reads alerts and devices, confirms or dismisses alerts.</summary>
    [JsonStringEnumMemberName("operator")] Operator,

    /// <summary>Manages accounts, devices and configuration; reads everything; decides no alert.</summary>
    [JsonStringEnumMemberName("admin")] Admin,

    /// <summary>Controls the processing: reads everything, including the audit log; changes nothing.</summary>
    [JsonStringEnumMemberName("auditor")] Auditor,

    /// <summary>
    /// A CSU supervisor (chef de salle): reads what an operator reads and may suspend and resume the analysis (the kill switch,
    /// <see cref="FleetPolicies.Suspend"/>), so that it can be stopped at once without waiting for an administrator; decides
    /// no alert and manages nothing else.
    /// </summary>
    [JsonStringEnumMemberName("supervisor")] Supervisor,
}

/// <summary>Role names as stored and as carried in claims.</summary>
public static class Roles
{
    /// <summary><see cref="Role.Operator"/>.</summary>
    public const string Operator = "operator";

    /// <summary><see cref="Role.Admin"/>.</summary>
    public const string Admin = "admin";

    /// <summary><see cref="Role.Auditor"/>.</summary>
    public const string Auditor = "auditor";

    /// <summary><see cref="Role.Supervisor"/>.</summary>
    public const string Supervisor = "supervisor";

    /// <summary>The stored name of a role.</summary>
    public static string Name(Role role) => role switch
    {
        Role.Operator => Operator,
        Role.Admin => Admin,
        Role.Auditor => Auditor,
        Role.Supervisor => Supervisor,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    /// <summary>Parses a stored role name.</summary>
    public static Role Parse(string name) => name switch
    {
        Operator => Role.Operator,
        Admin => Role.Admin,
        Auditor => Role.Auditor,
        Supervisor => Role.Supervisor,
        _ => throw new FormatException($"'{name}' is not a role."),
    };
}

/// <summary>
/// Authorisation policies. Every endpoint requires a signed-in account unless it says otherwise (the fallback policy), so a
/// new endpoint is closed by default.
/// </summary>
public static class FleetPolicies
{
    /// <summary>Confirm or dismiss alerts: operators only (an auditor reads, an administrator manages, neither decides).</summary>
    public const string DecideAlerts = "decide-alerts";

    /// <summary>Create and change accounts, devices, configuration: administrators.</summary>
    public const string Manage = "manage";

    /// <summary>Read accounts and the audit log: administrators and auditors.</summary>
    public const string ReadAudit = "read-audit";

    /// <summary>Suspend and resume the analysis (kill switch): administrators and supervisors.</summary>
    public const string Suspend = "suspend";
}
